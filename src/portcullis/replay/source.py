"""Recorded calls out of an audit trail, oldest first, for a replay: SQLite, PostgreSQL or JSON Lines.

The filters are the audit's own (``AuditFilter``: grant, server, tool, since, until). SQLite is read
directly, read-only, in chunks, ordered by the time each call arrived (the trail's ``audit_time``
index), with the arguments left as the stored JSON's bytes (not even decoded; parsed only when the
draft needs them): this is the fast path. PostgreSQL and JSON Lines are read through their
``AuditLog`` readers (pages of ``query``), then put in time order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from portcullis._plumbing.store_url import url_path
from portcullis.audit.query import AuditFilter
from portcullis.replay.engine import RecordedCall

__all__ = ["read_records", "sqlite_records"]

_CHUNK = 5000
_PAGE = 5000
_EVERYTHING = 10**12


def sqlite_records(path: Path, flt: AuditFilter) -> Iterator[tuple[Any, ...]]:
    """The records of a SQLite trail matching ``flt``, in time order; nothing when the file does not exist."""
    if not path.exists():
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
    try:
        conn.execute("PRAGMA case_sensitive_like=ON")
        where, params = flt.sql_where("?")
        cursor = conn.execute(
            "SELECT id, time, grant_name, session, server, tool, CAST(arguments AS BLOB), decision, rule, outcome "
            f"FROM audit{where} ORDER BY time, id",
            params,
        )
        while rows := cursor.fetchmany(_CHUNK):
            yield from rows  # tuples in RecordedCall's order
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return
        raise
    finally:
        conn.close()


def _epoch(iso_time: str) -> float:
    return datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp()


def _recorded(record: dict[str, Any]) -> RecordedCall:
    return RecordedCall(
        record["id"],
        _epoch(record["time"]),
        record.get("grant"),
        record.get("session") or "",
        record["server"],
        record["tool"],
        orjson.dumps(record.get("arguments") or {}),
        record.get("decision") or "",
        record.get("rule") or "",
        record.get("outcome") or "",
    )


async def _logged_records(url: str, flt: AuditFilter, base_dir: Path | None, table: str) -> list[RecordedCall]:
    from portcullis.audit import open_audit

    log = await open_audit(url, base_dir=base_dir, table=table)
    try:
        if url.startswith("jsonl:///"):  # its ids are byte offsets: read it all in one pass
            found = await log.query(**{**_fields(flt), "limit": _EVERYTHING})
        else:
            found, after = [], 0
            while page := await log.query(**{**_fields(flt), "after_id": after, "limit": _PAGE}):
                found += page
                after = page[-1]["id"]
    finally:
        await log.close()
    records = [_recorded(r) for r in found]
    records.sort(key=lambda r: r.time)  # stable: calls of the same instant stay in the trail's order
    return records


def _fields(flt: AuditFilter) -> dict[str, Any]:
    return {"grant": flt.grant, "server": flt.server, "tool": flt.tool, "since": flt.since, "until": flt.until}


async def read_records(
    url: str, flt: AuditFilter, *, base_dir: Path | None = None, table: str = "portcullis_audit"
) -> Iterator[tuple[Any, ...]] | list[RecordedCall]:
    """The records of the trail at ``url`` matching ``flt``, in time order (an iterator for SQLite)."""
    if url.startswith("sqlite:///"):
        return sqlite_records(url_path(url, "sqlite", base_dir), flt)
    return await _logged_records(url, flt, base_dir, table)
