"""The classifier on 11 more real servers (tests/fixtures/real-servers-round19), annotations removed.

A blind round, captured and labelled after rounds 1–17 (round 18 was made beside it) for money in domains no earlier
round had as its subject (crypto exchanges, two brokerages, a prediction market, a DEX aggregator, crypto invoicing, a
card payment processor, corporate cards and spend), and scored before any rule was written from it: a measure only.
The fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold what it
scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_19 = real_servers.round_folder(19)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_19)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_19(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-19 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_19)


@pytest.mark.usefixtures("round_19")
def test_round_19_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 25ab155): 368/374 read-vs-mutating, no mutating tool of 157 read, 28 of
    31 destructive tools caught (two row upserts named 'append', "Append or update"; every position exited at market,
    "exit" a verb the rules do not know), the execute tool (a saved shortcut run) caught. Reads held: an environment
    check whose description says "confirm", a risk read named with no verb, a shortcut tested, two order previews, a
    rebalancing suggestion. Rules written after it was scored ("Append or update" is an upsert; a reimbursement
    moves money) catch the two upserts: 30 of 31 (96.8 %), the four targets met."""
    text, total = real_servers.report("round 19 (11 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 368
    assert total.mutating_read == 0
    assert total.destructive_caught >= 30
    real_servers.assert_targets(total, "round 19")
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_19")
def test_round_19_halves_score_at_least_their_first_sight() -> None:
    """Development 104/108, no mutating tool of 34 read, 3 of 4 destructive tools and the execute tool caught;
    confirmation 264/266, no mutating tool of 123 read, 25 of 27 destructive tools caught, no execute tool."""
    text, development = real_servers.report("round 19 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 19 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 104
    assert development.mutating_read == 0
    assert development.destructive_caught >= 3
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 264
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive  # at first sight 25 of 27
    assert confirmation.execute_caught == confirmation.execute
