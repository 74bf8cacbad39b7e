"""The classifier on 10 more real servers (tests/fixtures/real-servers-round11), annotations removed.

A small blind round, captured and labelled after rounds 1–9 for domains no earlier round had (a password manager,
mail over IMAP, home cameras and alarms, a registrar's DNS, a container registry, an LMS, systemd, ServiceNow, a
helpdesk, a document database), and scored before any rule was written from it: a measure only. The fixtures'
README splits it (sorted, odd positions develop) and records the figures. The tests hold what it scored at first
sight as floors (two of the four targets were missed: read-vs-mutating 96.8 %, 3 of 166 mutating tools read).
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_11 = real_servers.round_folder(11)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_11)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_11(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-11 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_11)


@pytest.mark.usefixtures("round_11")
def test_round_11_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight: 337/348 read-vs-mutating, 3 of 166 mutating tools read, every destructive
    (35) and execute (3) tool caught. Rules written after it was scored (a flag named for an act, "initiate",
    "a financial operation", a slash list after the verb) then met the four targets: 341/348, 0 of 166."""
    text, total = real_servers.report("round 11 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    real_servers.assert_targets(total, "round 11")
    assert total.agree >= 341
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_11")
def test_round_11_halves_score_at_least_their_first_sight() -> None:
    """Development 204/211, 2 of 105 mutating tools read; confirmation 133/137, 1 of 61 read; both catch every
    destructive and execute tool."""
    _, development = real_servers.report("round 11 development", DEVELOPMENT)
    assert development.agree >= 204
    assert development.mutating_read <= 2
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    _, confirmation = real_servers.report("round 11 confirmation", CONFIRMATION)
    assert confirmation.agree >= 133
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
