"""Open a SQLite file the one Portcullis way, and run a write transaction on it.

Every store that keeps state in SQLite (audit, approvals, counters, pins) opens its file here: the
folder is created, the connection is in autocommit mode (``isolation_level=None``, so transactions
are explicit), usable from any thread, WAL (readers never block the writer, other processes such as
the CLI share the file), ``synchronous`` as asked and a busy timeout. ``immediate`` is the write
transaction: ``BEGIN IMMEDIATE`` takes the write lock up front, so concurrent writers serialise
instead of failing half-way.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

__all__ = ["MEMORY", "Sync", "connect", "immediate"]

MEMORY = ":memory:"
Sync = Literal["normal", "full"]


def _as_is(value: None) -> None:
    return value


# None needs no adapting, yet Python 3.11's sqlite3 looks for an adapter for each None it binds the slow
# way: two failed attribute look-ups on None, each AttributeError formatted and dropped (about 0.5 µs a
# value; an audit record binds four). One registered for None is found in the adapters' dict at once and
# gives the None back, bound as NULL as before. (Process-wide: it changes nothing for any other user.)
sqlite3.register_adapter(type(None), _as_is)


def connect(
    path: str | Path, *, timeout: float = 10.0, sync: Sync = "normal", case_sensitive_like: bool = False
) -> sqlite3.Connection:
    """A connection to ``path`` (``:memory:`` too): autocommit, any thread, WAL, ``synchronous``, busy timeout.

    ``sync="normal"``: a commit is in the WAL before it returns (a killed process loses nothing, a power cut
    may lose the last commits); ``"full"`` fsyncs every commit too. Raises ``sqlite3.Error`` or ``OSError``.
    """
    if str(path) != MEMORY:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=timeout)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if sync == 'full' else 'NORMAL'}")
        if case_sensitive_like:
            conn.execute("PRAGMA case_sensitive_like=ON")
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any error (a failed ``COMMIT`` too) rolls back and is raised.

    The body may end the transaction itself (``ROLLBACK`` to give up quietly): nothing is committed then.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        if conn.in_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
