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
def test_round_9_at_first_sight() -> None:
    """The whole round as first scored (the README): 723/744 read-vs-mutating, 7 of 403 mutating tools read
    (1.7 %, over the 1 % target), 85 of 90 destructive tools caught (94.4 %, under the 95 % target), every execute
    tool caught. Held as floors: nothing may fall below them."""
    text, total = real_servers.report("round 9 (13 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 723
    assert total.mutating_read <= 7
    assert total.destructive_caught >= 85
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_9")
def test_round_9_halves_at_first_sight() -> None:
    """Development: 436/450, 5 of 248 mutating tools read, 47 of 51 destructive caught; confirmation: 287/294,
    2 of 155 read, 38 of 39 caught; every execute tool caught in both."""
    _, development = real_servers.report("round 9 development", DEVELOPMENT)
    assert development.agree >= 436
    assert development.mutating_read <= 5
    assert development.destructive_caught >= 47
    assert development.execute_caught == development.execute
    _, confirmation = real_servers.report("round 9 confirmation", CONFIRMATION)
    assert confirmation.agree >= 287
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 38
    assert confirmation.execute_caught == confirmation.execute
