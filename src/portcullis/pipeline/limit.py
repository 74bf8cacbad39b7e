"""Step 6, limit: the rate limits and quotas of the decision, all taken at once (``limits``).

A call over a limit is refused with when to retry; a call within them carries a ``settle`` that gives
the quota back when the tool provably did not run (the forward step says so).
"""

from __future__ import annotations

import time

from portcullis.limits import CounterStore
from portcullis.metrics import Metrics
from portcullis.pipeline.approve import Approved
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.policy import Decision, denial_result, settle, take_limits

__all__ = ["LimitStep"]


class LimitStep:
    """Takes a call's limits from the counter store."""

    def __init__(self, store: CounterStore, metrics: Metrics | None) -> None:
        self.store = store
        self.metrics = metrics

    async def take(self, call: CallInfo, decision: Decision, approved: Approved) -> Admission:
        """The admission of a call within its limits (with its ``settle``), or its refusal."""
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
