"""The classifier on 11 more real servers (tests/fixtures/real-servers-round25), annotations removed.

A blind round, captured and labelled after rounds 1–23 for data stores and knowledge tools (key-value stores,
Kafka Connect, a Solr search service, DuckDB, Google Sheets and Excel files, two Zotero servers, an RSS reader, an
Obsidian vault), and scored before any rule was written from it: a measure only. The fixtures' README splits it
(sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_25 = real_servers.round_folder(25)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_25)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_25(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-25 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_25)


@pytest.mark.usefixtures("round_25")
def test_round_25_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at bddb221): 184/192 read-vs-mutating (95.8 %, under the 97 % target), 1
    mutating tool of 100 read (an RSS article marked read, taken for a read by its name's last word), 31 of 37
    destructive tools caught (a feed unsubscribed, a batch of sheet updates, a connector configuration replaced whole,
    two JSON array edits that drop elements and cells written over were taken for plain writes), all 3 execute tools
    caught. The 7 reads held: an edit token got, a connection closed, an ingestion job's status, a read-only command
    run, a sheet profiled, the trash listed, attachments downloaded."""
    text, total = real_servers.report("round 25 (11 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 184
    assert total.mutating_read <= 1
    assert total.destructive_caught >= 31
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_25")
def test_round_25_halves_score_at_least_their_first_sight() -> None:
    """Development 104/108, no mutating tool of 52 read, 22 of 24 destructive tools and the 1 execute tool caught;
    confirmation 80/84, 1 mutating tool of 48 read, 9 of 13 destructive tools and both execute tools caught."""
    text, development = real_servers.report("round 25 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 25 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 104
    assert development.mutating_read == 0
    assert development.destructive_caught >= 22
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 80
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught >= 9
    assert confirmation.execute_caught == confirmation.execute
