"""One way to open a SQLite file, and the write transaction every store uses."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from portcullis._plumbing.sqlite import MEMORY, connect, immediate


def _pragma(conn: sqlite3.Connection, name: str) -> object:
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_connect_makes_the_folder_and_sets_wal_and_sync(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.db"
    conn = connect(path, timeout=3.0)
    try:
        assert path.exists()
        assert _pragma(conn, "journal_mode") == "wal"
        assert _pragma(conn, "synchronous") == 1  # NORMAL
        assert _pragma(conn, "busy_timeout") == 3000
        assert conn.isolation_level is None  # autocommit: transactions are explicit
    finally:
        conn.close()
    full = connect(path, sync="full", case_sensitive_like=True)
    try:
        assert _pragma(full, "synchronous") == 2  # FULL
        assert full.execute("SELECT 'abc' LIKE 'ABC'").fetchone()[0] == 0
    finally:
        full.close()


def test_like_is_case_insensitive_unless_asked(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    try:
        assert conn.execute("SELECT 'abc' LIKE 'ABC'").fetchone()[0] == 1
    finally:
        conn.close()


def test_connect_works_in_memory() -> None:
    conn = connect(MEMORY)
    try:
        conn.execute("CREATE TABLE t (v)")
        with immediate(conn):
            conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    finally:
        conn.close()


def test_immediate_commits_for_other_connections(tmp_path: Path) -> None:
    writer, reader = connect(tmp_path / "x.db"), connect(tmp_path / "x.db")
    try:
        writer.execute("CREATE TABLE t (v)")
        with immediate(writer) as db:
            assert db is writer and writer.in_transaction
            db.execute("INSERT INTO t VALUES (1)")
        assert not writer.in_transaction
        assert reader.execute("SELECT v FROM t").fetchall() == [(1,)]
    finally:
        writer.close()
        reader.close()


def test_immediate_rolls_back_on_error(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    try:
        conn.execute("CREATE TABLE t (v)")
        with pytest.raises(RuntimeError), immediate(conn):
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
        assert not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    finally:
        conn.close()


def test_immediate_leaves_a_rollback_of_the_body_alone(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    try:
        conn.execute("CREATE TABLE t (v)")
        with immediate(conn):
            conn.execute("INSERT INTO t VALUES (1)")
            conn.execute("ROLLBACK")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    finally:
        conn.close()


def test_immediate_takes_the_write_lock_up_front(tmp_path: Path) -> None:
    first, second = connect(tmp_path / "x.db"), connect(tmp_path / "x.db", timeout=0.05)
    try:
        with immediate(first), pytest.raises(sqlite3.OperationalError, match="locked"), immediate(second):
            pass  # pragma: no cover - BEGIN IMMEDIATE of the second connection fails first
        assert not second.in_transaction
    finally:
        first.close()
        second.close()


def test_none_is_still_bound_as_null(tmp_path: Path) -> None:
    """The adapter registered for None (a shortcut past sqlite3's slow search) binds SQL NULL, as before."""
    conn = connect(tmp_path / "t.db")
    try:
        conn.execute("CREATE TABLE t (a, b TEXT NOT NULL DEFAULT 'x')")
        conn.execute("INSERT INTO t (a) VALUES (?)", (None,))
        assert conn.execute("SELECT a IS NULL, typeof(a) FROM t").fetchone() == (1, "null")
        assert conn.execute("SELECT count(*) FROM t WHERE a = ?", (None,)).fetchone() == (0,)  # NULL = NULL is not true
    finally:
        conn.close()
