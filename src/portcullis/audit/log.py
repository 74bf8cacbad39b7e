"""``AuditLog``: the backend-independent part of the audit trail — redaction, group commit, retention.

``write()`` returns only once its record is committed, so the gateway answers an agent after the record
is durable. It does not serialise the hot path: records from calls in flight at the same time are
queued and committed together by one writer task (group commit), so N concurrent calls cost about one
commit, not N. A failed commit is retried, then reported to every waiting caller as ``StoreUnavailable``
— a record is never dropped silently.

Backends subclass ``AuditLog`` and implement ``_commit`` (one batch, all-or-nothing), ``_query``,
``_prune`` and ``_close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from typing import Any

import orjson

from portcullis.audit.query import AuditFilter
from portcullis.audit.record import AuditRecord
from portcullis.audit.redact import Redactor
from portcullis.errors import StoreUnavailable

__all__ = ["AuditLog", "Row"]

log = logging.getLogger("portcullis.audit")

# (time, grant, session, server, tool, arguments_json, decision, rule, reason, approval_id, approver,
#  latency_ms, outcome)
Row = tuple[float, str | None, str, str, str, str, str, str, str, str | None, str | None, float | None, str]

_RETRIES = (0.05, 0.25, 1.0)
_PRUNE_EVERY = 3600.0


class AuditLog(ABC):
    """The audit trail. Use ``open_audit(url, redact)`` to get one."""

    url: str
    # Backends whose commit does not wait on anything (SQLite and JSONL without fsync) commit a lone
    # record in the caller's own task: no hop to the writer task, which matters at one call at a time.
    inline_commits = False

    def __init__(self, redactor: Redactor, *, max_batch: int = 1000, retention_days: float | None = None) -> None:
        self.redactor = redactor
        self.max_batch = max_batch
        self.retention_days = retention_days
        self.commits = 0  # batches committed (a group commit covers every record queued while the last one ran)
        self.written = 0  # records committed
        self._queue: list[tuple[Row, asyncio.Future[None]]] = []
        self._wakeup: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._closed = False
        self._busy = False  # a commit is under way (inline or in the writer task)

    # -- writing --------------------------------------------------------------------------------
    def row(self, record: AuditRecord) -> Row:
        """The stored form of a record: arguments redacted and serialised."""
        arguments = orjson.dumps(self.redactor.arguments(record.arguments)).decode()
        return (record.time, record.grant, record.session, record.server, record.tool, arguments,
                record.decision, record.rule, self.redactor.text(record.reason), record.approval_id,
                record.approver, record.latency_ms, record.outcome)

    async def write(self, record: AuditRecord) -> None:
        """Store ``record``; returns once it is committed (together with any others in flight)."""
        if self._closed:
            raise StoreUnavailable("the audit log is closed", "the gateway is shutting down")
        row = self.row(record)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((row, fut))
        if self.inline_commits:
            if self._busy:  # a commit is being led (or the writer runs): it takes this record too
                await fut
            else:
                await self._lead(fut)
            return
        if self._writer is None or self._wakeup is None:
            self._wakeup = asyncio.Event()
            self._writer = asyncio.create_task(self._write_loop(), name="portcullis-audit-writer")
        self._wakeup.set()
        # A cancelled caller cancels only its future: the row stays queued and is committed with its batch.
        await fut

    async def _lead(self, mine: asyncio.Future[None]) -> None:
        """Group commit without a writer task: this caller commits the queue (its record and every
        record of the calls that finished in the same turn of the event loop), then returns."""
        self._busy = True
        try:
            await asyncio.sleep(0)  # let the other calls finishing now queue theirs
            await self._commit_queue()
        finally:
            self._busy = False
            if self._queue:  # cancelled before committing: the writer task takes over what is queued
                self._ensure_writer()
        await mine

    def _ensure_writer(self) -> None:
        if self._writer is None or self._wakeup is None or self._writer.done():
            self._wakeup = asyncio.Event()
            self._writer = asyncio.create_task(self._write_loop(), name="portcullis-audit-writer")
        self._wakeup.set()

    async def _commit_queue(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            try:
                error = await self._commit_with_retries([row for row, _ in batch])
            except asyncio.CancelledError:
                # The leading caller was cancelled (mid-retry): its batch goes back for the writer task.
                self._queue[:0] = batch
                raise
            for _, fut in batch:
                if fut.done():
                    continue
                if error is None:
                    fut.set_result(None)
                else:
                    fut.set_exception(error)

    async def _write_loop(self) -> None:
        assert self._wakeup is not None
        while True:
            if self._closed and not self._queue:
                return
            await self._wakeup.wait()
            self._wakeup.clear()
            if self._busy:
                continue  # a caller is leading a commit; it takes what is queued
            self._busy = True
            try:
                await self._commit_queue()
            finally:
                self._busy = False

    async def _commit_with_retries(self, rows: list[Row]) -> StoreUnavailable | None:
        last: BaseException | None = None
        for delay in (*_RETRIES, None):
            try:
                await self._commit(rows)
            except Exception as exc:  # a backend error of any kind: retry, then report
                last = exc
                log.warning("audit commit of %d record(s) failed: %s", len(rows), exc)
                if delay is None:
                    break
                await asyncio.sleep(delay)
            else:
                self.commits += 1
                self.written += len(rows)
                return None
        return StoreUnavailable(f"the audit log {self.url} cannot be written: {last}",
                                "check that the audit database is reachable and has space")

    # -- reading and retention ------------------------------------------------------------------
    async def query(self, **filters: Any) -> list[dict[str, Any]]:
        """Records matching ``filters`` (fields of ``AuditFilter``), oldest first.

        Without ``after_id``: the newest ``limit`` records. With ``after_id``: the next ``limit`` after it.
        """
        return await self._query(AuditFilter(**filters))

    async def prune(self, before: float) -> int:
        """Delete records older than ``before`` (epoch seconds); returns how many went."""
        return await self._prune(before)

    def start_retention(self) -> None:
        """Prune records older than ``retention_days`` now and every hour (needs a running loop)."""
        if self.retention_days is not None and self._pruner is None:
            self._pruner = asyncio.create_task(self._prune_loop(self.retention_days * 86400.0))

    async def _prune_loop(self, keep: float) -> None:
        while True:
            try:
                removed = await self._prune(time.time() - keep)
                if removed:
                    log.info("audit retention removed %d record(s)", removed)
            except Exception as exc:  # retention must never take the gateway down
                log.warning("audit retention failed: %s", exc)
            await asyncio.sleep(_PRUNE_EVERY)

    async def close(self) -> None:
        """Commit what is queued, then release the backend."""
        if self._closed:
            return
        self._closed = True
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner
        for _ in range(500):  # a caller leading a commit finishes it (bounded: 5 s)
            if not self._busy:
                break
            await asyncio.sleep(0.01)
        if self._writer is not None and self._wakeup is not None:
            self._wakeup.set()  # the writer commits what is queued or in flight, then returns
            await self._writer
        if self._queue:
            await self._commit_queue()
        await self._close()

    # -- backend --------------------------------------------------------------------------------
    @abstractmethod
    async def _commit(self, rows: list[Row]) -> None:
        """Store every row durably, all or none."""

    @abstractmethod
    async def _query(self, flt: AuditFilter) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def _prune(self, before: float) -> int: ...

    @abstractmethod
    async def _close(self) -> None: ...
