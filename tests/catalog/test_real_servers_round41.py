"""The classifier on 8 more real servers (tests/fixtures/real-servers-round41), annotations removed.

A blind round, captured and labelled for databases (SurrealDB, ArangoDB, Azure Cosmos DB, CouchDB, TimescaleDB,
libSQL/Turso and two for Microsoft SQL Server), and scored before any rule was written from it: a measure only. The
fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold what it scored at
first sight as floors. ``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_41 = real_servers.round_folder(41)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_41)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_41(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-41 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_41)


@pytest.mark.usefixtures("round_41")
def test_round_41_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at e3aace5): 115/127 read-vs-mutating (90.6 %), 1 mutating tool of 34
    read (SurrealDB's ``query``, any SurrealQL, read/low from "verb 'query' opens the name"), 9 of 12 destructive
    tools caught (that query, and two full replacements of a record or a document taken for plain updates), 2 of 3
    execute tools caught (not that query). The 11 reads held: SELECT-only queries (Cosmos DB's SQL, libSQL's on a
    read-only connection), an AQL plan explained, two graph traversals, graph statistics, SurrealDB's ``select``, and
    four changes of the session's context (a workflow switched or advanced, tools unloaded, a database focused)."""
    text, total = real_servers.report("round 41 (8 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 115
    assert total.mutating_read <= 1
    assert total.destructive_caught >= 9
    assert total.execute_caught >= 2


@pytest.mark.usefixtures("round_41")
def test_round_41_halves_score_at_least_their_first_sight() -> None:
    """Development 30/34, 1 mutating tool of 13 read, 4 of 7 destructive tools and none of the 1 execute tool
    caught; confirmation 85/93, no mutating tool of 21 read, all 5 destructive and both execute tools caught."""
    text, development = real_servers.report("round 41 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 41 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 30
    assert development.mutating_read <= 1
    assert development.destructive_caught >= 4
    assert development.execute_caught >= 0
    assert confirmation.agree >= 85
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
