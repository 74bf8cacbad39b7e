"""One audit record: what was called, by whom, what Portcullis decided, and how the call ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import orjson

from portcullis._plumbing.isotime import iso

__all__ = ["DECISIONS", "FIELDS", "OUTCOMES", "AuditRecord", "record_to_dict"]

DECISIONS: Final = ("allow", "deny", "hide", "limit", "require_approval", "approved", "invalid")
"""Decisions the gateway writes (free text is accepted; these are the usual ones)."""

OUTCOMES: Final = (
    "ok",
    "tool_error",
    "protocol_error",
    "timeout",
    "unavailable",
    "denied",
    "hidden",
    "pending",
    "parked",
    "expired",
    "cancelled",
    "withheld",
)
"""How a call ended: answered by the tool (``ok``/``tool_error``), failed upstream, or never forwarded.
``parked``: forwarded, waiting for a 2026-07-28 client's answer to the upstream's question (a second
record follows); ``expired``: that client never came back; ``cancelled``: the client or the gateway
gave up on the call while it was upstream; ``withheld``: the tool ran, and result screening kept its
result from the agent."""

FIELDS: Final = (
    "time",
    "grant",
    "session",
    "server",
    "tool",
    "arguments",
    "decision",
    "rule",
    "reason",
    "approval_id",
    "approver",
    "latency_ms",
    "outcome",
    "shadow",
)


@dataclass
class AuditRecord:
    """One ``tools/call`` as the audit trail keeps it. ``arguments`` are redacted by the log before storing."""

    time: float  # epoch seconds when the call arrived
    grant: str | None
    session: str
    server: str
    tool: str
    arguments: dict[str, Any]
    decision: str
    rule: str
    reason: str
    approval_id: str | None = None
    approver: str | None = None
    latency_ms: float | None = None  # upstream latency; None when the call was not forwarded
    outcome: str = "ok"
    # What a shadow policy would have decided ({decision, rule, reason}); None when none runs. Added by a
    # migration: records written before it have None.
    shadow: dict[str, Any] | None = None


def record_to_dict(record_id: int | str | None, time: float, values: dict[str, Any]) -> dict[str, Any]:
    """The public shape of a stored record (``audit --json``, the REST API): ISO time, then every field."""
    out: dict[str, Any] = {"id": record_id, "time": iso(time)}
    for name in FIELDS[1:]:
        out[name] = values.get(name)
    shadow = out["shadow"]
    if isinstance(shadow, (str, bytes)):
        out["shadow"] = orjson.loads(shadow)
    return out
