"""Approval requests and what they mean for a call — pure data and rules, no I/O, no clock (pass ``now``).

Lifecycle of a request: ``pending`` → ``approved`` | ``denied``; a pending request past ``expires_at``
is ``expired``, which counts as denied. An approval covers either one call (``single_use``: consumed by
the first call with the same grant and digest) or every such call until ``valid_until`` (``--for``).
A denial (or expiry) answers calls with that digest for a while (``deny_hold``) so a retrying agent
does not flood the approvers; after that, a call opens a new request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from typing import Any, Literal

import orjson

from portcullis._plumbing.isotime import iso

__all__ = ["Approval", "ApprovalState", "StateKind", "Status", "call_digest", "evaluate", "new_approval_id"]

Status = Literal["pending", "approved", "denied", "expired"]
StateKind = Literal["approved", "pending", "denied", "none"]


def call_digest(server: str, tool: str, arguments: dict[str, Any]) -> str:
    """SHA-256 of the tool and its exact (unredacted) arguments, in canonical JSON."""
    blob = orjson.dumps({"server": server, "tool": tool, "arguments": arguments}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()


def new_approval_id() -> str:
    """A short id people can type: ``ap_`` and 12 hex digits."""
    return "ap_" + secrets.token_hex(6)


@dataclass(frozen=True)
class Approval:
    """One approval request and, once decided, its decision."""

    id: str
    status: Status  # as stored; see ``effective_status``
    grant: str | None
    session: str
    server: str
    tool: str
    arguments: dict[str, Any]  # redacted: never the secrets themselves
    digest: str
    requested_at: float
    expires_at: float
    decided_at: float | None = None
    approver: str | None = None
    comment: str = ""
    single_use: bool = True
    valid_until: float | None = None  # an approval is good until then
    used_at: float | None = None  # when a single-use approval was consumed

    def effective_status(self, now: float) -> Status:
        """The status at ``now``: a pending request past its expiry is ``expired``."""
        if self.status == "pending" and now >= self.expires_at:
            return "expired"
        return self.status

    def public(self, now: float) -> dict[str, Any]:
        """The shape shown by ``approvals list --json``, ``show`` and the REST API."""
        return {
            "id": self.id,
            "status": self.effective_status(now),
            "grant": self.grant,
            "session": self.session,
            "server": self.server,
            "tool": self.tool,
            "arguments": self.arguments,
            "digest": self.digest,
            "requested_at": iso(self.requested_at),
            "expires_at": iso(self.expires_at),
            "decided_at": iso(self.decided_at) if self.decided_at is not None else None,
            "approver": self.approver,
            "comment": self.comment,
            "single_use": self.single_use,
            "valid_until": iso(self.valid_until) if self.valid_until is not None else None,
            "used": self.used_at is not None,
        }

    def decided(
        self, approve: bool, approver: str, comment: str, now: float, *, for_seconds: float | None, ttl: float
    ) -> Approval:
        """This request with a decision. An approval without ``for_seconds`` covers one call made within ``ttl``."""
        if not approve:
            return replace(self, status="denied", decided_at=now, approver=approver, comment=comment)
        return replace(
            self,
            status="approved",
            decided_at=now,
            approver=approver,
            comment=comment,
            single_use=for_seconds is None,
            valid_until=now + (for_seconds if for_seconds is not None else ttl),
        )


def evaluate(approval: Approval | None, now: float, deny_hold: float) -> StateKind:
    """What the newest request for a (grant, digest) means for a call arriving at ``now``."""
    if approval is None:
        return "none"
    status = approval.effective_status(now)
    if status == "pending":
        return "pending"
    if status == "approved":
        if approval.valid_until is not None and now >= approval.valid_until:
            return "none"
        if approval.single_use and approval.used_at is not None:
            return "none"
        return "approved"
    decided = approval.expires_at if status == "expired" else (approval.decided_at or approval.expires_at)
    return "denied" if now < decided + deny_hold else "none"


@dataclass(frozen=True)
class ApprovalState:
    """The answer for one call: go ahead, wait, refused, or no request yet."""

    kind: StateKind
    approval: Approval | None = None

    @property
    def message(self) -> str:
        """The text the agent reads."""
        a = self.approval
        if self.kind == "pending" and a is not None:
            return f"pending approval {a.id} — retry the same call once approved"
        if self.kind == "denied" and a is not None:
            if a.status == "pending":  # expired without a decision
                return f"approval {a.id} expired without a decision — the call is denied"
            who = f" by {a.approver}" if a.approver else ""
            why = f": {a.comment}" if a.comment else ""
            return f"denied{who} (approval {a.id}){why}"
        if self.kind == "approved" and a is not None:
            return f"approved by {a.approver} (approval {a.id})"
        return "no approval requested"
