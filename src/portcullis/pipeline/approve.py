"""Step 5, approve: a person's approval when the policy asks for one (``approvals``).

The call is held (with progress sent to the agent) until a person decides or the hold ends. A call
still pending is not a refusal: the agent reads that it waits for a person and may retry. An approval
store that cannot be reached fails closed, as the counter store does.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from portcullis.approvals import ApprovalService
from portcullis.errors import StoreUnavailable, TooManyPending
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.pipeline.pins import denied
from portcullis.policy import Decision, denial_result

__all__ = ["NOT_ASKED", "ApprovalStep", "Approved"]

log = logging.getLogger("portcullis.gateway")


@dataclass(frozen=True)
class Approved:
    """How a call passed step 5: ``label`` is its audited decision ("allow", or "approved" by ``approver``)."""

    label: str = "allow"
    approval_id: str | None = None
    approver: str | None = None


NOT_ASKED = Approved()  # how a call the policy did not hold for a person passes step 5


class ApprovalStep:
    """Holds calls the policy wants a person to approve."""

    def __init__(self, approvals: ApprovalService | None, timeout: float | None = None) -> None:
        self.approvals = approvals
        self.timeout = timeout

    async def approve(self, call: CallInfo, decision: Decision) -> Approved | Admission:
        """``Approved`` to go on, or the ``Admission`` that refuses (or parks as pending) the call."""
        if decision.action != "require_approval":
            return NOT_ASKED
        if self.approvals is None:
            return Admission("require_approval", decision.rule, decision.reason, denial_result(decision))
        client = call.client
        try:
            state = await self.approvals.gate(
                client.grant.name if client.grant else None,
                client.label,
                call.server,
                call.tool,
                call.arguments,
                time.time(),
                timeout=self.timeout,
                on_tick=_ticker(call),
            )
        except StoreUnavailable as exc:  # fail closed, as the counter store does
            log.warning("approval needed but not checked: %s", exc.message)
            reason = f"approvals cannot be checked because {exc.message}"
            hint = "retry in a few seconds; if it keeps failing, tell a person that the approval store is down"
            return Admission("require_approval", decision.rule, reason, denied(call, decision.rule, reason, hint))
        except TooManyPending as exc:
            rule = "$.approvals.max_pending_per_grant"
            return Admission("require_approval", rule, exc.message, denied(call, rule, exc.message, exc.hint))
        approval = state.approval
        approval_id = approval.id if approval is not None else None
        approver = approval.approver if approval is not None else None
        if state.kind == "approved":
            return Approved("approved", approval_id, approver)
        return Admission(
            "require_approval",
            decision.rule,
            state.message,
            _unapproved_result(call, decision, state.kind, state.message, approval_id),
            approval_id=approval_id,
            approver=approver,
            pending=state.kind == "pending",
        )


def _unapproved_result(
    call: CallInfo, decision: Decision, kind: str, message: str, approval_id: str | None
) -> dict[str, Any]:
    """The tool result of a call still pending (retry once approved) or refused by a person."""
    hint = (
        f"ask a person to approve it (portcullis approvals approve {approval_id}), then retry the same call"
        if kind == "pending"
        else "do not retry this call; ask a person if it is really needed"
    )
    # Pending is not a refusal: the agent reads that the call waits for a person.
    why = decision.reason.rstrip(". ")  # the policy's reason ("Moves funds") comes first
    text = f"{why}; {message}" if why and kind == "pending" else message
    result = denial_result(
        Decision(
            action="require_approval" if kind == "pending" else "deny",
            rule=decision.rule,
            reason=text,
            hint=hint,
            tool=call.exposed,
        )
    )
    meta = result.setdefault("_meta", {}).setdefault("io.portcullis/decision", {})
    meta.update({"decision": "pending" if kind == "pending" else "denied", "approvalId": approval_id})
    return result


def _ticker(call: CallInfo) -> Any:
    progress = call.progress
    if progress is None:
        return None

    async def tick(elapsed: float) -> None:
        await progress(elapsed, "waiting for a person to approve this call")

    return tick
