"""Filters for reading the audit trail, shared by every backend (SQL builders and an in-memory matcher).

String filters match exactly, or as a glob when they contain ``*`` or ``?``; a tool filter with ``__`` is
``server__tool``, the name agents and policies use (``--tool 'github__*'``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

__all__ = ["FILTER_COLUMNS", "MAX_ID", "AuditFilter"]

MAX_ID = 2**63 - 1  # the largest record id (and limit) a backend can store or bind
FILTER_COLUMNS = ("grant", "session", "server", "tool", "decision", "outcome", "approval_id")
_COLUMN = {"grant": "grant_name"}


def _is_glob(value: str) -> bool:
    return "*" in value or "?" in value


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


@dataclass(frozen=True)
class AuditFilter:
    """Which records to read. ``after_id`` reads forward from a record (``--follow``); otherwise the newest."""

    grant: str | None = None
    session: str | None = None
    server: str | None = None
    tool: str | None = None
    decision: str | None = None
    outcome: str | None = None
    approval_id: str | None = None
    since: float | None = None
    until: float | None = None
    after_id: int | None = None
    upto_id: int | None = None  # with after_id: read no further than this record
    limit: int = 100

    def __post_init__(self) -> None:
        # every backend stores ids in a signed 64-bit integer: an id or a limit past it (GET /api/v1/audit/1e30)
        # matches nothing past the largest, and binding it would overflow the driver (a 500); below the first id
        # (0, a JSON Lines offset) "after" is after -1
        for name, lowest in (("after_id", -1), ("upto_id", -1), ("limit", 0)):
            value = getattr(self, name)
            if isinstance(value, int) and not lowest <= value <= MAX_ID:
                object.__setattr__(self, name, min(max(value, lowest), MAX_ID))

    def values(self) -> list[tuple[str, str]]:
        """The string filters that are set, as ``(field, value)``.

        ``tool`` is read as agents and policies name tools: ``server__tool`` (split at the first ``__``,
        each side exact or a glob: ``github__*``, ``*__delete_*``) filters on both fields; a name without
        ``__`` is that tool on every server.
        """
        out: list[tuple[str, str]] = []
        for name in FILTER_COLUMNS:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "tool" and "__" in value:
                server, tool = value.split("__", 1)
                out += [("server", server), ("tool", tool)]
            else:
                out.append((name, value))
        return out

    def sql_where(self, placeholder: str, time_param: str = "{}") -> tuple[str, list[Any]]:
        """A ``WHERE`` clause and its parameters.

        ``placeholder`` is ``?`` (SQLite) or ``$`` (PostgreSQL: ``$1``…); ``time_param`` wraps the placeholder
        of a time bound (PostgreSQL stores ``timestamptz``: ``to_timestamp({})``).
        """
        clauses: list[str] = []
        params: list[Any] = []

        def mark() -> str:
            return "?" if placeholder == "?" else f"${len(params)}"

        for name, value in self.values():
            column = _COLUMN.get(name, name)
            if _is_glob(value):
                params.append(_like(value))
                clauses.append(f"{column} LIKE {mark()} ESCAPE '\\'")
            else:
                params.append(value)
                clauses.append(f"{column} = {mark()}")
        for bound, op in ((self.since, ">="), (self.until, "<")):
            if bound is not None:
                params.append(bound)
                clauses.append(f"time {op} {time_param.format(mark())}")
        if self.after_id is not None:
            params.append(self.after_id)
            clauses.append(f"id > {mark()}")
        if self.upto_id is not None:
            params.append(self.upto_id)
            clauses.append(f"id <= {mark()}")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def matches(self, record: dict[str, Any], time: float) -> bool:
        """Whether a stored record (public field names) passes the filter."""
        for name, value in self.values():
            got = record.get(name)
            if not isinstance(got, str):
                return False
            if _is_glob(value):
                if not fnmatch.fnmatchcase(got, value):
                    return False
            elif got != value:
                return False
        if self.since is not None and time < self.since:
            return False
        return not (self.until is not None and time >= self.until)
