"""Approvals in a SQLite file (table ``approvals``), shared by the gateway and the CLI in other shells.

Each operation runs in one worker thread holding one connection; changes run in ``BEGIN IMMEDIATE``
transactions, which SQLite serialises across processes. A file that cannot be opened, is locked past
the busy timeout or cannot be written raises ``StoreUnavailable`` naming it (the gateway denies).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from portcullis._plumbing import sqlite as sql
from portcullis._plumbing.worker import Worker
from portcullis.approvals.codec import from_fields, to_fields
from portcullis.approvals.model import Approval
from portcullis.errors import ApprovalClosed, ApprovalNotFound, StoreUnavailable, TooManyPending

__all__ = ["SqliteApprovalStore"]

T = TypeVar("T")

_COLUMNS = (
    "id",
    "status",
    "grant_key",
    "digest",
    "body",
    "requested_at",
    "expires_at",
    "decided_at",
    "approver",
    "comment",
    "single_use",
    "valid_until",
    "used_at",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    grant_key TEXT NOT NULL,
    digest TEXT NOT NULL,
    body TEXT NOT NULL,
    requested_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    decided_at REAL,
    approver TEXT,
    comment TEXT NOT NULL DEFAULT '',
    single_use INTEGER NOT NULL DEFAULT 1,
    valid_until REAL,
    used_at REAL
);
CREATE INDEX IF NOT EXISTS approvals_call ON approvals (grant_key, digest, requested_at);
CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, expires_at);
"""
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM approvals"


def _row(row: tuple[Any, ...] | None) -> Approval | None:
    if row is None:
        return None
    return from_fields({k: v for k, v in zip(_COLUMNS, row, strict=True) if v is not None})


def _params(a: Approval) -> list[Any]:
    f = to_fields(a)
    out: list[Any] = []
    for c in _COLUMNS:
        v = f[c]
        if c in ("requested_at", "expires_at", "decided_at", "valid_until", "used_at"):
            out.append(float(v) if v else None)
        elif c == "single_use":
            out.append(int(v))
        else:
            out.append(v)
    return out


class SqliteApprovalStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._worker = Worker("portcullis-approvals")
        self._conn: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await self._worker.run(fn, *args)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(
                f"the approval store sqlite:///{self.path} cannot be used ({exc})",
                "calls that need an approval are denied until it works; check the file and "
                "its folder (space, permissions), or fix 'store' in the config",
            ) from None

    def _db(self) -> sqlite3.Connection:
        assert self._conn is not None, "call open() first"
        return self._conn

    async def open(self) -> None:
        def go() -> None:
            self._conn = sql.connect(self.path)
            self._conn.executescript(_SCHEMA)

        await self._run(go)

    async def create(self, approval: Approval, now: float, max_pending: int | None = None) -> Approval:
        def go() -> Approval:
            with sql.immediate(self._db()) as db:
                grant = approval.grant or ""
                existing = _row(
                    db.execute(
                        f"{_SELECT} WHERE grant_key = ? AND digest = ? AND status = 'pending' AND expires_at > ? "
                        "ORDER BY requested_at DESC LIMIT 1",
                        (grant, approval.digest, now),
                    ).fetchone()
                )
                if existing is None and max_pending is not None:
                    open_now = db.execute(
                        "SELECT count(*) FROM approvals WHERE grant_key = ? AND status = 'pending' AND expires_at > ?",
                        (grant, now),
                    ).fetchone()[0]
                    if open_now >= max_pending:
                        raise TooManyPending(approval.grant, max_pending)
                if existing is None:
                    marks = ", ".join("?" for _ in _COLUMNS)
                    db.execute(f"INSERT INTO approvals ({', '.join(_COLUMNS)}) VALUES ({marks})", _params(approval))
            return existing or approval

        return await self._run(go)

    async def get(self, approval_id: str) -> Approval | None:
        return await self._run(lambda: _row(self._db().execute(f"{_SELECT} WHERE id = ?", (approval_id,)).fetchone()))

    async def latest(self, grant: str | None, digest: str) -> Approval | None:
        def go() -> Approval | None:
            return _row(
                self._db()
                .execute(
                    f"{_SELECT} WHERE grant_key = ? AND digest = ? ORDER BY requested_at DESC, rowid DESC LIMIT 1",
                    (grant or "", digest),
                )
                .fetchone()
            )

        return await self._run(go)

    async def decide(self, decided: Approval, now: float) -> Approval:
        def go() -> Approval:
            with sql.immediate(self._db()) as db:
                current = _row(db.execute(f"{_SELECT} WHERE id = ?", (decided.id,)).fetchone())
                if current is None:
                    raise ApprovalNotFound(decided.id)
                status = current.effective_status(now)
                if status != "pending":
                    raise ApprovalClosed(decided.id, status)
                p = dict(zip(_COLUMNS, _params(decided), strict=True))
                db.execute(
                    "UPDATE approvals SET status = ?, decided_at = ?, approver = ?, comment = ?, "
                    "single_use = ?, valid_until = ? WHERE id = ?",
                    (
                        p["status"],
                        p["decided_at"],
                        p["approver"],
                        p["comment"],
                        p["single_use"],
                        p["valid_until"],
                        decided.id,
                    ),
                )
            return decided

        return await self._run(go)

    async def consume(self, approval_id: str, now: float) -> bool:
        def go() -> bool:
            cur = self._db().execute(
                "UPDATE approvals SET used_at = ? WHERE id = ? AND status = 'approved' AND single_use = 1 "
                "AND used_at IS NULL AND (valid_until IS NULL OR valid_until > ?)",
                (now, approval_id, now),
            )
            return cur.rowcount == 1

        return await self._run(go)

    async def list(self, status: str | None, limit: int, now: float) -> list[Approval]:
        def go() -> list[Approval]:
            db = self._db()
            if status is None:
                rows = db.execute(f"{_SELECT} ORDER BY requested_at DESC LIMIT ?", (limit,)).fetchall()
            elif status == "pending":
                rows = db.execute(
                    f"{_SELECT} WHERE status = 'pending' AND expires_at > ? ORDER BY requested_at DESC LIMIT ?",
                    (now, limit),
                ).fetchall()
            elif status == "expired":
                rows = db.execute(
                    f"{_SELECT} WHERE status = 'pending' AND expires_at <= ? ORDER BY requested_at DESC LIMIT ?",
                    (now, limit),
                ).fetchall()
            else:
                rows = db.execute(
                    f"{_SELECT} WHERE status = ? ORDER BY requested_at DESC LIMIT ?", (status, limit)
                ).fetchall()
            return [a for a in map(_row, rows) if a is not None]

        return await self._run(go)

    async def count_pending(self, now: float) -> int:
        def go() -> int:
            row = (
                self._db()
                .execute("SELECT count(*) FROM approvals WHERE status = 'pending' AND expires_at > ?", (now,))
                .fetchone()
            )
            return int(row[0])

        return await self._run(go)

    async def close(self) -> None:
        def go() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await self._run(go)
        self._worker.close()
