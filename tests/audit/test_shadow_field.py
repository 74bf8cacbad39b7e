"""The ``shadow`` field (issue 13.3): every backend stores and returns it, and a trail written before it
existed (no such column, or lines without it) opens, reads as ``None`` and takes new records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import orjson

from portcullis.audit import open_audit
from tests.audit.conftest import make_record

SHADOW = {"decision": "deny", "rule": "$.tools.x", "reason": "would be denied"}
OLD_SQLITE = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, grant_name TEXT, session TEXT NOT NULL,
    server TEXT NOT NULL, tool TEXT NOT NULL, arguments TEXT NOT NULL, decision TEXT NOT NULL,
    rule TEXT NOT NULL, reason TEXT NOT NULL, approval_id TEXT, approver TEXT, latency_ms REAL,
    outcome TEXT NOT NULL
);
INSERT INTO audit (time, grant_name, session, server, tool, arguments, decision, rule, reason, outcome)
VALUES (1780000000.0, 'old', 's', 'github', 'old_tool', '{}', 'allow', '$.tools.x', '', 'ok');
"""


async def test_every_backend_keeps_the_shadow_decision(backend: tuple[str, dict[str, object]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)  # type: ignore[arg-type]
    try:
        await log.write(make_record(1, shadow=SHADOW))
        await log.write(make_record(2))
        got = await log.query(limit=10)
    finally:
        await log.close()
    assert [r["shadow"] for r in got] == [SHADOW, None]


async def test_an_old_sqlite_trail_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SQLITE)
    conn.close()
    log = await open_audit(f"sqlite:///{path}")
    try:
        await log.write(make_record(1, shadow=SHADOW))
        got = await log.query(limit=10)
    finally:
        await log.close()
    assert [(r["tool"], r["shadow"]) for r in got] == [("old_tool", None), ("tool_1", SHADOW)]


async def test_an_old_jsonl_trail_reads_as_no_shadow(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    line = {"time": "2026-05-28T00:00:00.000Z", "ts": 1780000000.0, "grant": "old", "session": "s"}
    line |= {"server": "github", "tool": "old_tool", "arguments": {}, "decision": "allow", "rule": "", "reason": ""}
    path.write_bytes(orjson.dumps({**line, "outcome": "ok"}) + b"\n")
    log = await open_audit(f"jsonl:///{path}")
    try:
        await log.write(make_record(1, shadow=SHADOW))
        got = await log.query(limit=10)
    finally:
        await log.close()
    assert [(r["tool"], r["shadow"]) for r in got] == [("old_tool", None), ("tool_1", SHADOW)]


async def test_an_old_postgres_table_is_migrated(postgres_dsn: str, pg_table: str) -> None:
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(
            f"CREATE TABLE {pg_table} (id BIGSERIAL PRIMARY KEY, time TIMESTAMPTZ NOT NULL, grant_name TEXT, "
            "session TEXT NOT NULL, server TEXT NOT NULL, tool TEXT NOT NULL, arguments JSONB NOT NULL, "
            "decision TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL, approval_id TEXT, approver TEXT, "
            "latency_ms DOUBLE PRECISION, outcome TEXT NOT NULL)"
        )
        await conn.execute(
            f"INSERT INTO {pg_table} (time, session, server, tool, arguments, decision, rule, reason, outcome) "
            "VALUES (to_timestamp(1780000000), 's', 'github', 'old_tool', '{}', 'allow', '', '', 'ok')"
        )
    finally:
        await conn.close()
    log = await open_audit(postgres_dsn, table=pg_table)
    try:
        await log.write(make_record(1, shadow=SHADOW))
        got = await log.query(limit=10)
    finally:
        await log.close()
    assert [(r["tool"], r["shadow"]) for r in got] == [("old_tool", None), ("tool_1", SHADOW)]
