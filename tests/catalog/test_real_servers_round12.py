"""The classifier on 8 more real servers (tests/fixtures/real-servers-round12), annotations removed.

A small blind round, captured and labelled after rounds 1–11 for domains no earlier round had (endpoint security,
internet-wide threat intelligence, code quality, subscription billing, hosted ML models, LLM observability, a social
network, web analytics), and scored before any rule was written from it: a measure only. The fixtures' README splits
it (sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as floors
(two of the four targets were missed: 2 of 126 mutating tools read, 7 of 8 execute tools caught).
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_12 = real_servers.round_folder(12)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_12)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_12(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-12 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_12)


@pytest.mark.usefixtures("round_12")
def test_round_12_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight: 385/394 read-vs-mutating, 2 of 126 mutating tools read (on-demand scans),
    23 of 24 destructive tools caught (an upsert over a dataset item missed), 7 of 8 execute tools (a deployment's
    version or hardware changed, read as an update). Rules written after it was scored (an active scan of a
    network, an upsert said in the description, an updated deployment, navigating a code base, investigating) then
    met the four targets: 390/394, 0 of 126, 24/24, 8/8."""
    text, total = real_servers.report("round 12 (8 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    real_servers.assert_targets(total, "round 12")
    assert total.agree >= 390
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_12")
def test_round_12_halves_score_at_least_their_first_sight() -> None:
    """Development 309/316, none of 108 mutating tools read, every destructive tool (19) and 7 of 8 execute tools
    caught; confirmation 76/78, 2 of 18 mutating tools read, 4 of 5 destructive tools caught, no execute tool."""
    _, development = real_servers.report("round 12 development", DEVELOPMENT)
    assert development.agree >= 309
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught >= 7
    _, confirmation = real_servers.report("round 12 confirmation", CONFIRMATION)
    assert confirmation.agree >= 76
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 4
    assert confirmation.execute_caught == confirmation.execute
