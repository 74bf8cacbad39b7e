"""The classifier on 5 more real servers (tests/fixtures/real-servers-round30), annotations removed.

A blind round, captured and labelled after rounds 1–29 for personal and consumer services (Apple Music, the Oura
ring, Strava, weather and Grocy's household stock, shopping lists, recipes and chores), and scored before any rule
was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the
figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_30 = real_servers.round_folder(30)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_30)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_30(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-30 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_30)


@pytest.mark.usefixtures("round_30")
def test_round_30_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at ba3cd0e): 129/143 read-vs-mutating (90.2 %), 7 mutating tools of 63
    read (Grocy's six label and shopping-list prints, "print" read as a show, and stock marked opened, "open" read as
    a get), 13 of 15 destructive tools caught (a Strava account disconnected with its credentials removed and a
    shopping-list reconciliation that removes items were taken for plain writes), no execute tool in the round. The 7
    reads held: Apple Music's discovery and catalog searches, Oura's collection catalog and a correlation of two
    metrics, Grocy's preview of a recipe's consumption, its calendar sharing link and a reconciliation preview."""
    text, total = real_servers.report("round 30 (5 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 129
    assert total.mutating_read <= 7
    assert total.destructive_caught >= 13
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_30")
def test_round_30_halves_score_at_least_their_first_sight() -> None:
    """Development 26/30, no mutating tool of 7 read, all 4 destructive tools caught, no execute tool; confirmation
    103/113, 7 mutating tools of 56 read, 9 of 11 destructive tools caught, no execute tool."""
    text, development = real_servers.report("round 30 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 30 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 26
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 103
    assert confirmation.mutating_read <= 7
    assert confirmation.destructive_caught >= 9
    assert confirmation.execute_caught == confirmation.execute
