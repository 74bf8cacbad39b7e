"""The classifier on 7 more real servers (tests/fixtures/real-servers-round32), annotations removed.

A blind round, captured and labelled after rounds 1–31 for e-commerce administration (four Shopify Admin API
servers, a headless commerce API, Adobe's App Builder tools for Adobe Commerce and a Magento project audit), and
scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions
develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_32 = real_servers.round_folder(32)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_32)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_32(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-32 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_32)


@pytest.mark.usefixtures("round_32")
def test_round_32_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 4111b5e, the same at 85eb24d): 301/305 read-vs-mutating (98.7 %), 2
    mutating tools of 118 read (a customer's account activation URL generated, which invalidates the earlier ones,
    "generate" settled as a read by its object 'url'; a fulfilment opened, "open" taken as a read), all 31 destructive
    tools caught, 3 of 5 execute tools caught (the project's npm scripts for Commerce event subscription and for
    onboarding were taken for plain writes at level medium by their names' verbs 'subscribe' and 'onboard'). The 2
    reads held: a Magento upgrade plan built (by 'upgrade' in the name) and a fleet overview (by the description's
    'runs'), both execute/critical."""
    text, total = real_servers.report("round 32 (7 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 301
    assert total.mutating_read <= 2
    assert total.destructive_caught == total.destructive
    assert total.execute_caught >= 3


@pytest.mark.usefixtures("round_32")
def test_round_32_halves_score_at_least_their_first_sight() -> None:
    """Development 66/68, no mutating tool of 17 read, all 3 destructive tools and 3 of 5 execute tools caught (the two
    npm scripts missed); confirmation 235/237, 2 mutating tools of 101 read (the activation URL and the fulfilment
    opened), all 28 destructive tools caught (no execute tool)."""
    text, development = real_servers.report("round 32 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 32 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 66
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught >= 3
    assert confirmation.agree >= 235
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
