"""The ``tools/call`` pipeline: every call passes, in order,

    route → hidden → decide → pins → approve → limit → forward → record

one module each (``pipeline.<step>``). ``CallPipeline.call`` is the path of one call; ``PolicyGuard``
holds the operator's rules (policies, pins, approvals, limits, audit, metrics) for the steps between
hidden and forward. A refusal at any step is answered as a tool result that says why and what to do,
and recorded like every other outcome: nothing is answered without a record.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Coroutine
from dataclasses import replace
from typing import Any

from portcullis import tracing
from portcullis.catalog.catalog import Catalog
from portcullis.limits.model import Stopped
from portcullis.pipeline.approve import NOT_ASKED, ApprovalStep, Approved
from portcullis.pipeline.decide import decide, names_tool, refusal
from portcullis.pipeline.forward import Flight, Forward, ForwardOptions, as_call_error
from portcullis.pipeline.guard import Admission, CallError, CallGuard, CallInfo, Outcome
from portcullis.pipeline.hidden import Visibility
from portcullis.pipeline.limit import LimitStep
from portcullis.pipeline.names import Namer
from portcullis.pipeline.parking import PREFIX
from portcullis.pipeline.pins import PinCheck
from portcullis.pipeline.policies import PolicySet
from portcullis.pipeline.record import Recorder, record_or_withhold
from portcullis.pipeline.route import route
from portcullis.pipeline.session_rules import SessionStep
from portcullis.policy import Decision, denial_result
from portcullis.policy.toolschema import ToolSchemas
from portcullis.protocol import INVALID_PARAMS
from portcullis.protocol.bridge import Bridge
from portcullis.protocol.eras import for_client
from portcullis.sessions.client import ClientSession, Sender
from portcullis.upstream.pool import UpstreamPool

__all__ = ["CallPipeline", "PolicyGuard"]

_HIDDEN = Admission("hide", "hide", "hidden by policy, or not a tool of the server")


class CallPipeline:
    """Runs each ``tools/call`` through the steps, with the guard in force."""

    def __init__(
        self, pool: UpstreamPool, namer: Namer, guard: CallGuard, options: ForwardOptions | None = None
    ) -> None:
        self.pool = pool
        self.namer = namer
        self.guard = guard
        self.forward = Forward(self._record, options, guard.prepare_record)
        self.in_flight = 0  # calls between arrival and answer

    async def call(self, client: ClientSession, params: Any, send: Sender | None) -> dict[str, Any]:
        self.in_flight += 1
        try:
            if not isinstance(params, dict) or not isinstance(params.get("name"), str):
                raise CallError(INVALID_PARAMS, "tools/call needs params.name (a string)")
            state = params.get("requestState")
            if isinstance(state, str) and state.startswith(PREFIX):  # a parked call, its questions answered
                return await self.forward.resume(client, params, state, send)
            target = route(self.namer, params)
            call = CallInfo(client, target.server, target.tool, target.exposed, target.arguments)
            if self.guard.hidden(client, target.server, target.tool):
                await self._record(call, _HIDDEN, "hidden", None)
                raise CallError(INVALID_PARAMS, f"Unknown tool: {target.exposed}")
            session = self.pool.sessions[target.server]
            if session.state != "ready":  # fail at once, naming the server and when it is tried again
                down = session.unavailable()
                await self._record(call, Admission("allow", "upstream", down.message), "unavailable", None)
                raise as_call_error(down, target.server)
            bridge = Bridge(client, send)
            meta = params.get("_meta")
            token = meta.get("progressToken") if isinstance(meta, dict) else None
            if token is not None:
                call.progress = _progress_sender(bridge, token)
            admission = await self.guard.admit(call)  # decide → pins → approve → limit
            if admission.denial is not None:
                await self._record(call, admission, "denied", None)
                return for_client(client.era == "modern", "tools/call", admission.denial)
            forward = dict(params)
            forward["name"] = target.tool
            tracing.carry(forward)
            return await self.forward.run(Flight(call, admission, session, forward, bridge, time.perf_counter()))
        finally:
            self.in_flight -= 1

    def _record(
        self, call: CallInfo, admission: Admission, outcome: Outcome, upstream_seconds: float | None
    ) -> Coroutine[Any, Any, None]:
        # no other call in flight: its record is committed without waiting a turn for others to join it
        return record_or_withhold(self.guard, call, admission, outcome, upstream_seconds, self.in_flight <= 1)

    async def close(self) -> None:
        """Record and end the calls still parked (the gateway is stopping)."""
        await self.forward.close()


class PolicyGuard:
    """The operator's rules on every call (``guard.CallGuard``): the steps from hidden to limit, and record."""

    def __init__(
        self,
        policies: PolicySet,
        visibility: Visibility,
        pins: PinCheck,
        approvals: ApprovalStep,
        limits: LimitStep,
        sessions: SessionStep,
        recorder: Recorder,
        catalog: Catalog | None = None,
    ) -> None:
        self.policies = policies
        self.visibility = visibility
        self.pins = pins
        self.approvals = approvals
        self.limits = limits
        self.sessions = sessions  # loops, session rules (its shadow runner is the recorder's too)
        self.recorder = recorder
        self.catalog = catalog
        self.tool_schemas = ToolSchemas()

    def hidden(self, client: ClientSession, server: str, tool: str) -> bool:
        return self.visibility.hidden(client, server, tool)

    def listed_by_policy(self, client: ClientSession, server: str, tool: str) -> bool:
        return self.visibility.listed_by_policy(client, server, tool)

    async def admit(self, call: CallInfo) -> Admission:
        # Each step is awaited only when it has work that waits (a shared store, a person): a call allowed
        # with its limits in memory goes through without a coroutine below this one.
        decision, tags = self.sessions.check(call, decide(self.policies, call))
        if self.sessions.checks_before_approval(decision):
            decision = await self.sessions.before_approval(call, decision, tags)
        refused = self.pins.check(call, names_tool(decision)) or refusal(
            decision, call, self.tool_schemas, self.catalog
        )
        if refused is not None:
            return refused
        approved = NOT_ASKED
        if decision.action == "require_approval":
            got = await self.approvals.approve(call, decision)
            if isinstance(got, Admission):
                return got
            approved = got
        marks = self.sessions.marks(call, tags)
        now = self.limits.take_now(call, decision, approved) if marks is None else None
        admitted = now if now is not None else await self.limits.take(call, decision, approved, marks)
        if isinstance(admitted, Stopped):
            return await self._stopped(call, decision, approved, tags, admitted)
        if admitted.denial is None:
            self.sessions.went_ahead(call, tags)
        return admitted

    async def _stopped(
        self, call: CallInfo, decision: Decision, approved: Approved, tags: Collection[str], stopped: Stopped
    ) -> Admission:
        """The session's shared data flow stopped the call (nothing taken): a session rule denies it, or holds
        it for a person (a call a person approved already goes on); then its limits are taken and its tags
        recorded, without the check (a second round trip, only on this path)."""
        ruled = self.sessions.stopped(call, decision, tags, stopped)
        if ruled.action == "deny":
            return Admission("deny", ruled.rule, ruled.reason, denial_result(ruled))
        if ruled.action == "require_approval" and approved.label != "approved":
            got = await self.approvals.approve(call, ruled)
            if isinstance(got, Admission):
                return got
            approved = got
        marks = self.sessions.marks(call, tags)
        admitted = await self.limits.take(call, ruled, approved, replace(marks, stop_if=()) if marks else None)
        assert not isinstance(admitted, Stopped)  # nothing to stop on
        return admitted

    def prepare_record(self, call: CallInfo, admission: Admission) -> None:
        self.recorder.prepare(call, admission)

    def record(
        self,
        call: CallInfo,
        admission: Admission,
        outcome: Outcome,
        upstream_seconds: float | None,
        alone: bool = False,
    ) -> Coroutine[Any, Any, None]:
        """The recorder's coroutine itself (awaited by the caller: no coroutine of its own around it)."""
        return self.recorder.record(call, admission, outcome, upstream_seconds, alone)


def _progress_sender(bridge: Bridge, token: Any) -> Any:
    async def send(elapsed: float, message: str) -> None:
        await bridge.progress({"progressToken": token, "progress": elapsed, "message": message})

    return send
