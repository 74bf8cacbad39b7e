"""Approvals as flat string fields (a Redis hash, a SQLite row) and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import orjson

from portcullis.approvals.model import Approval, Status

_STATUSES = ("pending", "approved", "denied", "expired")

__all__ = ["from_fields", "to_fields"]


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def to_fields(a: Approval) -> dict[str, str]:
    """Every field as a string; the call itself (grant, session, server, tool, arguments) in ``body``."""
    body = orjson.dumps(
        {"grant": a.grant, "session": a.session, "server": a.server, "tool": a.tool, "arguments": a.arguments}
    ).decode()
    return {
        "id": a.id,
        "status": a.status,
        "grant_key": a.grant or "",
        "digest": a.digest,
        "body": body,
        "requested_at": repr(a.requested_at),
        "expires_at": repr(a.expires_at),
        "decided_at": "" if a.decided_at is None else repr(a.decided_at),
        "approver": a.approver or "",
        "comment": a.comment,
        "single_use": "1" if a.single_use else "0",
        "valid_until": "" if a.valid_until is None else repr(a.valid_until),
        "used_at": "" if a.used_at is None else repr(a.used_at),
    }


def from_fields(raw: Mapping[Any, Any]) -> Approval:
    """The inverse of ``to_fields`` (values may be ``str``, ``bytes`` or numbers)."""
    f = {
        (k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else v)
        for k, v in raw.items()
    }
    body = orjson.loads(f["body"])
    if f["status"] not in _STATUSES:
        raise ValueError(f"approval {f['id']} has an unknown status {f['status']!r}")
    return Approval(
        id=f["id"],
        status=cast(Status, f["status"]),
        grant=body["grant"],
        session=body["session"],
        server=body["server"],
        tool=body["tool"],
        arguments=body["arguments"],
        digest=f["digest"],
        requested_at=float(f["requested_at"]),
        expires_at=float(f["expires_at"]),
        decided_at=_num(f.get("decided_at")),
        approver=f.get("approver") or None,
        comment=f.get("comment") or "",
        single_use=str(f.get("single_use", "1")) in ("1", "True", "true"),
        valid_until=_num(f.get("valid_until")),
        used_at=_num(f.get("used_at")),
    )
