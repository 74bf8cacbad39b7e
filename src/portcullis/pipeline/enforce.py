"""``PolicyGuard``: the operator's rules on every call — pins, policy, approval, limits, audit, metrics.

For each ``tools/call`` it runs, in order: is the tool's definition still the one a person approved
(``catalog``)? what does the grant's policy decide (pure, cached)? do the arguments fit the tool's
own ``inputSchema`` (``policy.toolschema``)? if the policy wants a person,
hold the call for an approval (``approvals``)? are the rate limits free (``limits``, all at once)?
Then, once the call has ended: give quota back if the tool provably did not run, write the audit record (durable
before the agent gets its answer), count the metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from portcullis.approvals import ApprovalService
from portcullis.audit import AuditLog, AuditRecord
from portcullis.audit.storable import plain_text
from portcullis.catalog.catalog import Catalog
from portcullis.errors import StoreUnavailable, TooManyPending
from portcullis.limits import CounterStore
from portcullis.metrics import Metrics
from portcullis.pipeline.guard import Admission, CallInfo, Outcome
from portcullis.pipeline.policies import PolicySet
from portcullis.policy import Decision, ToolCall, denial_result, grant_reaches, settle, take_limits
from portcullis.policy.toolschema import ToolSchemas
from portcullis.sessions.client import ClientSession

__all__ = ["PolicyGuard"]

log = logging.getLogger("portcullis.gateway")


def _denied(call: CallInfo, rule: str, reason: str, hint: str) -> dict[str, Any]:
    return denial_result(Decision(action="deny", rule=rule, reason=reason, hint=hint, tool=call.exposed))


class PolicyGuard:
    """Implements ``pipeline.guard.CallGuard`` with the real policy, limits, approvals and audit."""

    def __init__(
        self,
        policies: PolicySet,
        store: CounterStore,
        *,
        audit: AuditLog | None = None,
        approvals: ApprovalService | None = None,
        catalog: Catalog | None = None,
        metrics: Metrics | None = None,
        approval_timeout: float | None = None,
    ) -> None:
        self.policies = policies
        self.store = store
        self.audit = audit
        self.approvals = approvals
        self.catalog = catalog
        self.metrics = metrics
        self.approval_timeout = approval_timeout
        self.tool_schemas = ToolSchemas()
        # Whether the catalogue holds a server's tools as listed after its latest list_changed; only
        # then can a tool missing from it be called unknown (else it may be new: the pin check says so).
        self.listing_is_current: Callable[[str], bool] | None = None
        self._rug_pulls_logged: set[tuple[tuple[str, str], str]] = set()  # (tool key, definition hash)

    def hidden(self, client: ClientSession, server: str, tool: str) -> bool:
        """Hidden by policy or out of the grant's reach — or unknown: not in its server's current listing."""
        grant = client.grant
        if grant is not None and not grant_reaches(grant, server):
            return True
        if self.policies.for_grant(grant).is_hidden(server, tool):
            return True
        current = self.listing_is_current
        return (
            current is not None
            and self.catalog is not None
            and current(server)
            and self.catalog.listing_has(server, tool) is False
        )

    def listed_by_policy(self, client: ClientSession, server: str, tool: str) -> bool:
        """Whether the client's policy names the tool (not only its default): then a new tool is callable."""
        decision = self.policies.for_grant(client.grant).decide(
            ToolCall(server, tool, {}, client.grant.name if client.grant else None, "")
        )
        return not decision.rule.startswith(("$.default", "no-policy"))

    async def admit(self, call: CallInfo) -> Admission:
        client = call.client
        grant_name = client.grant.name if client.grant else None
        decision = self.policies.for_grant(client.grant).decide(
            ToolCall(call.server, call.tool, call.arguments, grant_name, "" if client.stateless else client.label)
        )
        if self.catalog is not None:
            listed = not decision.rule.startswith(("$.default", "no-policy"))
            blocked = self.catalog.blocked_reason(call.server, call.tool, listed_by_policy=listed)
            if blocked is not None:
                self._pin_blocked(call, blocked)
                return Admission(
                    "deny",
                    "catalog.pin",
                    blocked,
                    _denied(call, "catalog.pin", blocked, "ask an operator to review the tool"),
                )
        if decision.action == "deny" or decision.action == "hide":
            return Admission("deny", decision.rule, decision.reason, denial_result(decision))
        misfit = self._schema_misfit(call)
        if misfit is not None:  # the server would reject it: ask no person, spend no quota
            return Admission("deny", misfit.rule, misfit.reason, denial_result(misfit))
        approval_id = approver = None
        label = "allow"
        if decision.action == "require_approval":
            if self.approvals is None:
                return Admission("require_approval", decision.rule, decision.reason, denial_result(decision))
            try:
                state = await self.approvals.gate(
                    grant_name,
                    client.label,
                    call.server,
                    call.tool,
                    call.arguments,
                    time.time(),
                    timeout=self.approval_timeout,
                    on_tick=self._ticker(call),
                )
            except StoreUnavailable as exc:  # fail closed, as the counter store does
                log.warning("approval needed but not checked: %s", exc.message)
                reason = f"approvals cannot be checked because {exc.message}"
                return Admission(
                    "require_approval",
                    decision.rule,
                    reason,
                    _denied(
                        call,
                        decision.rule,
                        reason,
                        "retry in a few seconds; if it keeps failing, tell a person that the approval store is down",
                    ),
                )
            except TooManyPending as exc:
                rule = "$.approvals.max_pending_per_grant"
                return Admission("require_approval", rule, exc.message, _denied(call, rule, exc.message, exc.hint))
            approval = state.approval
            approval_id = approval.id if approval is not None else None
            if state.kind != "approved":
                hint = (
                    f"ask a person to approve it (portcullis approvals approve {approval_id}), then retry the same call"
                    if state.kind == "pending"
                    else "do not retry this call; ask a person if it is really needed"
                )
                # Pending is not a refusal: the agent reads that the call waits for a person.
                why = decision.reason.rstrip(". ")  # the policy's reason ("Moves funds") comes first
                text = f"{why}; {state.message}" if why and state.kind == "pending" else state.message
                result = denial_result(
                    Decision(
                        action="require_approval" if state.kind == "pending" else "deny",
                        rule=decision.rule,
                        reason=text,
                        hint=hint,
                        tool=call.exposed,
                    )
                )
                meta = result.setdefault("_meta", {}).setdefault("io.portcullis/decision", {})
                meta.update({"decision": "pending" if state.kind == "pending" else "denied", "approvalId": approval_id})
                return Admission(
                    "require_approval",
                    decision.rule,
                    state.message,
                    result,
                    approval_id=approval_id,
                    approver=approval.approver if approval is not None else None,
                    pending=state.kind == "pending",
                )
            approver = approval.approver if approval is not None else None
            label = "approved"
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
                approval_id=approval_id,
                approver=approver,
            )
        settle_fn = None
        if outcome.acquired is not None:
            store = self.store

            async def settle_fn(keep: bool) -> None:
                await settle(store, outcome, keep)

        return Admission(label, decision.rule, decision.reason, None, settle_fn, approval_id, approver)

    def _schema_misfit(self, call: CallInfo) -> Decision | None:
        """A denial when the arguments do not fit the tool's own inputSchema (as catalogued)."""
        entry = self.catalog.entry(call.server, call.tool) if self.catalog is not None else None
        if entry is None:
            return None
        failure = self.tool_schemas.check(entry.hash, entry.tool.get("inputSchema"), call.arguments, call.exposed)
        if failure is None:
            return None
        return Decision(
            "deny", failure.rule, failure.reason, failure.hint, tool=call.exposed, argument=failure.argument
        )

    def _pin_blocked(self, call: CallInfo, reason: str) -> None:
        """Count a call the catalogue blocked; log a rug-pull block once per changed definition."""
        entry = self.catalog.entry(call.server, call.tool) if self.catalog is not None else None
        status = entry.status if entry is not None else "unlisted"
        if self.metrics is not None:
            self.metrics.pin_blocked(call.server, call.tool if entry is not None else "<unknown>", status)
        if entry is not None and status == "changed" and (entry.key, entry.hash) not in self._rug_pulls_logged:
            self._rug_pulls_logged.add((entry.key, entry.hash))
            log.warning(
                "blocked a call to %s (grant %s): %s",
                call.exposed,
                call.client.grant.name if call.client.grant else "-",
                reason,
            )

    @staticmethod
    def _ticker(call: CallInfo) -> Any:
        progress = call.progress
        if progress is None:
            return None

        async def tick(elapsed: float) -> None:
            await progress(elapsed, "waiting for a person to approve this call")

        return tick

    async def record(
        self, call: CallInfo, admission: Admission, outcome: Outcome, upstream_seconds: float | None
    ) -> None:
        if self.metrics is not None and outcome != "parked":  # a parked call is counted once, when it ends
            self.metrics.call(
                call.server, call.tool, admission.decision, time.perf_counter() - call.started, upstream_seconds
            )
        if self.audit is None:
            return
        if admission.pending and outcome == "denied":
            outcome = "pending"  # not refused: waiting for a person, and the retry may go through
        client = call.client
        record = AuditRecord(
            time=call.wall_time,
            grant=client.grant.name if client.grant else None,
            session=client.label,
            server=call.server,
            tool=call.tool,
            arguments=call.arguments,
            decision=admission.decision,
            rule=admission.rule,
            reason=admission.reason,
            approval_id=admission.approval_id,
            approver=admission.approver,
            latency_ms=upstream_seconds * 1000.0 if upstream_seconds is not None else None,
            outcome=outcome,
        )
        try:
            await self.audit.write(record)
        except StoreUnavailable as exc:
            if self.metrics is not None:
                self.metrics.audit_error()
            log.error(
                "audit record NOT written for a call of grant %s to %s/%s (decision %s, outcome %s): %s",
                record.grant,
                plain_text(call.server),
                plain_text(call.tool),
                admission.decision,
                outcome,
                exc,
            )
            raise
