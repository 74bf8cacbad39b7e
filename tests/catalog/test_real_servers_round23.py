"""The classifier on 9 more real servers (tests/fixtures/real-servers-round23), annotations removed.

A blind round, captured and labelled after rounds 1–21 for a small business's back office (accounting and payroll,
QuickBooks, two ERPs, inventory and warehouse, invoicing, mobile money and SMS, point of sale and subscriptions,
telephony), and scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted,
odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_23 = real_servers.round_folder(23)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_23)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_23(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-23 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_23)


@pytest.mark.usefixtures("round_23")
def test_round_23_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at ac2dcdb): 265/280 read-vs-mutating (94.6 %, under the 97 % target), no
    mutating tool of 109 read, 19 of 22 destructive tools caught (an ERP document cancelled, a card on file disabled
    and QuickBooks' update that can replace a whole record were taken for plain writes); the round has no execute
    tool. The 15 reads held: warehouse reports, stock and pickings (Gobox, Square), QuickBooks' query, report,
    change data capture and downloads, an invoice PDF saved, C2B transactions pulled."""
    text, total = real_servers.report("round 23 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 265
    assert total.mutating_read == 0
    assert total.destructive_caught >= 19
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_23")
def test_round_23_halves_score_at_least_their_first_sight() -> None:
    """Development 206/215, no mutating tool of 80 read, 13 of 15 destructive tools caught; confirmation 59/65, no
    mutating tool of 29 read, 6 of 7 destructive tools caught (neither half has an execute tool)."""
    text, development = real_servers.report("round 23 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 23 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 206
    assert development.mutating_read == 0
    assert development.destructive_caught >= 13
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 59
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught >= 6
    assert confirmation.execute_caught == confirmation.execute
