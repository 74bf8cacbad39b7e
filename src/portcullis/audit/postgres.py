"""The PostgreSQL audit backend (``postgresql://…``), through asyncpg.

A group commit is one transaction with a prepared ``INSERT`` pipelined for every record (asyncpg's
``executemany``), so a batch costs about one round trip and is all-or-nothing;
PostgreSQL's commit (``synchronous_commit`` on, its default) makes it durable before ``write()`` returns.
Several gateway replicas can share the table.

With a spool folder (``audit_options.spool``, on by default for this backend), a database that is down
or slower than ``commit_timeout`` does not stop the gateway: records go to a local, fsynced spool and
are replayed in order when it answers again (``audit.spooled``). Each record carries a ``record_id``
the table keeps unique, so a record sent twice is stored once.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from portcullis._plumbing.store_url import safe_url
from portcullis.audit.log import AuditLog, Row
from portcullis.audit.query import AuditFilter
from portcullis.audit.record import FIELDS, record_to_dict
from portcullis.audit.redact import Redactor
from portcullis.audit.spool import Spool
from portcullis.audit.spooled import SpooledCommits

__all__ = ["PostgresAuditLog"]

_COLUMNS = (
    "time",
    "grant_name",
    "session",
    "server",
    "tool",
    "arguments",
    "decision",
    "rule",
    "reason",
    "approval_id",
    "approver",
    "latency_ms",
    "outcome",
    "shadow",
)
_NAMES = FIELDS[1:]  # the stored fields after the time, as every backend names them
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_CONNECT_TIMEOUT = 10.0
# Errors about the server or the connection, not about a record: a commit failing so is retried whole.
_STORE_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TransactionRollbackError,
)


def _schema(table: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS {table} (
    id BIGSERIAL PRIMARY KEY,
    time TIMESTAMPTZ NOT NULL,
    grant_name TEXT,
    session TEXT NOT NULL,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    arguments JSONB NOT NULL,
    decision TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    approval_id TEXT,
    approver TEXT,
    latency_ms DOUBLE PRECISION,
    outcome TEXT NOT NULL,
    shadow TEXT
);
CREATE INDEX IF NOT EXISTS {table}_time ON {table} (time);
CREATE INDEX IF NOT EXISTS {table}_tool ON {table} (tool, time);
ALTER TABLE {table} ADD COLUMN IF NOT EXISTS record_id TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS {table}_record_id ON {table} (record_id);
ALTER TABLE {table} ADD COLUMN IF NOT EXISTS shadow TEXT;
"""


class PostgresAuditLog(AuditLog):
    """Audit records in a PostgreSQL table (``portcullis_audit`` unless told otherwise)."""

    def __init__(
        self,
        dsn: str,
        redactor: Redactor,
        *,
        table: str = "portcullis_audit",
        spool: Path | None = None,
        commit_timeout: float = 5.0,
        **options: Any,
    ) -> None:
        super().__init__(redactor, **options)
        if not _IDENT.match(table):
            raise ValueError(f"not a plain SQL table name: {table!r}")
        self.dsn = dsn
        self.url = safe_url(dsn)  # never show a password
        self.table = table
        self._pool: asyncpg.Pool | None = None
        marks = ", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 2))
        self._insert = (
            f"INSERT INTO {table} (record_id, {', '.join(_COLUMNS)}) VALUES ({marks}) "
            "ON CONFLICT (record_id) DO NOTHING"
        )
        self.spooled: SpooledCommits | None = None
        if spool is not None:
            self.spooled = SpooledCommits(
                Spool(spool), self._insert_records, self._transient, commit_timeout=commit_timeout, describe=self.url
            )

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=4, command_timeout=30, timeout=_CONNECT_TIMEOUT
        )
        async with self._pool.acquire() as conn, conn.transaction():
            # Serialise schema creation between replicas starting together.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", self.table)
            await conn.execute(_schema(self.table))
        if self.spooled is not None:
            self.spooled.spool.open()
            self.spooled.start()

    async def _commit(self, rows: list[Row]) -> None:
        records = [(os.urandom(12).hex(), *row) for row in rows]
        if self.spooled is not None:
            await self.spooled.commit(records)
        else:
            await self._insert_records(records)

    def backlog(self) -> dict[str, Any] | None:
        if self.spooled is None:
            return None
        spool = self.spooled.spool
        age = None if spool.oldest is None else round(max(0.0, time.time() - spool.oldest), 3)
        return {"records": spool.backlog, "oldest_age_seconds": age, "replayed": self.spooled.replayed}

    async def _insert_records(self, records: Sequence[Sequence[Any]]) -> None:
        """Insert ``records`` (each: record id, then the row) in one transaction."""
        assert self._pool is not None
        # A record spooled by an older version lacks the columns added since (shadow): they are NULL.
        missing = [None] * (len(_COLUMNS) + 1)
        values = [(r[0], datetime.fromtimestamp(r[1], UTC), *r[2:], *missing[len(r) :]) for r in records]
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.executemany(self._insert, values)

    def _transient(self, exc: BaseException | None) -> bool:
        if isinstance(exc, _STORE_ERRORS):
            return True
        # Client-side errors (the pool is closing, the connection was lost), except invalid input.
        return (isinstance(exc, asyncpg.InterfaceError) and not isinstance(exc, ValueError)) or super()._transient(exc)

    async def _query(self, flt: AuditFilter) -> list[dict[str, Any]]:
        assert self._pool is not None
        where, params = flt.sql_where("$", "to_timestamp({})")
        order = "ASC" if flt.after_id is not None else "DESC"
        params.append(flt.limit)
        sql = (
            f"SELECT id, extract(epoch FROM time)::float8 AS t, {', '.join(_COLUMNS[1:])} "
            f"FROM {self.table}{where} ORDER BY id {order} LIMIT ${len(params)}"
        )
        rows = await self._pool.fetch(sql, *params)
        if order == "DESC":
            rows.reverse()
        out = []
        for row in rows:
            values = dict(zip(_NAMES, tuple(row)[2:], strict=True))
            values["arguments"] = orjson.loads(values["arguments"])
            out.append(record_to_dict(row["id"], row["t"], values))
        return out

    async def _prune(self, before: float) -> int:
        assert self._pool is not None
        status = await self._pool.execute(f"DELETE FROM {self.table} WHERE time < to_timestamp($1)", before)
        return int(status.split()[-1])

    async def _close(self) -> None:
        if self.spooled is not None:
            await self.spooled.close()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
