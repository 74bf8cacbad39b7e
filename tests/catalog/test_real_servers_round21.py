"""The classifier on 7 more real servers (tests/fixtures/real-servers-round21), annotations removed.

A blind round, captured and labelled after rounds 1–20 for servers people install for an agent on a laptop (web
search and page reading, e-mail over JMAP, a CalDAV calendar, a task app, a notes app, a code sandbox), and scored
before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop)
and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_21 = real_servers.round_folder(21)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_21)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_21(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-21 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_21)


@pytest.mark.usefixtures("round_21")
def test_round_21_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 9ba43c6): 60/63 read-vs-mutating (95.2 %, under the 97 % target), no
    mutating tool of 31 read, all 10 destructive and both execute tools caught. The 3 reads held, all one mail
    server's: its account information (no verb in the name, "email" taken for a verb in the description) and push
    notifications awaited and their status ("push" taken for the verb opening the name)."""
    text, total = real_servers.report("round 21 (7 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 60
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_21")
def test_round_21_halves_score_at_least_their_first_sight() -> None:
    """Development 30/30, no mutating tool of 15 read, all 5 destructive and both execute tools caught; confirmation
    30/33, no mutating tool of 16 read, all 5 destructive tools caught (it has no execute tool)."""
    text, development = real_servers.report("round 21 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 21 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 30
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 30
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
