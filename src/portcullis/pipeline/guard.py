"""What every step of the call pipeline shares: the call (``CallInfo``), the verdict on it (``Admission``),
how it ended (``Outcome``), the error that ends it (``CallError``), and the ``CallGuard`` contract.

The pipeline asks its ``CallGuard`` whether a tool is visible to a client (``hidden``), whether a call
is admitted (decide → pins → approve → limit) and tells it how the call ended (``record``). The
gateway's guard is ``pipeline.pipeline.PolicyGuard``, built by ``assemble`` over the runtime's stores.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from portcullis.audit.log import Head
from portcullis.policy import CompiledPolicy, ToolCall
from portcullis.protocol import JsonRpcError
from portcullis.sessions.client import ClientSession

__all__ = ["Admission", "CallError", "CallGuard", "CallInfo", "Outcome", "asked"]

Outcome = str  # one of audit.record.OUTCOMES: "ok", "tool_error", "denied", "parked", "expired", …


class CallError(JsonRpcError):
    """A ``tools/call`` that ends in a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None, *, upstream_refused: bool = False) -> None:
        super().__init__(code, message, data)
        self.upstream_refused = upstream_refused  # the upstream answered a JSON-RPC error: it did not run the tool


@dataclass
class CallInfo:
    """One ``tools/call`` on its way through the gateway."""

    client: ClientSession
    server: str
    tool: str
    exposed: str
    arguments: dict[str, Any]
    started: float = field(default_factory=time.perf_counter)
    wall_time: float = field(default_factory=time.time)
    # Sends a progress notification to the client, when it asked for them (keeps it alive while held).
    progress: Callable[[float, str], Awaitable[None]] | None = None
    # Looked up once per call by the steps that need them (``PolicySet.for_call``, ``asked``): every step
    # of one call sees the same policy, even when a reload lands mid-call.
    policy: CompiledPolicy | None = None
    question: ToolCall | None = None
    # The audit row's fields known before the call ends, built while it is upstream (``Recorder.prepare``),
    # with the admission they were built for.
    audit_head: tuple[Admission, Head] | None = None


def asked(call: CallInfo) -> ToolCall:
    """The call as the policy sees it (built once per call)."""
    question = call.question
    if question is None:
        client = call.client
        grant = client.grant
        question = call.question = ToolCall(
            call.server, call.tool, call.arguments, grant.name if grant else None, client.session_key
        )
    return question


@dataclass
class Admission:
    """The guard's answer: ``denial`` is the tool result to return instead of calling upstream."""

    decision: str = "allow"
    rule: str = ""
    reason: str = ""
    denial: dict[str, Any] | None = None
    # called with False to give the quota back (only then: a kept quota needs nothing)
    settle: Callable[[bool], Awaitable[None]] | None = None
    approval_id: str | None = None
    approver: str | None = None
    pending: bool = False  # held for approval and still undecided: audited with outcome "pending"


class CallGuard(Protocol):
    def hidden(self, client: ClientSession, server: str, tool: str) -> bool: ...

    def listed_by_policy(self, client: ClientSession, server: str, tool: str) -> bool: ...

    async def admit(self, call: CallInfo) -> Admission: ...

    async def record(
        self,
        call: CallInfo,
        admission: Admission,
        outcome: Outcome,
        upstream_seconds: float | None,
        alone: bool = False,
    ) -> None: ...

    def prepare_record(self, call: CallInfo, admission: Admission) -> None:
        """Build what can be of the call's audit record before it ends (it is on its way upstream)."""
