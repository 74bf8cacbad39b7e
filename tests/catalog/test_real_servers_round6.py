"""The classifier on 17 more real servers (tests/fixtures/real-servers-round6), annotations removed.

Captured and labelled after rounds 1–5 for what round 5 showed weakest on unseen servers (destructive tools)
and for wording the earlier rounds lacked, and scored before any rule was written from them. The fixtures'
README splits them (sorted, odd positions develop) and records the figures before and after. ``pytest -s``
prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from portcullis.cli import main
from tests.catalog import real_servers

ROUND_6 = real_servers.round_folder(6)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_6)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]
# Execute, destructive or money tools the recommendation does not hold (rate-limited writes): device operations given
# in free form, a vault item edit whose arguments remove fields, and services created from a repository or an image
# (a build and deploy their words do not show).
NOT_HELD: frozenset[tuple[str, str]] = frozenset(
    {
        ("home-assistant-mcp", "ha_bulk_control"),
        ("onepassword-mcp", "item_edit"),
        ("railway-mcp", "service_create_from_repo"),
        ("railway-mcp", "service_create_from_image"),
    }
)


@pytest.fixture
def round_6(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-6 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_6)


@pytest.mark.usefixtures("round_6")
def test_every_labelled_tool_is_in_the_fixtures() -> None:
    real_servers.assert_labels_cover_the_fixtures(SERVERS, 17)


@pytest.mark.usefixtures("round_6")
def test_round_6_halves_are_reported() -> None:
    for label, part in (("development", DEVELOPMENT), ("confirmation", CONFIRMATION)):
        text, _ = real_servers.report(f"round 6 {label}", part)
        print("\n" + text)


@pytest.mark.usefixtures("round_6")
def test_round_6_meets_the_four_targets() -> None:
    """The four targets on the whole round, after the rules written from its development half (the README)."""
    text, total = real_servers.report("round 6 (17 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    real_servers.assert_targets(total, "round 6")
    assert total.destructive_caught >= 104


@pytest.mark.usefixtures("round_6")
def test_round_6_halves_meet_the_four_targets_but_destructive_on_confirmation() -> None:
    """The development half (rules written from it) meets the four targets; the confirmation half, scored after,
    meets three and misses destructive (36/39: a replace-all in cells, a merge of cells, a vault edit removing
    fields)."""
    _, development = real_servers.report("round 6 development", DEVELOPMENT)
    real_servers.assert_targets(development, "round 6 development")
    _, confirmation = real_servers.report("round 6 confirmation", CONFIRMATION)
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught >= 36
    assert confirmation.execute_caught == confirmation.execute


@pytest.mark.parametrize("server", SERVERS)
def test_recommend_holds_the_execute_destructive_and_money_tools(
    capsys: pytest.CaptureFixture[str], server: str
) -> None:
    """``portcullis recommend`` on each server as served (annotations kept): every tool labelled execute,
    destructive or money is held for approval or guarded, but for the ones in ``NOT_HELD``."""
    path = ROUND_6 / f"{server}.json"
    assert main(["recommend", "--from", str(path), "--server", server]) == 0
    recommended: dict[str, Any] = json.loads(capsys.readouterr().out)["tools"]
    real_servers.assert_recommend_holds(ROUND_6, server, recommended, NOT_HELD)
