"""``LimitStep``: with the counters in memory, ``take_now`` admits and refuses as ``take`` does, without a
coroutine; a call that takes from the same windows under the same decision gets the same admission, whose
``settle`` still gives the quota back; a store that is not in memory is left to ``take``."""

from __future__ import annotations

from portcullis.limits import MemoryCounterStore
from portcullis.limits.sqlite import SQLiteCounterStore
from portcullis.pipeline.approve import NOT_ASKED, Approved
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.pipeline.limit import LimitStep
from portcullis.policy import ToolCall, compile_policy, policy_from_text
from portcullis.sessions.client import ClientSession

POLICY = compile_policy(
    policy_from_text('{"tools": {"t": {"limits": [{"counter": "c", "window": "hour", "max": 3}]}, "free": {}}}')
)


def _call(tool: str = "t") -> CallInfo:
    return CallInfo(ClientSession(), "s", tool, f"s__{tool}", {})


def _fields(admission: Admission | None) -> tuple[object, ...]:
    assert isinstance(admission, Admission)
    return (admission.decision, admission.rule, admission.reason, admission.denial is None, admission.settle is None)


async def test_take_now_admits_and_refuses_as_take_does() -> None:
    now, later = LimitStep(MemoryCounterStore(), None), LimitStep(MemoryCounterStore(), None)
    decision = POLICY.decide(ToolCall("s", "t", {}, None, "k"))
    for _ in range(4):  # three within the limit, then a refusal
        taken = await later.take(_call(), decision, NOT_ASKED)
        assert isinstance(taken, Admission)
        assert _fields(now.take_now(_call(), decision, NOT_ASKED)) == _fields(taken)
    refused = now.take_now(_call(), decision, NOT_ASKED)
    assert refused is not None and refused.decision == "limit" and refused.denial is not None


async def test_the_same_windows_give_the_same_admission_and_its_settle_gives_quota_back() -> None:
    step = LimitStep(MemoryCounterStore(), None)
    decision = POLICY.decide(ToolCall("s", "t", {}, None, "k"))
    first = step.take_now(_call(), decision, NOT_ASKED)
    second = step.take_now(_call(), decision, NOT_ASKED)
    assert first is second and first is not None and first.settle is not None
    await first.settle(False)  # the tool did not run: one call's quota comes back
    third, fourth, fifth = (step.take_now(_call(), decision, NOT_ASKED) for _ in range(3))
    assert third is not None and third.denial is None and fourth is not None and fourth.denial is None
    assert fifth is not None and fifth.decision == "limit"  # 2 taken, 1 given back, 2 more: the 4th is over


async def test_an_approved_call_and_a_limitless_one_are_admitted_as_they_were() -> None:
    step = LimitStep(MemoryCounterStore(), None)
    approved = step.take_now(
        _call(), POLICY.decide(ToolCall("s", "t", {}, None, "k")), Approved("approved", "a1", "bob")
    )
    assert approved is not None and (approved.decision, approved.approval_id, approved.approver) == (
        "approved",
        "a1",
        "bob",
    )
    free = step.take_now(_call("free"), POLICY.decide(ToolCall("s", "free", {}, None, "k")), NOT_ASKED)
    assert free is not None and free.decision == "allow" and free.settle is None


async def test_a_store_not_in_memory_is_left_to_take(tmp_path: object) -> None:
    store = SQLiteCounterStore(f"{tmp_path}/limits.db")
    try:
        step = LimitStep(store, None)
        assert step.take_now(_call(), POLICY.decide(ToolCall("s", "t", {}, None, "k")), NOT_ASKED) is None
    finally:
        await store.close()
