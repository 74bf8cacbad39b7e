"""The gateway at a glance: upstreams (health, era, restarts, tool counts), tools by category and level,
calls per minute and denials (from the audit trail), pending approvals and changed tools awaiting review.

Shared by ``GET /api/v1/overview`` and the console's overview page (which refreshes on every event).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from portcullis.api.context import AdminContext

__all__ = ["DENIED", "overview"]

DENIED = frozenset({"deny", "limit", "hide", "invalid"})
_WINDOW = 300.0  # the last five minutes, for calls per minute


async def overview(ctx: AdminContext) -> dict[str, Any]:
    state = ctx.state
    entries = state.catalog.entries() if state.catalog is not None else []
    per_server = Counter(e.server for e in entries)
    servers = [
        {
            "name": name,
            "state": s.state,
            "era": s.era,
            "protocol_version": s.protocol_version,
            "restarts": s.restarts,
            "last_error": s.last_error,
            "tools": per_server.get(name, 0),
        }
        for name, s in sorted(state.pool.sessions.items())
    ]
    by_category = Counter(e.classification.category for e in entries)
    by_level = Counter(e.classification.level for e in entries)
    changed = [f"{e.server}__{e.name}" for e in entries if e.status == "changed"]
    new = [f"{e.server}__{e.name}" for e in entries if e.status == "new"]
    now = ctx.clock()
    recent = await state.audit.query(since=now - _WINDOW, limit=20000) if state.audit is not None else []
    last_minute = [r for r in recent if _epoch(r) >= now - 60]
    pending = await state.approvals.refresh_pending(now) if state.approvals is not None else 0
    return {
        "servers": servers,
        "tools": len(entries),
        "by_category": dict(sorted(by_category.items())),
        "by_level": dict(sorted(by_level.items())),
        "calls_per_minute": round(len(recent) / (_WINDOW / 60), 1),
        "calls_last_minute": len(last_minute),
        "denials_last_5m": sum(1 for r in recent if r.get("decision") in DENIED),
        "pending_approvals": pending,
        "changed_tools": changed,
        "new_tools": new,
    }


def _epoch(record: dict[str, Any]) -> float:
    from portcullis.audit.when import parse_instant

    try:
        return parse_instant(str(record.get("time")), 0.0)
    except ValueError:
        return 0.0
