"""From decision to counters: a refused limit becomes a denial with retry-after; failed calls give quota back."""

from __future__ import annotations

import pytest

from portcullis.limits import MemoryCounterStore
from portcullis.policy import ToolCall, compile_policy, denial_result, policy_from_text, settle, take_limits

POLICY = compile_policy(
    policy_from_text(
        '{"tools": {"t": {"limits": [{"counter": "c", "window": "minute", "max": 2}]}, "free": {}, '
        '"x": {"action": "deny"}}}'
    )
)


async def test_limit_refusal_becomes_a_denial_with_retry_after() -> None:
    store = MemoryCounterStore()
    call = ToolCall("s", "t", {}, "g", "s")
    for _ in range(2):
        assert (await take_limits(store, POLICY.decide(call), 0.0)).decision.action == "allow"
    denied = (await take_limits(store, POLICY.decide(call), 10.0)).decision
    assert denied.action == "deny" and denied.rule == "$.tools.t.limits[0]"
    assert denied.retry_after == pytest.approx(80.0)  # sliding: half of the 2 must slide out and denied.limits == ()
    text = denial_result(denied)["content"][0]["text"]
    assert "rate limit reached" in text and "retry the same call after 80 seconds" in text


async def test_failed_upstream_gives_quota_back_and_success_keeps_it() -> None:
    store = MemoryCounterStore()
    call = ToolCall("s", "t", {}, "g", "s")
    first = await take_limits(store, POLICY.decide(call), 0.0)
    await settle(store, first, keep=False)
    second = await take_limits(store, POLICY.decide(call), 0.0)
    third = await take_limits(store, POLICY.decide(call), 0.0)
    await settle(store, second, keep=True)
    assert third.decision.action == "allow"
    assert (await take_limits(store, POLICY.decide(call), 0.0)).decision.action == "deny"


async def test_denied_and_limitless_calls_do_not_touch_the_store() -> None:
    store = MemoryCounterStore()
    assert (await take_limits(store, POLICY.decide(ToolCall("s", "x")), 0.0)).decision.action == "deny"
    assert (await take_limits(store, POLICY.decide(ToolCall("s", "free")), 0.0)).acquired is None
    assert len(store) == 0
