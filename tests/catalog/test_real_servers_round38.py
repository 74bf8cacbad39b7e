"""The classifier on 10 more real servers (tests/fixtures/real-servers-round38), annotations removed.

A blind round, captured and labelled after rounds 1–35 for machine-learning platforms and data pipelines (Airbyte,
the Anthropic Admin API, ClearML, Comet, Dagster, Fivetran, MLflow, Apache NiFi, Temporal and vLLM), and scored
before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop)
and records the figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures
per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_38 = real_servers.round_folder(38)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_38)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_38(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-38 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_38)


@pytest.mark.usefixtures("round_38")
def test_round_38_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at fd0c0d0): 229/234 read-vs-mutating (97.9 %; the five reads held are
    Airbyte's health check, taken as a write by the name's 'check', Airbyte's job list, whose description lists
    "sync, reset, refresh, and clear jobs" and was taken as a reset, vLLM's chat, by the description's 'send', vLLM's
    completion, by the name's 'complete', and a GuideLLM benchmark, by the name's 'benchmark'), no mutating tool of 86
    read, 16 of 17 destructive tools caught (Airbyte's stream refresh, whose 'truncate' type replaces destination
    data, was taken for a plain write at level high by its name's 'trigger' settled by 'refresh'), all 14 execute
    tools caught."""
    text, total = real_servers.report("round 38 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 229
    assert total.mutating_read == 0
    assert total.destructive_caught >= 16
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_38")
def test_round_38_halves_score_at_least_their_first_sight() -> None:
    """Development 146/148 (the two Airbyte reads held), no mutating tool of 55 read, 11 of 12 destructive tools
    caught (the Airbyte refresh), all 10 execute tools caught; confirmation 83/86 (the three vLLM reads held), no
    mutating tool of 31 read, all 5 destructive and all 4 execute tools caught."""
    text, development = real_servers.report("round 38 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 38 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 146
    assert development.mutating_read == 0
    assert development.destructive_caught >= 11
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 83
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
