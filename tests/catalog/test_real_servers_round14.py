"""The classifier on 12 more real servers (tests/fixtures/real-servers-round14), annotations removed.

A blind round, captured and labelled after rounds 1–12 for domains no earlier round had as its subject (identity
providers, infrastructure as code, e-signature, file storage and sync, a whiteboard, project management, HR), and
scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions
develop) and records the figures. The tests hold what it scored at first sight as floors (one of the four targets was
missed: 2 of the round's 3 execute tools caught); a rule written after it was scored (a planned run applied
executes) now catches the third.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_14 = real_servers.round_folder(14)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_14)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_14(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-14 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_14)


@pytest.mark.usefixtures("round_14")
def test_round_14_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight: 488/489 read-vs-mutating (starting Box's app authorization, a log-in, held as
    a write), none of 255 mutating tools read, every destructive tool (57) caught, 2 of 3 execute tools (a planned
    Terraform run applied, read as a write; caught since a rule written after the round was scored)."""
    text, total = real_servers.report("round 14 (12 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 488
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute
    real_servers.assert_targets(total, "round 14")


@pytest.mark.usefixtures("round_14")
def test_round_14_halves_score_at_least_their_first_sight() -> None:
    """Development 331/332, none of 190 mutating tools read, every destructive (45) and execute (1) tool caught;
    confirmation 157/157, none of 65 mutating tools read, every destructive tool (12) and 1 of 2 execute tools."""
    _, development = real_servers.report("round 14 development", DEVELOPMENT)
    assert development.agree >= 331
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    _, confirmation = real_servers.report("round 14 confirmation", CONFIRMATION)
    assert confirmation.agree == confirmation.total
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute  # at first sight 1 of 2
