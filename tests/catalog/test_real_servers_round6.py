"""The classifier on 17 more real servers (tests/fixtures/real-servers-round6), annotations removed.

Captured and labelled after rounds 1–5 for what round 5 showed weakest on unseen servers (destructive tools)
and for wording the earlier rounds lacked, and scored before any rule was written from them. The fixtures'
README splits them (sorted, odd positions develop) and records the figures before and after. ``pytest -s``
prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_6 = real_servers.round_folder(6)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_6)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_6(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-6 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_6)


@pytest.mark.usefixtures("round_6")
def test_round_6_meets_the_four_targets() -> None:
    """The four targets on the whole round, after the rules written from its development half (the README)."""
    text, total = real_servers.report("round 6 (17 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    real_servers.assert_targets(total, "round 6")
    assert total.destructive_caught == total.destructive
    assert total.agree >= 433


@pytest.mark.usefixtures("round_6")
def test_round_6_halves_meet_the_four_targets_but_destructive_on_confirmation() -> None:
    """The development half (rules written from it) meets the four targets; the confirmation half, scored after,
    meets three and misses destructive (36/39; 37 once "replace" was made destructive, after it was scored; 38 and no
    mutating tool read once round 9's development half made merging cells destructive and sorting a range a write:
    a vault edit removing fields is left)."""
    _, development = real_servers.report("round 6 development", DEVELOPMENT)
    real_servers.assert_targets(development, "round 6 development")
    _, confirmation = real_servers.report("round 6 confirmation", CONFIRMATION)
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught >= 38
    assert confirmation.execute_caught == confirmation.execute
