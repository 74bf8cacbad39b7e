"""The catalogue as operators browse it: every tool with its risk, the policy's decision, its pin state and
its recent calls; one tool in full; re-approving a changed definition, or keeping it blocked.

Shared by ``GET /api/v1/tools`` (and ``/api/v1/tools/{server}/{tool}``, ``POST …/approve``, ``POST
…/keep-blocked``) and the console's catalogue and tool pages. Approving pins the current definition in the
config's pin store, exactly as ``portcullis tools approve`` does, and the gateway's view of the tool changes
at once; keeping it blocked changes nothing but the audit trail, which says who reviewed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from portcullis.api.context import AdminContext
from portcullis.audit.record import AuditRecord
from portcullis.catalog.catalog import CatalogEntry
from portcullis.catalog.recommend import recommend_entry
from portcullis.policy import CompiledPolicy

__all__ = [
    "DECISIONS",
    "PIN_STATES",
    "ToolFilter",
    "ToolRow",
    "approve_tool",
    "calls_by_tool",
    "keep_blocked",
    "tool_detail",
    "tool_rows",
]

DECISIONS = ("allow", "limit", "require_approval", "deny", "hide", "no rule")
PIN_STATES = ("approved", "changed", "new")
_DAY = 86400.0
_CALLS_READ = 20000  # audit records read to count the last 24 h's calls per tool
_OPERATOR_RECORDS = frozenset({"policy_change", "kept_blocked"})  # what operators did, not calls


@dataclass(frozen=True)
class ToolFilter:
    """The catalogue's filters; empty strings mean "any"."""

    server: str = ""
    category: str = ""
    level: str = ""
    decision: str = ""
    pin: str = ""
    q: str = ""

    @classmethod
    def of(cls, params: Any) -> ToolFilter:
        return cls(**{name: str(params.get(name) or "").strip() for name in cls.__dataclass_fields__})

    def matches(self, row: ToolRow) -> bool:
        if self.server and row.server != self.server:
            return False
        if self.category and row.category != self.category:
            return False
        if self.level and row.level != self.level:
            return False
        if self.decision and row.decision != self.decision:
            return False
        if self.pin and row.pin != self.pin:
            return False
        if self.q:
            needle = self.q.lower()
            return needle in row.full_name.lower() or needle in row.description.lower()
        return True


@dataclass(frozen=True)
class ToolRow:
    """One line of the catalogue."""

    server: str
    name: str
    category: str
    level: str
    signals: tuple[str, ...]
    decision: str
    rule: str
    pin: str
    calls_24h: int
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.server}__{self.name}"

    def as_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "name": self.name,
            "tool": self.full_name,
            "category": self.category,
            "level": self.level,
            "signals": list(self.signals),
            "decision": self.decision,
            "rule": self.rule,
            "pin": self.pin,
            "calls_24h": self.calls_24h,
        }


async def calls_by_tool(ctx: AdminContext, since: float | None = None) -> Counter[tuple[str, str]]:
    """Calls per (server, tool) in the audit trail since ``since`` (the last 24 h by default)."""
    audit = ctx.state.audit
    if audit is None:
        return Counter()
    start = ctx.clock() - _DAY if since is None else since
    records = await audit.query(since=start, limit=_CALLS_READ)
    return Counter(
        (str(r.get("server")), str(r.get("tool"))) for r in records if r.get("decision") not in _OPERATOR_RECORDS
    )


def _row(entry: CatalogEntry, policy: CompiledPolicy, calls: Counter[tuple[str, str]]) -> ToolRow:
    decision, rule = policy.verdict(entry.server, entry.name)
    c = entry.classification
    return ToolRow(
        entry.server,
        entry.name,
        c.category,
        c.level,
        tuple(s.id for s in c.signals),
        decision,
        rule,
        entry.status,
        calls.get((entry.server, entry.name), 0),
        str(entry.tool.get("description") or ""),
    )


def _entries(ctx: AdminContext) -> Iterable[CatalogEntry]:
    catalog = ctx.state.catalog
    return catalog.entries() if catalog is not None else ()


async def tool_rows(ctx: AdminContext, flt: ToolFilter) -> tuple[list[ToolRow], int]:
    """The catalogue's rows passing ``flt``, and how many tools there are in all."""
    policy = ctx.policy()
    calls = await calls_by_tool(ctx)
    rows = [_row(e, policy, calls) for e in _entries(ctx)]
    return [r for r in rows if flt.matches(r)], len(rows)


async def tool_detail(ctx: AdminContext, server: str, name: str) -> dict[str, Any] | None:
    """One tool in full: definition, signals with evidence, decision, recommended rule, diff, recent calls."""
    catalog = ctx.state.catalog
    entry = catalog.entry(server, name) if catalog is not None else None
    if entry is None:
        return None
    row = _row(entry, ctx.policy(), await calls_by_tool(ctx))
    recent: list[dict[str, Any]] = []
    if ctx.state.audit is not None:
        recent = await ctx.state.audit.query(server=server, tool=name, limit=20)
        recent.reverse()
    pin = entry.pin
    return {
        **row.as_json(),
        "description": row.description,
        "definition": entry.tool,
        "signal_evidence": [s.as_json() for s in entry.classification.signals],
        "recommended": {row.full_name: recommend_entry(row.full_name, entry.classification)},
        "changes": [c.as_json() for c in entry.changes()],
        "approved_definition": pin.definition if pin is not None else None,
        "approved_by": pin.approved_by if pin is not None else None,
        "approved_at": pin.approved_at if pin is not None else None,
        "recent_calls": recent,
    }


async def approve_tool(ctx: AdminContext, server: str, name: str, who: str) -> int:
    """Pin the current definition of one tool (as ``portcullis tools approve``); returns how many were pinned
    (0 when it already was). Raises ``LookupError`` when the catalogue has no such tool."""
    catalog, store = ctx.state.catalog, ctx.state.pins
    if catalog is None or store is None or catalog.entry(server, name) is None:
        raise LookupError(f"no tool '{name}' on server '{server}' in the catalogue")
    pins = catalog.approve([(server, name)], ctx.clock(), who)
    if pins:
        await store.save(pins)
        refresher = ctx.state.refresher
        if refresher is not None:
            await refresher.reload_pins()
            if refresher.on_view_change is not None:  # agents now see the approved definition: tell them
                refresher.on_view_change(server)
    ctx.hub.publish("catalog")
    return len(pins)


async def keep_blocked(ctx: AdminContext, server: str, name: str, who: str) -> dict[str, Any]:
    """Record that a person reviewed a changed (or new) definition and keeps it blocked: nothing is pinned, calls
    stay refused, and the audit trail says who decided and which fields they saw change. Raises
    ``LookupError`` (no such tool) or ``ValueError`` (its definition is approved: nothing is blocked)."""
    catalog = ctx.state.catalog
    entry = catalog.entry(server, name) if catalog is not None else None
    if entry is None:
        raise LookupError(f"no tool '{name}' on server '{server}' in the catalogue")
    if entry.status == "approved":
        raise ValueError(f"'{server}__{name}' is approved as it is: there is no changed definition to keep blocked")
    changes = [c.as_json() for c in entry.changes()]
    if ctx.state.audit is not None:
        await ctx.state.audit.write(
            AuditRecord(
                time=ctx.clock(),
                grant=None,
                session=f"console:{who}",
                server=server,
                tool=name,
                arguments={"pin": entry.status, "changes": changes},
                decision="kept_blocked",
                rule="pins",
                reason=f"the {entry.status} definition was reviewed and kept blocked by {who}",
                approver=who,
                outcome="denied",
            )
        )
    return {"tool": f"{server}__{name}", "pin": entry.status, "kept_blocked_by": who, "changes": changes}
