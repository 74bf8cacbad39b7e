"""``AuditLog``: the backend-independent part of the audit trail — redaction, group commit, retention.

``write()`` returns only once its record is committed, so the gateway answers an agent after the record
is durable. It does not serialise the hot path: records from calls in flight at the same time are
queued and committed together by one writer task (group commit), so N concurrent calls cost about one
commit, not N. SQLite and JSON Lines need no writer task: the first caller of a turn of the event loop
leads the commit, waiting a turn (more while records keep arriving, ``_GATHER_TURNS``) for the others.
Every text is made storable first (``storable``), so no input breaks a commit. If a backend still
refuses a batch, it is split until the refused record is alone, so the others are committed; a store
that is down is retried with a backoff. A record that cannot be written is reported to its own caller
as ``StoreUnavailable`` — never dropped silently.

Backends subclass ``AuditLog`` and implement ``_commit`` (one batch, all-or-nothing), ``_query``,
``_prune`` and ``_close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import orjson

from portcullis.audit.query import AuditFilter
from portcullis.audit.record import AuditRecord
from portcullis.audit.redact import Redactor
from portcullis.audit.storable import plain_text, storable, storable_json
from portcullis.errors import StoreUnavailable

__all__ = ["UNSTORABLE", "AuditLog", "Head", "Row"]

log = logging.getLogger("portcullis.audit")

# (time, grant, session, server, tool, arguments_json, decision, rule, reason, approval_id, approver,
#  latency_ms, outcome, shadow_json)
Row = tuple[float, str | None, str, str, str, str, str, str, str, str | None, str | None, float | None, str, str | None]
# The fields of a row known before the call ends (time … approver); ``AuditLog.head``.
Head = tuple[float, str | None, str, str, str, str, str, str, str, str | None, str | None]

_RETRIES = (0.05, 0.25, 1.0)
_GATHER_TURNS = 4  # turns a leading caller waits at most for more records to join its commit
_PRUNE_EVERY = 3600.0
UNSTORABLE = "unstorable_arguments"  # the key of arguments kept as text when no backend took them as JSON


@dataclass(eq=False)
class _Entry:
    """One queued record: its row, its writer's future, and how its commit went."""

    row: Row
    fut: asyncio.Future[None]
    committed: bool = False
    error: BaseException | None = None


def _text(value: str | None) -> str | None:
    return None if value is None else storable(value)


def _plain_row(row: Row) -> Row:
    """``row`` in printable ASCII, the arguments kept as one string: what a backend that refused a
    record as it was is offered last."""
    texts = [plain_text(v) if isinstance(v, str) else v for v in row]
    texts[5] = orjson.dumps({UNSTORABLE: plain_text(row[5])}).decode()
    plain: Row = tuple(texts)  # type: ignore[assignment]
    return plain


class AuditLog(ABC):
    """The audit trail. Use ``open_audit(url, redact)`` to get one (or ``audit_log``, then ``open_audit_log``)."""

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
        self._queue: list[_Entry] = []
        self._wakeup: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._closed = False
        self._busy = False  # a commit is under way (inline or in the writer task)

    # -- writing --------------------------------------------------------------------------------
    def head(self, record: AuditRecord) -> Head:
        """The stored fields of a record known before its call ends (``time`` … ``approver``): arguments
        redacted and serialised, every text ``storable``. Never raises: whatever an agent sent, it is built."""
        redacted = self.redactor.arguments(record.arguments)
        try:
            arguments = orjson.dumps(redacted)
        except (orjson.JSONEncodeError, TypeError):
            arguments = b""
        if not arguments or arguments.find(b"\\u0000") >= 0:  # a NUL (or not JSON): the slow, safe way (find: `in`
            # on bytes tries the operand as an int first, and makes and drops a TypeError)
            try:
                arguments = orjson.dumps(storable_json(redacted), default=repr)
            except (orjson.JSONEncodeError, TypeError):
                arguments = orjson.dumps({UNSTORABLE: plain_text(repr(redacted))})
        return (
            record.time,
            _text(record.grant),
            storable(record.session),
            storable(record.server),
            storable(record.tool),
            arguments.decode(),
            storable(record.decision),
            storable(record.rule),
            storable(self.redactor.text(record.reason)),
            _text(record.approval_id),
            _text(record.approver),
        )

    def row(self, record: AuditRecord) -> Row:
        """The stored form of a record: its ``head``, then how the call ended."""
        return self.complete(self.head(record), record.latency_ms, record.outcome, record.shadow)

    def complete(self, head: Head, latency_ms: float | None, outcome: str, shadow: dict[str, Any] | None) -> Row:
        """The stored form of a record from its ``head`` (built earlier: while the call was upstream) and
        how the call ended."""
        return (
            *head,
            latency_ms,
            storable(outcome),
            None if shadow is None else storable(orjson.dumps(shadow).decode()),
        )

    def write(self, record: AuditRecord, *, alone: bool = False) -> Coroutine[Any, Any, None]:
        """Store ``record`` (``write_row`` of its ``row``; awaited)."""
        return self.write_row(self.row(record), alone=alone)

    async def write_row(self, row: Row, *, alone: bool = False) -> None:
        """Store a record's ``row``; returns once it is committed (together with any others in flight).

        ``alone``: the caller knows no other record is on its way (no other call in flight), so an
        inline commit starts at once instead of waiting a turn of the event loop for others to join.

        Raises ``StoreUnavailable`` when the record could not be written (the store is down, or it
        refused this record even in its plain form); other records are not held back by it."""
        if self._closed:
            raise StoreUnavailable("the audit log is closed", "the gateway is shutting down")
        if alone and not self._busy and not self._queue and self._commit_now(row):
            self.commits += 1
            self.written += 1
            return
        entry = _Entry(row, asyncio.get_running_loop().create_future())
        self._queue.append(entry)
        if self.inline_commits:
            if self._busy:  # a commit is being led (or the writer runs): it takes this record too
                await entry.fut
            else:
                await self._lead(entry.fut, alone)
            return
        if self._writer is None or self._wakeup is None:
            self._wakeup = asyncio.Event()
            self._writer = asyncio.create_task(self._write_loop(), name="portcullis-audit-writer")
        self._wakeup.set()
        # A cancelled caller cancels only its future: the row stays queued and is committed with its batch.
        await entry.fut

    def _commit_now(self, row: Row) -> bool:
        """Commit one record at once, on the event loop, when the backend can without waiting (an inline
        commit that needs no retry, no split, no wait for a lock); ``False``: nothing was written, and the
        record goes the queued way, which retries, splits and reports. The backends that commit inline
        override this."""
        return False

    async def _lead(self, mine: asyncio.Future[None], alone: bool) -> None:
        """Group commit without a writer task: this caller commits the queue (its record and every
        record of the calls that finished in the same turn of the event loop), then returns."""
        self._busy = True
        try:
            if not alone:
                await self._gather()
            await self._commit_queue()
        finally:
            self._busy = False
            if self._queue:  # cancelled before committing: the writer task takes over what is queued
                self._ensure_writer()
        await mine

    async def _gather(self) -> None:
        """Let the other calls finishing now queue their records: one turn of the event loop, and more
        (up to ``_GATHER_TURNS``) while each turn brings more records — under load a bigger batch for
        the same commit; a lone call waits one turn only."""
        queued = len(self._queue)
        for _ in range(_GATHER_TURNS):
            await asyncio.sleep(0)
            if len(self._queue) == queued or len(self._queue) >= self.max_batch:
                return
            queued = len(self._queue)

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
                await self._commit_batch(batch)
            except asyncio.CancelledError:
                # The leading caller was cancelled (mid-retry): what is not committed yet goes back for
                # the writer task.
                self._queue[:0] = [e for e in batch if not e.committed]
                raise

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

    async def _commit_batch(self, batch: list[_Entry]) -> None:
        """Commit ``batch``, answering each record's writer as soon as its record is committed.

        A batch the backend refuses is split in halves until the refused record is alone, so one
        record never takes the others down. While the store itself is failing (``_transient``), what
        is left is retried with a backoff. A record still refused alone is tried once more in its
        plain form (printable ASCII); if that fails too, its writer gets ``StoreUnavailable``."""
        failed = await self._attempt(batch)
        for delay in _RETRIES:
            waiting = [e for e in failed if self._transient(e.error)]
            if not waiting:
                break
            refused = [e for e in failed if not self._transient(e.error)]
            await asyncio.sleep(delay)
            failed = refused + await self._attempt(waiting)
        for entry in failed:
            if not self._transient(entry.error):
                plain = _Entry(_plain_row(entry.row), entry.fut)
                if not await self._attempt([plain]):
                    entry.committed = True
                    log.error(
                        "audit record of %s/%s stored in plain form: the store refused it as it was (%s)",
                        plain.row[3],
                        plain.row[4],
                        entry.error,
                    )
                    continue
                entry.error = plain.error
            self._fail(entry)

    async def _attempt(self, entries: list[_Entry]) -> list[_Entry]:
        """One try at committing ``entries`` (split on a refused record); returns those not committed."""
        try:
            await self._commit([e.row for e in entries])
        except Exception as exc:  # a backend error of any kind: split, retry, then report
            log.warning("audit commit of %d record(s) failed: %s", len(entries), exc)
            if len(entries) == 1 or self._transient(exc):
                for entry in entries:
                    entry.error = exc
                return entries
            half = len(entries) // 2
            return [*await self._attempt(entries[:half]), *await self._attempt(entries[half:])]
        self.commits += 1
        self.written += len(entries)
        for entry in entries:
            entry.committed = True
            if not entry.fut.done():
                entry.fut.set_result(None)
        return []

    def _fail(self, entry: _Entry) -> None:
        if self._transient(entry.error):
            error = StoreUnavailable(
                f"the audit log {self.url} cannot be written: {entry.error}",
                "check that the audit database is reachable and has space",
            )
        else:
            error = StoreUnavailable(
                f"the audit log {self.url} refused this call's record: {entry.error}",
                "the other calls' records were written; this call is reported in the log "
                "and counted in portcullis_audit_errors_total",
            )
        if not entry.fut.done():
            entry.fut.set_exception(error)

    def _transient(self, exc: BaseException | None) -> bool:
        """Whether ``exc`` is about the store (down, full, locked, timed out) rather than about a record.

        Backends add their own driver's errors; anything else counts as a refused record."""
        return isinstance(exc, (OSError, TimeoutError))

    def backlog(self) -> dict[str, Any] | None:
        """Records waiting in a local spool for the database (``records``, ``oldest_age_seconds``,
        ``replayed``), or None for a backend without a spool."""
        return None

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
    async def open(self) -> None:  # noqa: B027 - a backend with nothing to connect keeps it
        """Connect and create what the backend needs (``audit.open_audit_log`` calls it)."""

    @abstractmethod
    async def _commit(self, rows: list[Row]) -> None:
        """Store every row durably, all or none."""

    @abstractmethod
    async def _query(self, flt: AuditFilter) -> list[dict[str, Any]]: ...

    @abstractmethod
    async def _prune(self, before: float) -> int: ...

    @abstractmethod
    async def _close(self) -> None: ...
