"""Commits to a remote audit database that survive its outages: direct while it answers, spooled when not.

``SpooledCommits.commit(records)`` inserts into the database within ``commit_timeout``; when the
database is down or slow (a *transient* error, or the timeout) the records go to the local ``Spool``
instead and the call is answered. While a backlog exists, new records go behind it, so the database
receives every record in the order the gateway committed it. A replayer task drains the backlog as
soon as the database answers again, backing off while it does not. Each record carries an id the
database keeps unique (``INSERT … ON CONFLICT DO NOTHING``), so a record sent twice — a direct insert
that timed out after the database had taken it, a replay cut short by a crash — is stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from portcullis.audit.spool import Spool

__all__ = ["SpooledCommits"]

log = logging.getLogger("portcullis.audit")

Insert = Callable[[Sequence[Sequence[Any]]], Awaitable[None]]
_REPLAY_BATCH = 500
_BACKOFF = (0.2, 5.0)  # first and longest wait between replays while the database does not answer


class SpooledCommits:
    """Direct inserts with a spool behind them. ``start()`` on a running loop; ``close()`` at the end."""

    def __init__(
        self,
        spool: Spool,
        insert: Insert,
        transient: Callable[[BaseException], bool],
        *,
        commit_timeout: float = 5.0,
        describe: str = "the audit database",
    ) -> None:
        self.spool = spool
        self.insert = insert
        self.transient = transient
        self.commit_timeout = commit_timeout
        self.describe = describe
        self.replayed = 0  # records moved from the spool to the database
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._outage_logged = False

    def start(self) -> None:
        """Begin replaying what an earlier process left in the spool, if anything."""
        if self._task is None:
            self._task = asyncio.create_task(self._replay_loop(), name="portcullis-audit-replay")
        if self.spool.backlog:
            log.warning("audit spool %s holds %d record(s): replaying them", self.spool.path, self.spool.backlog)
            self._wake.set()

    async def commit(self, records: Sequence[Sequence[Any]]) -> None:
        """Store ``records`` (each: id, then row) durably: in the database, or else in the spool."""
        if self.spool.backlog:
            self._to_spool(records)  # keep the order: behind what is waiting already
            return
        try:
            await self._insert_within(records)
        except Exception as exc:
            if not self.transient(exc):
                raise  # a record the database refuses: the audit log splits the batch and retries
            if not self._outage_logged:
                log.warning(
                    "%s does not answer (%s): audit records go to the spool %s until it does",
                    self.describe,
                    str(exc) or type(exc).__name__,
                    self.spool.path,
                )
                self._outage_logged = True
            self._to_spool(records)

    async def _insert_within(self, records: Sequence[Sequence[Any]]) -> None:
        """``insert`` bounded by ``commit_timeout``; raises ``TimeoutError`` past it.

        Not ``asyncio.wait_for``: it waits for the cancelled insert to finish, and a driver cleaning up
        after a cancelled query (a rollback, a connection reset) can hang as long as the database does.
        The insert is cancelled and left to end on its own; a late commit of it is harmless, since
        the record ids are unique."""
        task = asyncio.ensure_future(self.insert(records))
        done, _ = await asyncio.wait({task}, timeout=self.commit_timeout)
        if task in done:
            task.result()
            return
        task.cancel()
        task.add_done_callback(_ignore_outcome)
        raise TimeoutError(f"no answer within {self.commit_timeout:g}s")

    def _to_spool(self, records: Sequence[Sequence[Any]]) -> None:
        self.spool.append(records)  # an OSError here is transient to the audit log: retried, then reported
        self._wake.set()

    async def _replay_loop(self) -> None:
        wait = _BACKOFF[0]
        while True:
            if not self.spool.backlog:
                await self._wake.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()
            wait = _BACKOFF[0] if await self.drain() else min(wait * 2, _BACKOFF[1])

    async def drain(self, deadline: float | None = None) -> bool:
        """Replay the spool into the database, oldest first; ``False`` when the database failed."""
        while self.spool.backlog and (deadline is None or time.monotonic() < deadline):
            records, end = self.spool.peek(_REPLAY_BATCH)
            if not records:
                return True
            try:
                await self._insert_within(records)
            except Exception as exc:
                if self.transient(exc):
                    return False
                if not await self._one_by_one(records, exc):
                    return False
            self.spool.consumed(end, len(records))
            self.replayed += len(records)
            if not self.spool.backlog:
                log.warning("audit spool replayed: %s has every record again", self.describe)
                self._outage_logged = False
        return not self.spool.backlog

    async def _one_by_one(self, records: Sequence[Sequence[Any]], first: BaseException) -> bool:
        """A batch the database refused: replay its records alone; one refused alone is set aside in
        the spool's ``.rejected`` file (logged), so it never holds back the records behind it."""
        log.error("audit spool replay: %s refused a batch (%s); replaying it record by record", self.describe, first)
        for record in records:
            try:
                await self._insert_within([record])
            except Exception as exc:
                if self.transient(exc):
                    return False
                self.spool.reject(record)
                log.error(
                    "audit record %s set aside in %s: %s refused it (%s)",
                    record[0],
                    self.spool.path,
                    self.describe,
                    exc,
                )
        return True

    async def close(self, drain_for: float = 5.0) -> None:
        """Stop replaying (after one last try, bounded by ``drain_for`` seconds); keep the rest on disk."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.spool.backlog:
            with contextlib.suppress(Exception):
                await self.drain(time.monotonic() + drain_for)
        if self.spool.backlog:
            log.warning("audit spool %s keeps %d record(s) for the next start", self.spool.path, self.spool.backlog)
        self.spool.close()


def _ignore_outcome(task: asyncio.Future[None]) -> None:
    """Collect the outcome of an insert given up on, so it is never reported as unretrieved."""
    if not task.cancelled():
        task.exception()
