"""The classifier on 13 more real servers (tests/fixtures/real-servers-round8), annotations removed.

Captured and labelled after rounds 1–7 for infrastructure and operations (hosting and deploys, configuration
management, Helm releases, virtual machines, cloud storage, managed databases, message brokers, on-call,
identity), and scored before any rule was written from them. The fixtures' README splits them (sorted, odd
positions develop) and records the figures. ``pytest -s`` prints the figures per server and every tool the
classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_8 = real_servers.round_folder(8)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_8)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_8(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-8 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_8)


@pytest.mark.usefixtures("round_8")
def test_round_8_whole() -> None:
    """After the rules written from the development half (the README): 98.0 % read-vs-mutating, 0.9 % of mutating
    tools read, 91.1 % destructive and every execute tool caught (at first sight 97.2 %, 1.7 %, 86.1 %, 86.4 %).
    Destructive caught is still short of its target, through the confirmation half alone."""
    text, total = real_servers.report("round 8 (13 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agreement >= 0.97
    assert total.mutating_read_rate <= 0.01
    assert total.execute_rate >= 0.95
    assert total.agree >= 493
    assert total.mutating_read <= 2
    assert total.destructive_caught >= 72


@pytest.mark.usefixtures("round_8")
def test_round_8_halves() -> None:
    """The development half meets every target with no miss (the rules were written from it); the confirmation
    half, scored after they were fixed, is as at first sight (its misses are of kinds the development half did not
    show)."""
    _, development = real_servers.report("round 8 development", DEVELOPMENT)
    assert development.agree == development.total
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    _, confirmation = real_servers.report("round 8 confirmation", CONFIRMATION)
    assert confirmation.agree >= 237
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 21
    assert confirmation.execute_caught == confirmation.execute
