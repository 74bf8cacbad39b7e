"""The classifier on 13 more real servers (tests/fixtures/real-servers-round9), annotations removed.

Captured and labelled after rounds 1–7 for domains the earlier rounds had little or none of (Microsoft 365, Google
Docs and Sheets, Teams, work management, CRMs, customer support, SMS, a crypto wallet and a terminal that pays from
one), and scored before any rule was written from them. The fixtures' README splits them (sorted, odd positions
develop) and records the figures. ``pytest -s`` prints the figures per server and every tool the classifier gets
wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_9 = real_servers.round_folder(9)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_9)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_9(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-9 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_9)


@pytest.mark.usefixtures("round_9")
def test_round_9_meets_the_four_targets() -> None:
    """The four targets on the whole round, after the rules written from its development half (the README; at
    first sight it missed two: 7 of 403 mutating tools read, 85 of 90 destructive tools caught)."""
    text, total = real_servers.report("round 9 (13 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    real_servers.assert_targets(total, "round 9")
    assert total.agree >= 733  # 728 after the development half's rules; later general rules added five
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive


@pytest.mark.usefixtures("round_9")
def test_round_9_halves_after_the_rules() -> None:
    """Development (rules written from it): 441/450, no mutating tool read, every destructive and execute tool
    caught (436/450, 5 read, 47/51 at first sight). Confirmation, scored after the rules were fixed: as at first
    sight, 287/294, 2 of 155 read, 38 of 39 caught (its misses are of kinds the development half did not show)."""
    _, development = real_servers.report("round 9 development", DEVELOPMENT)
    real_servers.assert_targets(development, "round 9 development")
    assert development.agree >= 441
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    _, confirmation = real_servers.report("round 9 confirmation", CONFIRMATION)
    assert confirmation.agree >= 287
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 38
    assert confirmation.execute_caught == confirmation.execute
