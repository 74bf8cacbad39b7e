"""Reading the audit trail for operators: filters from a request, one record, exports (JSON Lines, CSV).

Shared by ``GET /api/v1/audit`` (``?format=jsonl|csv`` exports), ``GET /api/v1/audit/{id}`` and the
console's audit page. Filters are those of ``portcullis audit``: ``grant``, ``server``, ``tool``
(``server__tool``, globs allowed), ``decision``, ``outcome``, ``approval_id``, ``session``, ``since`` /
``until`` (``2h``, an ISO time or epoch seconds), ``limit``, ``after_id`` (records after that one).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from portcullis.api.context import AdminContext
from portcullis.audit.record import FIELDS
from portcullis.audit.when import parse_instant

__all__ = ["STRING_FILTERS", "audit_filters", "audit_record", "read_audit", "to_csv", "to_jsonl"]

STRING_FILTERS = ("grant", "server", "tool", "decision", "outcome", "approval_id", "session")
_MAX = 10000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def audit_filters(params: Any, now: float, default_limit: int = 100) -> dict[str, Any]:
    """``AuditFilter`` fields from query parameters. Raises ``ValueError`` with a sentence for a bad one."""
    out: dict[str, Any] = {k: str(params[k]).strip() for k in STRING_FILTERS if str(params.get(k) or "").strip()}
    for bound in ("since", "until"):
        value = str(params.get(bound) or "").strip()
        if value:
            out[bound] = parse_instant(value, now)
    for name, default in (("limit", default_limit), ("after_id", None)):
        raw = str(params.get(name) or "").strip()
        if not raw:
            if default is not None:
                out[name] = default
            continue
        try:
            number = int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
        out[name] = max(1, min(number, _MAX)) if name == "limit" else number
    return out


async def read_audit(ctx: AdminContext, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Matching records, oldest first (the newest ``limit``; with ``after_id``: the next ones after it)."""
    audit = ctx.state.audit
    return await audit.query(**filters) if audit is not None else []


async def audit_record(ctx: AdminContext, record_id: int) -> dict[str, Any] | None:
    audit = ctx.state.audit
    if audit is None:
        return None
    found = await audit.query(after_id=record_id - 1, upto_id=record_id, limit=1)
    return found[0] if found else None


def to_jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _cell(value: Any) -> Any:
    """A CSV cell; text an agent wrote that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)
    gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA:
        return "'" + value
    return value


def to_csv(records: list[dict[str, Any]]) -> str:
    """One row per record, the columns of ``FIELDS`` (plus ``id``); arguments as JSON text."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ("id", *FIELDS)
    writer.writerow(columns)
    for r in records:
        writer.writerow([orjson.dumps(r.get(c)).decode() if c == "arguments" else _cell(r.get(c)) for c in columns])
    return out.getvalue()
