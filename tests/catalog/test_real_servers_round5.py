"""The classifier on 15 more real servers (tests/fixtures/real-servers-round5), annotations removed.

Captured and labelled after rounds 1–4 for what they lacked (money, execute and destructive tools), and
scored before any rule was written from them. The fixtures' README splits them (sorted, odd positions
develop) and records the figures before and after. ``pytest -s`` prints the figures per server and every
tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_5 = real_servers.round_folder(5)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_5)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_5(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-5 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_5)


@pytest.mark.usefixtures("round_5")
def test_round_5_meets_the_four_targets() -> None:
    """The four targets on the whole round (the three destructive tools the first rules missed were caught by
    general rules written after the confirmation half was scored: the README)."""
    text, total = real_servers.report("round 5 (15 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    real_servers.assert_targets(total, "round 5")


@pytest.mark.usefixtures("round_5")
def test_round_5_development_half_is_caught() -> None:
    """The half rules were written from: no destructive tool missed, nothing mutating read; 294 of 297 agree (295
    before images a model generates became writes, after rounds 10, 15 and 18: its image generator is labelled
    read)."""
    _, total = real_servers.report("round 5 development", DEVELOPMENT)
    assert total.destructive_caught == total.destructive
    assert total.mutating_read == 0
    assert total.agree >= 294
