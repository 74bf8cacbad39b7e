"""Step 6, limit: the rate limits and quotas of the decision, all taken at once (``limits``).

With a shared (Redis) store and a session rule about the call, the same script first checks the
session's data flow and afterwards records the call's tags (``marks``): when a rule stops the call,
``take`` answers the ``Stopped`` (nothing taken) for the guard to hold or deny it.

A call over a limit is refused with when to retry; a call within them carries a ``settle`` that gives
the quota back when the tool provably did not run (the forward step says so).
"""

from __future__ import annotations

import time

from portcullis.limits import CounterStore
from portcullis.limits.model import MarkingStore, Marks, Stopped
from portcullis.metrics import Metrics
from portcullis.pipeline.approve import Approved
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.policy import Decision, denial_result, settle, take_limits, take_marked

__all__ = ["LimitStep"]


class LimitStep:
    """Takes a call's limits from the counter store."""

    def __init__(self, store: CounterStore, metrics: Metrics | None, marking: MarkingStore | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.marking = marking  # the same store, when it keeps sessions' marks too (Redis)

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
        settle_fn = None
        if outcome.acquired is not None:
            store = self.store

            async def settle_fn(keep: bool) -> None:
                await settle(store, outcome, keep)

        return Admission(
            approved.label, decision.rule, decision.reason, None, settle_fn, approved.approval_id, approved.approver
        )
