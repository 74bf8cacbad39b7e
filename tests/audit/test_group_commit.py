"""Group commit on the real backends: many callers share a commit, and still none is answered before its
own record can be read back from a connection of its own; a commit that fails loses no record; the
records' ids keep the order in which the calls were written.

The readers here are new connections (a fresh ``sqlite3`` connection, the file opened anew, a new
asyncpg connection): what the CLI or the console in another process would see at that moment.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from portcullis.audit import AuditLog, open_audit
from portcullis.errors import StoreUnavailable
from tests.audit.conftest import make_record

CALLERS = 64


async def _stored(url: str, options: dict[str, Any]) -> list[int]:
    """The ``n`` of every stored record in id order, read through a new connection."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute("SELECT arguments FROM audit ORDER BY id").fetchall()
        return [orjson.loads(r[0])["n"] for r in rows]
    if url.startswith("jsonl:///"):
        lines = Path(url.removeprefix("jsonl:///")).read_bytes().splitlines()  # id = offset: file order
        return [orjson.loads(line)["arguments"]["n"] for line in lines]
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(f"SELECT arguments FROM {options['table']} ORDER BY id")
    finally:
        await conn.close()
    return [orjson.loads(r["arguments"])["n"] for r in rows]


async def test_every_caller_is_answered_only_after_its_record_is_readable(
    backend: tuple[str, dict[str, Any]],
) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    seen_at_answer: dict[int, list[int]] = {}

    async def caller(i: int) -> None:
        await log.write(make_record(i))
        seen_at_answer[i] = await _stored(url, options)

    try:
        await asyncio.gather(*(caller(i) for i in range(CALLERS)))
        missing = [i for i, seen in seen_at_answer.items() if i not in seen]
        assert missing == [], f"answered before their record was readable: {missing}"
        assert log.commits < CALLERS  # and they did share commits
        assert await _stored(url, options) == list(range(CALLERS))  # ids in the order of the writes
    finally:
        await log.close()


async def _refuse_poison(url: str, options: dict[str, Any]) -> None:
    """A trigger in the real database that refuses any record of the tool ``poison``."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON audit WHEN NEW.tool = 'poison' "
                "BEGIN SELECT RAISE(ABORT, 'poison refused'); END"
            )
        return
    table = options["table"]
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            f"""CREATE FUNCTION {table}_refuse() RETURNS trigger AS $$
            BEGIN IF NEW.tool = 'poison' THEN RAISE EXCEPTION 'poison refused'; END IF; RETURN NEW; END
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_poison BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_refuse();"""
        )
    finally:
        await conn.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_a_batch_the_database_refuses_loses_none_of_the_other_records(
    backend: tuple[str, dict[str, Any]],
) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        await log.write(make_record(-1))  # creates the table
        await _refuse_poison(url, options)
        poison = {5, 40}
        results = await asyncio.gather(
            *(log.write(make_record(i, tool="poison" if i in poison else f"t{i}")) for i in range(CALLERS)),
            return_exceptions=True,
        )
        refused = {i for i, r in enumerate(results) if isinstance(r, StoreUnavailable)}
        assert refused == poison  # each refused record is reported to its own caller, and only those
        assert all(r is None for i, r in enumerate(results) if i not in poison)
        assert await _stored(url, options) == [-1, *(i for i in range(CALLERS) if i not in poison)]
    finally:
        await log.close()
        if url.startswith(("postgresql://", "postgres://")):
            conn = await asyncpg.connect(url)
            await conn.execute(
                f"DROP TABLE IF EXISTS {options['table']}; DROP FUNCTION IF EXISTS {options['table']}_refuse"
            )
            await conn.close()


async def test_a_commit_that_fails_while_the_file_is_locked_is_retried_and_loses_nothing(tmp_path: Path) -> None:
    """Another process holds SQLite's write lock past the busy timeout: the group commit fails
    (``database is locked``), is retried with a backoff, and every caller is answered once its record
    is stored."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    log: AuditLog = await open_audit(url)
    holder = sqlite3.connect(tmp_path / "audit.db", isolation_level=None, check_same_thread=False)
    try:
        await log.write(make_record(-1))
        holder.execute("BEGIN EXCLUSIVE")
        released = threading.Event()
        # Held longer than the writer's busy timeout (2 s), so the first commit fails; released later
        # from a thread, since a SQLite commit on the event loop waits in the busy handler.

        def release() -> None:
            holder.execute("ROLLBACK")
            released.set()

        timer = threading.Timer(2.5, release)
        timer.start()
        commits_before = log.commits
        results = await asyncio.gather(*(log.write(make_record(i)) for i in range(16)), return_exceptions=True)
        timer.join()
        assert released.is_set()
        assert results == [None] * 16
        assert await _stored(url, {}) == [-1, *range(16)]
        assert log.commits - commits_before < 16
    finally:
        holder.close()
        await log.close()


async def test_a_locked_file_never_stalls_the_event_loop(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Another process holds the write lock and the event loop itself releases it a moment later: the
    commit waits for the lock in the writer thread (not on the loop, which goes on and runs the release),
    so it succeeds at its first try. A commit waiting on the loop would hold the release back until its
    busy timeout ran out, fail, and log the failure."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    log: AuditLog = await open_audit(url)
    holder = sqlite3.connect(tmp_path / "audit.db", isolation_level=None, check_same_thread=False)
    try:
        await log.write(make_record(-1))
        holder.execute("BEGIN EXCLUSIVE")
        loop = asyncio.get_running_loop()
        ticks: list[float] = []

        def release() -> None:
            ticks.append(loop.time())
            holder.execute("ROLLBACK")

        loop.call_later(0.2, release)  # only the loop can let the other process go
        with caplog.at_level(logging.WARNING, logger="portcullis"):
            results = await asyncio.gather(*(log.write(make_record(i)) for i in range(8)), return_exceptions=True)
        assert ticks, "the release never ran"
        assert results == [None] * 8
        assert await _stored(url, {}) == [-1, *range(8)]
        assert not [r for r in caplog.records if "audit commit" in r.getMessage()]  # no failed attempt
    finally:
        holder.close()
        await log.close()


async def test_a_lone_record_is_committed_at_once_and_others_wait_a_turn_to_share_a_commit(tmp_path: Path) -> None:
    """``alone`` (no other call in flight): the commit starts without giving the event loop a turn, since
    no other record can join it; otherwise the leader waits a turn for the records of calls finishing now."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    log = await open_audit(url)
    loop = asyncio.get_running_loop()
    try:
        turned: list[str] = []
        loop.call_soon(turned.append, "first")
        await log.write(make_record(0), alone=True)
        assert turned == []  # committed before the loop ran anything else
        assert await _stored(url, {}) == [0]

        loop.call_soon(turned.append, "second")
        await log.write(make_record(1))
        assert turned == ["first", "second"]  # the leader gave the loop a turn
        assert await _stored(url, {}) == [0, 1]
    finally:
        await log.close()


async def test_a_lone_record_the_database_refuses_is_reported_and_the_next_is_written(tmp_path: Path) -> None:
    """The at-once commit of a lone record falls back to the queued way when the database refuses it
    (which tries it as it is and in plain form, then reports it to its caller); nothing else is lost."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    log = await open_audit(url)
    try:
        await _refuse_poison(url, {})
        with pytest.raises(StoreUnavailable, match="refused this call's record"):
            await log.write(make_record(0, tool="poison"), alone=True)
        await log.write(make_record(1), alone=True)
        assert await _stored(url, {}) == [1]
    finally:
        await log.close()


async def test_gateways_opening_a_new_trail_together_take_turns_creating_it(tmp_path: Path) -> None:
    """A gateway that opens the trail while another process holds the file's write lock (creating it, or
    writing) waits for the lock instead of failing at start-up; once open, its commits on the loop still
    never wait for the lock."""
    path = tmp_path / "audit.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")  # another gateway, halfway through creating the file
    opening = asyncio.create_task(open_audit(f"sqlite:///{path}"))
    try:
        done, _ = await asyncio.wait({opening}, timeout=0.5)
        assert not done, "the open should wait for the lock, not fail"
        holder.execute("COMMIT")
        log = await asyncio.wait_for(opening, 30)
        try:
            await log.write(make_record(7), alone=True)
            assert await _stored(f"sqlite:///{path}", {}) == [7]
        finally:
            await log.close()
    finally:
        holder.close()
