"""SQLite record ids only grow and are never given twice, without AUTOINCREMENT's counter.

A reader that follows the trail by id (``portcullis audit --follow``, a SIEM export asking for the
records after the last id it saw) would skip or repeat records if an id came back. SQLite gives a table
without AUTOINCREMENT one more than its highest id, so an id came back after the newest records were
deleted (a prune that emptied the trail, a hand-made DELETE); the trail keeps the highest deleted id
instead (``audit_ids``). A trail made with AUTOINCREMENT keeps it and its own counter.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from portcullis.audit import open_audit
from portcullis.audit.log import AuditLog
from tests.audit.conftest import make_record


async def _ids(path: Path) -> list[int]:
    log = await open_audit(f"sqlite:///{path}")
    try:
        return [int(r["id"]) for r in await log.query(limit=100)]
    finally:
        await log.close()


async def _trail(path: Path, records: int) -> AuditLog:
    """A new SQLite trail at ``path`` holding ``records`` records (ids 1 to ``records``)."""
    log = await open_audit(f"sqlite:///{path}")
    for i in range(records):
        await log.write(make_record(i))
    return log


async def test_ids_are_not_given_again_after_a_prune_removed_every_record(tmp_path: Path) -> None:
    log = await _trail(tmp_path / "audit.db", 3)
    try:
        first = [int(r["id"]) for r in await log.query(limit=10)]
        assert await log.prune(2_000_000_000.0) == 3  # every record is older than that
        assert await log.query(limit=10) == []
        await log.write(make_record(3))
        (after,) = [int(r["id"]) for r in await log.query(limit=10)]
    finally:
        await log.close()
    assert first == sorted(first) and after > max(first)


async def test_ids_are_not_given_again_after_the_newest_records_were_deleted_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    log = await _trail(path, 5)
    try:
        conn = sqlite3.connect(path)  # another process's connection, as an operator's shell would be
        conn.execute("DELETE FROM audit WHERE id > 2")
        conn.commit()
        conn.close()
        await log.write(make_record(5))
        await asyncio.gather(*(log.write(make_record(6 + i)) for i in range(3)))  # one batch, one transaction
    finally:
        await log.close()
    ids = await _ids(path)
    assert ids[:2] == [1, 2]
    assert ids[2:] == list(range(6, 10))  # 3, 4 and 5 were given once: never again


async def test_two_gateways_on_one_new_file_give_distinct_growing_ids(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    first, second = await asyncio.gather(open_audit(f"sqlite:///{path}"), open_audit(f"sqlite:///{path}"))
    try:
        for i in range(20):
            await (first if i % 2 else second).write(make_record(i))
    finally:
        await first.close()
        await second.close()
    ids = await _ids(path)
    assert ids == list(range(1, 21))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM audit_ids").fetchone() == (1,)  # the two opens made one row
    conn.close()


async def test_a_trail_made_with_autoincrement_keeps_its_counter(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, grant_name TEXT, session TEXT NOT NULL,
            server TEXT NOT NULL, tool TEXT NOT NULL, arguments TEXT NOT NULL, decision TEXT NOT NULL,
            rule TEXT NOT NULL, reason TEXT NOT NULL, approval_id TEXT, approver TEXT, latency_ms REAL,
            outcome TEXT NOT NULL, shadow TEXT
        );
        INSERT INTO audit (time, session, server, tool, arguments, decision, rule, reason, outcome)
        VALUES (1780000000.0, 's', 'github', 'old_tool', '{}', 'allow', '', '', 'ok');
        DELETE FROM audit;
        """
    )
    conn.commit()
    conn.close()
    log = await open_audit(f"sqlite:///{path}")
    try:
        await log.write(make_record(1))
    finally:
        await log.close()
    assert await _ids(path) == [2]  # SQLite's own counter remembered the deleted 1
    conn = sqlite3.connect(path)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "audit_ids" not in tables
