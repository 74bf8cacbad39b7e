"""The classifier on 13 more real servers (tests/fixtures/real-servers-round13), annotations removed.

A blind round, captured and labelled after rounds 1–12 for domains no earlier round had (observability, product
analytics, data warehouses, vector databases), and scored before any rule was written from it: a measure only. The
fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold what it scored at
first sight as floors (two of the four targets were missed: 357 of 372 read-vs-mutating, 8 of 9 execute tools
caught). ``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_13 = real_servers.round_folder(13)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_13)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_13(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-13 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_13)


@pytest.mark.usefixtures("round_13")
def test_round_13_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight: 357/372 read-vs-mutating (15 reads held, none of 113 mutating tools read),
    42 of 43 destructive tools caught (an object created or altered to match its definition, read as a create), 8 of
    9 execute tools (a notebook run after a repository sync, read as the sync). Rules written after it was scored
    (a weak verb joined to a strong one by "and", with its own article, is a verb; "create or alter" is an upsert; a
    JSONPath is no file and "saved dashboards" tell of no saving) catch both and read one more read: 358/372, 43/43,
    9/9. Read-vs-mutating stays under 97 %: reads in query languages taken as runs, and log-ins, held (fail
    closed)."""
    text, total = real_servers.report("round 13 (13 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 358
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_13")
def test_round_13_halves_score_at_least_their_first_sight() -> None:
    """Development 150/158, none of 39 mutating tools read, every destructive (13) and execute (1) tool caught;
    confirmation 207/214, none of 74 mutating tools read, 29 of 30 destructive and 7 of 8 execute tools caught."""
    _, development = real_servers.report("round 13 development", DEVELOPMENT)
    assert development.agree >= 150
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    _, confirmation = real_servers.report("round 13 confirmation", CONFIRMATION)
    assert confirmation.agree >= 207
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive  # at first sight 29 of 30
    assert confirmation.execute_caught == confirmation.execute  # at first sight 7 of 8
