"""Every example policy (the design's example and the issue's PolicyLayer paste) passes ``check`` and behaves
as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from portcullis.limits import MemoryCounterStore
from portcullis.policy import ToolCall, load_policy, take_limits

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.*")), ids=lambda p: p.name)
def test_every_example_is_valid(path: Path) -> None:
    assert load_policy(path).rule_count > 0


async def test_design_example_behaves_as_written() -> None:
    p = load_policy(EXAMPLES / "design.json")
    store = MemoryCounterStore()

    def call(tool: str, **args: object) -> ToolCall:
        return ToolCall("sperax", tool, args, "alice", "s1")

    assert p.is_hidden("sperax", "export_private_key_hex")
    assert p.decide(call("export_private_key_hex")).action == "hide"
    d = p.decide(call("options_withdraw_all"))
    assert (d.action, d.reason) == ("require_approval", "Moves funds")
    assert p.decide(ToolCall("github", "delete_repo", {}, "alice", "s")).reason == "Deletion is done by people"
    assert p.decide(ToolCall("github", "list_repos", {}, "alice", "s")).rule == "$.default"
    assert p.decide(call("transfer_token", to="0xTREASURY", amount=1001)).argument == "amount"
    assert (
        p.decide(call("transfer_token", to="0xELSEWHERE", amount=5)).reason == "Only the treasury may receive transfers"
    )
    # spend cap: 5000 a day counted from args.amount
    for _ in range(5):
        ok = await take_limits(store, p.decide(call("transfer_token", to="0xTREASURY", amount=1000)), 10.0)
        assert ok.decision.action == "allow"
    over = await take_limits(store, p.decide(call("transfer_token", to="0xTREASURY", amount=1)), 20.0)
    assert over.decision.action == "deny" and over.decision.rule == "$.tools.sperax__transfer_token.limits[0]"
    assert over.decision.retry_after == pytest.approx(86400 - 20.0)
    # 30 listen keys a minute per grant
    lk = [await take_limits(store, p.decide(call("BinanceOptionsCreateListenKey")), 30.0) for _ in range(31)]
    assert [o.decision.action for o in lk].count("allow") == 30
    other = await take_limits(
        store, p.decide(ToolCall("sperax", "BinanceOptionsCreateListenKey", {}, "bob", "x")), 30.0
    )
    assert other.decision.action == "allow"  # scope grant: bob has his own quota


async def test_policylayer_paste_works_unchanged() -> None:
    p = load_policy(EXAMPLES / "policylayer-listenkey.json")
    store = MemoryCounterStore()
    outcomes = [
        await take_limits(store, p.decide(ToolCall(server, "BinanceOptionsCreateListenKey", {}, "g", "s")), 100.0)
        for server in ("sperax", "binance") * 20
    ]
    assert [o.decision.action for o in outcomes].count("allow") == 30  # one counter across servers, 30 a minute
    assert outcomes[-1].decision.retry_after is not None
    assert p.decide(ToolCall("sperax", "other_tool", {}, "g", "s")).action == "deny"


async def test_window_in_seconds_and_shorthand_example() -> None:
    p = load_policy(EXAMPLES / "published-window-seconds.yaml")
    store = MemoryCounterStore()
    search = [await take_limits(store, p.decide(ToolCall("web", "search", {}, "g", "s1")), 0.0) for _ in range(11)]
    assert [o.decision.action for o in search].count("allow") == 10
    other_session = await take_limits(store, p.decide(ToolCall("web", "search", {}, "g", "s2")), 0.0)
    assert other_session.decision.action == "allow"
    issues = [
        await take_limits(store, p.decide(ToolCall("github", "create_issue", {}, "g", "s")), 0.0) for _ in range(6)
    ]
    assert [o.decision.action for o in issues].count("allow") == 5
