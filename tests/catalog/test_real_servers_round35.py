"""The classifier on 10 more real servers (tests/fixtures/real-servers-round35), annotations removed.

A blind round, captured and labelled after rounds 1–31 for product analytics, DNS and registrars, and IP address
management (an agents' registrar, Amplitude, GoDaddy DNS, Google Analytics, Infoblox DDI, the registrar LWS, NetBox,
phpIPAM, PostHog and Vultr DNS), and scored before any rule was written from it: a measure only. The fixtures' README
splits it (sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as
floors. ``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_35 = real_servers.round_folder(35)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_35)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_35(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-35 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_35)


@pytest.mark.usefixtures("round_35")
def test_round_35_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 4111b5e): 134/135 read-vs-mutating (99.3 %; the one read held is a
    domain's EPP transfer code fetched, taken as a money transfer by the name's 'transfer'), no mutating tool of 55
    read, 21 of 22 destructive tools caught (Infoblox's IP reservation router, whose actions include a release, was
    taken for a plain write by its name's verb 'manage'), no execute tool."""
    text, total = real_servers.report("round 35 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 134
    assert total.mutating_read == 0
    assert total.destructive_caught >= 21
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_35")
def test_round_35_halves_score_at_least_their_first_sight() -> None:
    """Development 65/66, no mutating tool of 32 read, 15 of 16 destructive tools caught (both misses above are
    there); confirmation 69/69, no mutating tool of 23 read, all 6 destructive tools caught (no execute tool in
    either half)."""
    text, development = real_servers.report("round 35 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 35 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 65
    assert development.mutating_read == 0
    assert development.destructive_caught >= 15
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 69
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
