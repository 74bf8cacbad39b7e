"""Step 8, record: the call's metrics and its audit record, durable before the agent gets its answer.

Every call that reaches the pipeline leaves a record: a hidden or unavailable one, a denial, a call
that ran (with its upstream time), a parked call when it parks and again when it ends. A record that
cannot be written is logged and counted, and the agent gets an error instead of the result
(``withhold``): nothing is answered without a record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from portcullis import tracing
from portcullis.audit import AuditLog, AuditRecord
from portcullis.audit.storable import plain_text
from portcullis.errors import StoreUnavailable
from portcullis.metrics import Metrics
from portcullis.pipeline.guard import Admission, CallError, CallGuard, CallInfo, Outcome
from portcullis.protocol import INTERNAL_ERROR

__all__ = ["Recorder", "record_or_withhold"]

log = logging.getLogger("portcullis.gateway")


class Recorder:
    """Counts each call in the metrics and writes its audit record."""

    def __init__(
        self,
        audit: AuditLog | None,
        metrics: Metrics | None,
        shadow: Callable[[CallInfo, str], dict[str, Any] | None] | None = None,
    ) -> None:
        self.audit = audit
        self.metrics = metrics
        self.shadow = shadow  # what the shadow policy would have said (``SessionStep.shadow``)

    def prepare(self, call: CallInfo, admission: Admission) -> None:
        """Build the part of the call's audit row known before it ends (``AuditLog.head``), kept on the call:
        run while the call is upstream, so that once it is answered only the outcome is left to store."""
        if self.audit is not None and call.audit_head is None:
            call.audit_head = (admission, self.audit.head(_known(call, admission)))

    async def record(
        self,
        call: CallInfo,
        admission: Admission,
        outcome: Outcome,
        upstream_seconds: float | None,
        alone: bool = False,
    ) -> None:
        """``alone``: no other call is in flight, so no other record will join this one's commit."""
        if self.metrics is not None and outcome != "parked":  # a parked call is counted once, when it ends
            self.metrics.call(
                call.server, call.tool, admission.decision, time.perf_counter() - call.started, upstream_seconds
            )
        audit = self.audit
        if audit is None:
            return
        if admission.pending and outcome == "denied":
            outcome = "pending"  # not refused: waiting for a person, and the retry may go through
        prepared = call.audit_head
        head = prepared[1] if prepared is not None and prepared[0] is admission else audit.head(_known(call, admission))
        row = audit.complete(
            head,
            upstream_seconds * 1000.0 if upstream_seconds is not None else None,
            outcome,
            self.shadow(call, admission.decision) if self.shadow is not None and outcome != "parked" else None,
        )
        try:
            await audit.write_row(row, alone=alone)
        except StoreUnavailable as exc:
            if self.metrics is not None:
                self.metrics.audit_error()
            log.error(
                "audit record NOT written for a call of grant %s to %s/%s (decision %s, outcome %s): %s",
                head[1],
                plain_text(call.server),
                plain_text(call.tool),
                admission.decision,
                outcome,
                exc,
            )
            raise


def _known(call: CallInfo, admission: Admission) -> AuditRecord:
    """The call's audit record as far as it is known before the call ends (how it ended: left at the defaults)."""
    client = call.client
    grant = client.grant
    return AuditRecord(
        call.wall_time,
        grant.name if grant else None,
        client.session_key,
        call.server,
        call.tool,
        call.arguments,
        admission.decision,
        admission.rule,
        admission.reason,
        admission.approval_id,
        admission.approver,
    )


async def record_or_withhold(
    guard: CallGuard,
    call: CallInfo,
    admission: Admission,
    outcome: Outcome,
    upstream_seconds: float | None,
    alone: bool = False,
) -> None:
    """Record the call; when its record cannot be written (logged and counted by the guard), the agent
    gets an error instead of the result: nothing is answered without a record."""
    tracing.note_call(call, admission, outcome)
    try:
        await guard.record(call, admission, outcome, upstream_seconds, alone)
    except StoreUnavailable:
        raise CallError(
            INTERNAL_ERROR,
            "the gateway could not write this call's audit record, so it withholds "
            "the answer; tell a person (the gateway's log says why)",
            {"server": call.server},
        ) from None
