"""Step 6, limit: the rate limits and quotas of the decision, all taken at once (``limits``).

With a shared (Redis) store and a session rule about the call, the same script first checks the
session's data flow and afterwards records the call's tags (``marks``): when a rule stops the call,
``take`` answers the ``Stopped`` (nothing taken) for the guard to hold or deny it.

A call over a limit is refused with when to retry; a call within them carries a ``settle`` that gives
the quota back when the tool provably did not run (the forward step says so).

With the counters in this process (``MemoryCounterStore``), ``take_now`` takes them without a coroutine;
and a call that takes from the same windows as the last one, under the same decision, gets the same
``Admission`` (nothing in it differs, and no step changes an admission), not a new one and a new settle.
"""

from __future__ import annotations

import time

from portcullis.limits import CounterStore
from portcullis.limits.memory import MemoryCounterStore
from portcullis.limits.model import Acquired, MarkingStore, Marks, Stopped
from portcullis.metrics import Metrics
from portcullis.pipeline.approve import Approved
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.policy import Decision, LimitOutcome, denial_result, settle, take_limits, take_marked
from portcullis.policy.enforce import take_limits_now

__all__ = ["LimitStep"]


class LimitStep:
    """Takes a call's limits from the counter store."""

    def __init__(self, store: CounterStore, metrics: Metrics | None, marking: MarkingStore | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.marking = marking  # the same store, when it keeps sessions' marks too (Redis)
        self._acquire_now = store.acquire_now if type(store) is MemoryCounterStore else None
        # the last admission within limits: (its decision, what it acquired, how it was approved, it)
        self._last: tuple[Decision, Acquired | None, Approved, Admission] | None = None

    async def take(
        self, call: CallInfo, decision: Decision, approved: Approved, marks: Marks | None = None
    ) -> Admission | Stopped:
        """The admission of a call within its limits (with its ``settle``), its refusal, or ``Stopped``."""
        if marks is not None and self.marking is not None:
            outcome = await take_marked(self.marking, decision, time.time(), marks)
            if outcome.stopped is not None:
                return outcome.stopped
        else:
            outcome = await take_limits(self.store, decision, time.time())
        return self._admission(call, decision, approved, outcome)

    def take_now(self, call: CallInfo, decision: Decision, approved: Approved) -> Admission | None:
        """``take`` (without marks) when the store takes without awaiting; ``None``: ``take`` it is."""
        if self._acquire_now is None:
            return None
        return self._admission(call, decision, approved, take_limits_now(self._acquire_now, decision, time.time()))

    def _admission(self, call: CallInfo, decision: Decision, approved: Approved, outcome: LimitOutcome) -> Admission:
        final = outcome.decision
        if final.action == "deny":
            refused = outcome.refused
            if self.metrics is not None and refused is not None:
                self.metrics.limit_denied(call.server, call.tool, refused.counter, refused.scope)
            return Admission(
                "limit",
                final.rule,
                final.reason,
                denial_result(final, final.retry_after),
                approval_id=approved.approval_id,
                approver=approved.approver,
            )
        acquired = outcome.acquired
        last = self._last
        if last is not None and last[0] is decision and last[1] is acquired and last[2] is approved:
            return last[3]
        settle_fn = None
        if acquired is not None:
            store = self.store

            async def settle_fn(keep: bool) -> None:
                await settle(store, outcome, keep)

        admission = Admission(
            approved.label, decision.rule, decision.reason, None, settle_fn, approved.approval_id, approved.approver
        )
        self._last = (decision, acquired, approved, admission)
        return admission
