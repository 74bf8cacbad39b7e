"""The classifier on 9 more real servers (tests/fixtures/real-servers-round15), annotations removed.

A small blind round, captured and labelled after rounds 1–14 for domains no earlier round had as its subject (a
learning-management system, flashcards, a home media server, electronic health records, a blogging CMS, parcel
shipping, flight data, package metadata, the system clipboard), and scored before any rule was written from it: a
measure only. The fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold
what it scored at first sight as floors (one of the four targets was missed: 3 of 103 mutating tools read).
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_15 = real_servers.round_folder(15)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_15)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_15(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-15 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_15)


@pytest.mark.usefixtures("round_15")
def test_round_15_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight: 267/275 read-vs-mutating, 3 of 103 mutating tools read (conversations marked
    read, a library scan, markdown rendered onto the clipboard), 21 of 22 destructive tools caught (an upload whose
    option overwrites missed), every execute tool (3). Rules written after it was scored (a name opening with "mark"
    and ending in the state it sets is no read; a weak verb joined to a sure one by "and" before "both" is a verb;
    a conflict policy with an "overwrite" value destroys) bring it to 269/275, 1 of 103 (the library scan), 22/22,
    3/3: the four targets met."""
    text, total = real_servers.report("round 15 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 269
    assert total.mutating_read <= 1
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute
    real_servers.assert_targets(total, "round 15")


@pytest.mark.usefixtures("round_15")
def test_round_15_halves_score_at_least_their_first_sight() -> None:
    """Development 66/68, 1 of 22 mutating tools read, every destructive (4) and execute (1) tool caught;
    confirmation 201/207, 2 of 81 mutating tools read, 17 of 18 destructive tools and both execute tools caught."""
    _, development = real_servers.report("round 15 development", DEVELOPMENT)
    assert development.agree >= 67  # at first sight 66
    assert development.mutating_read == 0  # at first sight 1
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    _, confirmation = real_servers.report("round 15 confirmation", CONFIRMATION)
    assert confirmation.agree >= 202  # at first sight 201
    assert confirmation.mutating_read <= 1  # at first sight 2
    assert confirmation.destructive_caught == confirmation.destructive  # at first sight 17 of 18
    assert confirmation.execute_caught == confirmation.execute
