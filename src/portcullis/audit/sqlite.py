"""The SQLite audit backend (the default): one file in WAL mode.

Durability: with ``sync="normal"`` (the default) a commit is in the WAL file before ``write()`` returns,
so a killed gateway (``kill -9``) loses no answered call; a power cut can lose the last commits. With
``sync="full"`` every group commit is also fsynced (about 0.4 ms more per commit on this machine's disk).
Readers (``portcullis audit`` in another process, the console) do not block the writer under WAL
(a restart of the WAL, below, waits for them up to ``_RESTART_WAIT``, holding writers meanwhile).

Where the work runs: with ``sync="normal"`` a group commit is an in-memory append to the WAL (about 15
µs plus a few µs per record), so it runs on the event loop itself — handing it to a thread costs more (a
thread hop, and the GIL convoy: a worker thread waits up to the 5 ms switch interval to get the GIL back
from a busy loop). WAL checkpoints, the slow part, run in a worker thread on their own connection, every
``_CHECKPOINT_EVERY`` commits: passive (writers go on), and once the WAL holds more than
``_RESTART_FRAMES`` frames, a restart too, so that under load that never pauses the WAL starts again
from its beginning instead of growing for as long as the load lasts. With ``sync="full"`` the fsync
would stall the loop, so commits run in the worker thread. On the loop a commit never waits for the
file's write lock: when another process holds it (a second gateway on the same file, a shell's prune),
SQLite says busy at once and that commit goes to the worker thread, which waits there (``_LOCK_WAIT``);
the loop keeps serving meanwhile. Pruning runs in the worker.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import orjson

from portcullis._plumbing import sqlite as db
from portcullis._plumbing.worker import Worker
from portcullis.audit.log import AuditLog, Row
from portcullis.audit.query import AuditFilter
from portcullis.audit.record import FIELDS, record_to_dict
from portcullis.audit.redact import Redactor

__all__ = ["SqliteAuditLog", "connect_sqlite", "migrate"]

log = logging.getLogger("portcullis.audit")

# Record ids only grow, and are never given twice, even after a prune removed every record. SQLite's
# AUTOINCREMENT would keep that promise by rewriting its counter's page in every commit (one more page
# written per commit, about a fifth of a lone record's commit); instead each record takes one more than
# the highest id in the table or ever deleted from it (``audit_ids``, kept by a trigger on delete, so a
# prune or a hand-made DELETE alike). Trails made before keep their AUTOINCREMENT (``_uses_autoincrement``).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    grant_name TEXT,
    session TEXT NOT NULL,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    arguments TEXT NOT NULL,
    decision TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    approval_id TEXT,
    approver TEXT,
    latency_ms REAL,
    outcome TEXT NOT NULL,
    shadow TEXT
);
CREATE INDEX IF NOT EXISTS audit_time ON audit (time);
"""
_IDS = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS audit_ids (high INTEGER NOT NULL);
INSERT INTO audit_ids SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM audit_ids);
CREATE TRIGGER IF NOT EXISTS audit_ids_kept AFTER DELETE ON audit WHEN old.id > (SELECT high FROM audit_ids)
BEGIN UPDATE audit_ids SET high = old.id; END;
COMMIT;
"""
_COLUMNS = (
    "time, grant_name, session, server, tool, arguments, decision, rule, reason, approval_id, approver, "
    "latency_ms, outcome, shadow"
)
_VALUES = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
_INSERT_AUTOINCREMENT = f"INSERT INTO audit ({_COLUMNS}) VALUES ({_VALUES})"
_NEXT_ID = "max(coalesce((SELECT max(id) FROM audit), 0), (SELECT high FROM audit_ids)) + 1"
_INSERT = f"INSERT INTO audit (id, {_COLUMNS}) VALUES ({_NEXT_ID}, {_VALUES})"
_NAMES = FIELDS[1:]  # the stored fields after the time, as every backend names them


_CHECKPOINT_EVERY = 500  # commits between WAL checkpoints
# A passive checkpoint never holds up a writer, so under sustained load it never catches up with the
# frames written meanwhile, and SQLite starts the WAL again from its beginning only after one that did:
# past this many frames (4 KB pages), the checkpoint also restarts the WAL, holding up writers (ours wait
# in the worker thread, where the checkpoint runs) for what the passive pass left and the file's sync.
_RESTART_FRAMES = 4096
_RESTART_WAIT = 0.2  # seconds a restart waits for readers of the old WAL (the console, the CLI) to finish
_WAL_SIZE_LIMIT = 32 * 1024 * 1024  # bytes the WAL file is cut back to when it starts again
_PRUNE_CHUNK = 2000
_LOCK_WAIT = 10.0  # seconds a commit (in the worker thread) waits for another process's write lock


def _locked(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the lock (busy), not for another reason."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a trail written by an older version up to this schema (columns added since are NULL there)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(audit)")}
    if "shadow" not in columns:
        conn.execute("ALTER TABLE audit ADD COLUMN shadow TEXT")


def _uses_autoincrement(conn: sqlite3.Connection) -> bool:
    """Whether the trail was made with ``AUTOINCREMENT`` ids (before ``audit_ids``): SQLite keeps them."""
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()
    return "AUTOINCREMENT" in sql.upper()


def connect_sqlite(path: Path, *, sync: str = "normal", timeout: float = 10.0) -> sqlite3.Connection:
    """Open a SQLite file for Portcullis: WAL, a busy timeout, case-sensitive LIKE, autocommit mode."""
    # Case-sensitive LIKE: the audit filters' ``tool`` / ``server`` patterns match names exactly.
    return db.connect(path, sync="full" if sync == "full" else "normal", timeout=timeout, case_sensitive_like=True)


def _to_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(_NAMES, row[2:], strict=True))
    values["arguments"] = orjson.loads(values["arguments"])
    return record_to_dict(row[0], row[1], values)


class SqliteAuditLog(AuditLog):
    """Audit records in a SQLite table ``audit``."""

    def __init__(self, path: Path, redactor: Redactor, *, sync: str = "normal", **options: Any) -> None:
        super().__init__(redactor, **options)
        self.path = path
        self.url = f"sqlite:///{path}"
        self._sync = sync
        self._inline = sync == "normal"
        self.inline_commits = self._inline
        self._writer_worker = Worker("portcullis-audit-sqlite")
        self._reader_worker = Worker("portcullis-audit-sqlite-read")
        self._conn: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: asyncio.Future[Any] | None = None
        self._since_checkpoint = 0
        self._insert = _INSERT

    async def open(self) -> None:
        """Create the file and table if needed."""
        await self._run_writer(self._open_sync)

    def _open_sync(self) -> None:
        # Opening (in the worker) waits for another process's lock: gateways starting together on a new
        # file take turns creating it. Then, inline: busy at once (a commit that meets the lock waits in
        # the worker); in the worker: wait for the lock.
        conn = connect_sqlite(self.path, sync=self._sync, timeout=_LOCK_WAIT)
        conn.executescript(_SCHEMA)
        migrate(conn)
        if _uses_autoincrement(conn):
            self._insert = _INSERT_AUTOINCREMENT
        else:
            conn.executescript(_IDS)
        conn.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT}")
        if self._inline:
            conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run in the worker thread instead
            conn.execute("PRAGMA busy_timeout=0")
        self._conn = conn

    async def _run_writer(self, fn: Any, *args: Any) -> Any:
        return await self._writer_worker.run(fn, *args)

    async def _run_reader(self, fn: Any, *args: Any) -> Any:
        return await self._reader_worker.run(fn, *args)

    def _commit_sync(self, rows: list[Row]) -> None:
        conn = self._conn
        assert conn is not None
        if len(rows) == 1:  # autocommit mode: one INSERT is its own transaction (two statements fewer)
            conn.execute(self._insert, rows[0])
            return
        with db.immediate(conn):
            conn.executemany(self._insert, rows)

    def _commit_now(self, row: Row) -> bool:
        if not self._inline or self._conn is None:
            return False
        try:
            self._commit_sync([row])
        except sqlite3.Error:
            return False  # locked by another process, or refused: nothing written; the queued way handles it
        self._committed()
        return True

    async def _commit(self, rows: list[Row]) -> None:
        if not self._inline:
            await self._run_writer(self._commit_sync, rows)
            return
        try:
            self._commit_sync(rows)
        except sqlite3.OperationalError as exc:
            if not _locked(exc):
                raise
            await self._run_writer(self._waiting, self._commit_sync, rows)  # another process writes: wait off the loop
        self._committed()

    def _committed(self) -> None:
        """Count an inline commit; every ``_CHECKPOINT_EVERY`` of them, checkpoint the WAL in the worker."""
        self._since_checkpoint += 1
        if self._since_checkpoint >= _CHECKPOINT_EVERY and self._checkpointing is None:
            self._since_checkpoint = 0
            self._checkpointing = self._writer_worker.submit(self._checkpoint)
            self._checkpointing.add_done_callback(self._checkpoint_done)

    def _waiting(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` on the inline connection, waiting up to ``_LOCK_WAIT`` for the write lock (run
        it in the writer thread: the loop never waits for the lock)."""
        conn = self._conn
        assert conn is not None
        conn.execute(f"PRAGMA busy_timeout={int(_LOCK_WAIT * 1000)}")
        try:
            return fn(*args)
        finally:
            conn.execute("PRAGMA busy_timeout=0")

    def _transient(self, exc: BaseException | None) -> bool:
        # Locked, busy, disk I/O, full, cannot open: the file, not a record (those are DataError,
        # IntegrityError, InterfaceError for a value that cannot be bound, …).
        return isinstance(exc, sqlite3.OperationalError) or super()._transient(exc)

    def _checkpoint(self) -> None:
        if self._checkpointer is None:
            self._checkpointer = connect_sqlite(self.path, timeout=_RESTART_WAIT)
        _, frames, _ = self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= _RESTART_FRAMES:
            self._checkpointer.execute("PRAGMA wal_checkpoint(RESTART)")

    def _checkpoint_done(self, fut: asyncio.Future[Any]) -> None:
        self._checkpointing = None
        if not fut.cancelled() and fut.exception() is not None:
            log.warning("audit WAL checkpoint failed: %s", fut.exception())

    def _query_sync(self, flt: AuditFilter) -> list[dict[str, Any]]:
        if self._reader is None:
            self._reader = connect_sqlite(self.path)
        where, params = flt.sql_where("?")
        order = "ASC" if flt.after_id is not None else "DESC"
        sql = f"SELECT id, {_COLUMNS} FROM audit{where} ORDER BY id {order} LIMIT ?"
        rows = self._reader.execute(sql, [*params, flt.limit]).fetchall()
        if order == "DESC":
            rows.reverse()
        return [_to_dict(r) for r in rows]

    async def _query(self, flt: AuditFilter) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._run_reader(self._query_sync, flt)
        return result

    def _prune_chunk(self, before: float) -> int:
        conn = self._conn
        assert conn is not None
        return conn.execute(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE time < ? ORDER BY id LIMIT ?)",
            (before, _PRUNE_CHUNK),
        ).rowcount

    async def _prune(self, before: float) -> int:
        # In chunks, so writes (on the loop or in the worker) are never held up for long.
        removed = 0
        while True:
            n: int = await (
                self._run_writer(self._waiting, self._prune_chunk, before)
                if self._inline
                else self._run_writer(self._prune_chunk, before)
            )
            removed += n
            if n < _PRUNE_CHUNK:
                return removed

    def _close_sync(self, *conns: sqlite3.Connection | None) -> None:
        for conn in conns:
            if conn is not None:
                conn.close()

    async def _close(self) -> None:
        if self._checkpointing is not None:
            await asyncio.wait([self._checkpointing])
        await self._run_writer(self._close_sync, self._conn, self._checkpointer)
        await self._run_reader(self._close_sync, self._reader)
        self._conn = self._reader = self._checkpointer = None
        self._writer_worker.close()
        self._reader_worker.close()
