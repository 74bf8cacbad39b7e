"""Counters in a SQLite file: survive a restart of the gateway; one transaction per call.

Each ``acquire`` is one ``BEGIN IMMEDIATE`` transaction (read the call's counters, check them all,
write them all), so processes sharing the file also stay exact. It runs on the event loop's thread:
a local WAL commit takes tens of microseconds, less than handing the work to a thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from portcullis._plumbing import sqlite as sql
from portcullis.errors import StoreUnavailable
from portcullis.limits.model import Acquired, LimitRequest, Refused, Taken, Usage
from portcullis.limits.window import Check, State, check, released, usage

__all__ = ["SQLiteCounterStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_counters (
    key TEXT PRIMARY KEY,
    bucket INTEGER NOT NULL,
    used REAL NOT NULL,
    previous REAL NOT NULL,
    window REAL NOT NULL
) WITHOUT ROWID
"""
_UPSERT = """
INSERT INTO rate_counters (key, bucket, used, previous, window) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET bucket = excluded.bucket, used = excluded.used, previous = excluded.previous
"""
_SWEEP_EVERY = 4096


class SQLiteCounterStore:
    """A ``CounterStore`` in a SQLite database file (``:memory:`` works too, for tests)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._db = sql.connect(self.path, timeout=2.0)
            self._db.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise self._unavailable(exc) from None
        self._since_sweep = 0

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"the rate-limit store sqlite:///{self.path} is unavailable: {exc}",
            "check that the file is writable and not locked by another program",
        )

    def _read(self, keys: list[str]) -> dict[str, State]:
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(f"SELECT key, bucket, used, previous FROM rate_counters WHERE key IN ({marks})", keys)
        return {k: (b, u, p) for k, b, u, p in rows}

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (unless the body rolled back itself); any error rolls back,
        and a SQLite error becomes ``StoreUnavailable``."""
        try:
            with sql.immediate(self._db) as db:
                yield db
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        if not requests:
            return Acquired(())
        with self._transaction() as db:
            states = self._read([r.key for r in requests])
            checks: list[Check] = []
            for r in requests:
                c = check(states.get(r.key), r.window, r.aligned, r.max, r.cost, now)
                if not c.ok:
                    db.execute("ROLLBACK")
                    return Refused(r, c.used, c.retry_after)
                checks.append(c)
            db.executemany(
                _UPSERT,
                [
                    (r.key, c.bucket, c.current + r.cost, c.previous, r.window)
                    for r, c in zip(requests, checks, strict=True)
                ],
            )
        self._since_sweep += 1
        if self._since_sweep >= _SWEEP_EVERY:
            self.sweep(now)
        return Acquired(tuple(Taken(r, c.bucket) for r, c in zip(requests, checks, strict=True)))

    async def peek(self, requests: Sequence[LimitRequest], now: float) -> tuple[Usage, ...]:
        """One SELECT, no transaction and no write: the counters as another process last committed them."""
        if not requests:
            return ()
        try:
            states = self._read(list({r.key for r in requests}))
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        return tuple(Usage(r, *usage(states.get(r.key), r.window, r.aligned, now)) for r in requests)

    async def release(self, acquired: Acquired) -> None:
        if not acquired.taken:
            return
        with self._transaction() as db:
            states = self._read([t.request.key for t in acquired.taken])
            rows = []
            for t in acquired.taken:
                state = released(states.get(t.request.key), t.bucket, t.request.cost)
                if state is not None:
                    rows.append((t.request.key, *state, t.request.window))
            db.executemany(_UPSERT, rows)

    def sweep(self, now: float) -> None:
        """Delete counters whose windows have passed."""
        self._since_sweep = 0
        try:
            self._db.execute("DELETE FROM rate_counters WHERE bucket < CAST(? / window AS INTEGER) - 1", (now,))
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None

    async def close(self) -> None:
        self._db.close()
