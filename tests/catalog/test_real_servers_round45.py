"""The classifier on 4 more real servers (tests/fixtures/real-servers-round45), annotations removed.

A blind round for project and work management (Basecamp, Redmine, Vikunja and Smartsheet Resource Management),
scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions
develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_45 = real_servers.round_folder(45)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_45)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_45(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-45 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_45)


@pytest.mark.usefixtures("round_45")
def test_round_45_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at f9da993): 247/255 read-vs-mutating (96.9 %), 1 mutating tool of 134
    read (a Vikunja project parked, "no verb in the name; the description's verb 'read'"), all 36 destructive tools
    caught, no execute tool. The 7 reads held, all Vikunja's: comments listed and recent comments ('comment' taken as
    the verb), the instance switched and the context set (session context), the queue of undated tasks ('assign'),
    the weekly reckoning (no known verb) and a task query (destructive/critical from 'query')."""
    text, total = real_servers.report("round 45 (4 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 247
    assert total.mutating_read <= 1
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_45")
def test_round_45_halves_score_at_least_their_first_sight() -> None:
    """Development 70/70, no mutating tool of 19 read, all 6 destructive tools caught (no execute tool);
    confirmation 177/185, 1 mutating tool of 115 read, all 30 destructive tools caught (no execute tool)."""
    text, development = real_servers.report("round 45 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 45 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree == development.total
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 177
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
