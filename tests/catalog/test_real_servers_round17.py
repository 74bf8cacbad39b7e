"""The classifier on 11 more real servers (tests/fixtures/real-servers-round17), annotations removed.

A blind round, captured and labelled after rounds 1–15 (round 16 was made beside it) for a local agent's everyday
servers, domains no earlier round had as its subject (a markdown knowledge base with a knowledge graph, two desktop
note apps, docs with tables, a spreadsheet-database, an automation platform's SDK, two support desks, two ad
platforms, a self-custody Bitcoin and Liquid wallet), and scored before any rule was written from it: a measure
only. The fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold what it
scored at first sight as floors (all four targets were missed: read-vs-mutating 366/385, 5 of 159 mutating tools
read, 33 of 35 destructive tools and 2 of 3 execute tools caught).
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_17 = real_servers.round_folder(17)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_17)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_17(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-17 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_17)


@pytest.mark.usefixtures("round_17")
def test_round_17_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at f0691da): 366/385 read-vs-mutating, 5 of 159 mutating tools read
    (wallet calls whose names hold no verb and whose descriptions open with a read: a swap status check that claims,
    two receive orders, a config doctor that can repair, a profile read that tops up an address pool), 33 of 35
    destructive tools caught (Google Ads status updates whose values include REMOVED), 2 of 3 execute tools (a Coda
    button pushed, read as a plain write). Rules written after it was scored (a flag named for a fix or a repair
    acts; "auto-claims" is an act; a status one of whose values is "removed" destroys; a write's later sentence that
    triggers what is set to run executes) bring it to 368/385, 3 of 159, 35/35, 3/3: still two targets missed (the
    receive orders and the top-up read; reads held)."""
    text, total = real_servers.report("round 17 (11 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 368
    assert total.mutating_read <= 3
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_17")
def test_round_17_halves_score_at_least_their_first_sight() -> None:
    """Development 255/268, 5 of 119 mutating tools read, every destructive tool (21) and 1 of 2 execute tools
    caught; confirmation 111/117, no mutating tool of 40 read, 12 of 14 destructive tools and the execute tool
    caught."""
    text, development = real_servers.report("round 17 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 17 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 257  # at first sight 255
    assert development.mutating_read <= 3  # at first sight 5
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute  # at first sight 1 of 2
    assert confirmation.agree >= 111
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive  # at first sight 12 of 14
    assert confirmation.execute_caught == confirmation.execute
