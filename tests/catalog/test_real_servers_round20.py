"""The classifier on 8 more real servers (tests/fixtures/real-servers-round20), annotations removed.

A blind round, captured and labelled after rounds 1–19 for domains no earlier round had as its subject (a car, smart
lights, an MQTT broker, a Linux desktop, a Minecraft server panel, a law firm's practice management, biomedical
literature, holiday lettings), and scored before any rule was written from it: a measure only. The fixtures' README
splits it (sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as
floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_20 = real_servers.round_folder(20)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_20)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_20(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-20 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_20)


@pytest.mark.usefixtures("round_20")
def test_round_20_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at e7e87f8): 235/252 read-vs-mutating (93.3 %, under the 97 % target), no
    mutating tool of 109 read, all 14 destructive and all 3 execute tools caught. The 17 reads held: 12 of a car's
    analytics named by a noun with no verb (drives, efficiency, live data, savings, "vampire drain"), a broker
    connection opened and closed, identifiers converted, a screenshot written to a file, a text condensed. Scored
    with every rule of rounds 13 to 19 in place: the three safety targets met at first sight, read-vs-mutating
    missed only by reads held (fail closed)."""
    text, total = real_servers.report("round 20 (8 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 235
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_20")
def test_round_20_halves_score_at_least_their_first_sight() -> None:
    """Development 172/175, no mutating tool of 83 read, 13 of 13 destructive tools and the execute tool caught;
    confirmation 63/77, no mutating tool of 26 read, the destructive tool and both execute tools caught."""
    text, development = real_servers.report("round 20 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 20 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 172
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 63
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
