"""The approval store interface; SQLite and Redis implement it (``sqlite_store``, ``redis_store``).

Every method that changes a request is atomic, so several gateway processes and the CLI can share one
store: ``create`` opens at most one pending request per (grant, digest), and at most ``max_pending``
per grant; ``decide`` decides a pending
request once; ``consume`` lets exactly one call use a single-use approval.
"""

from __future__ import annotations

from typing import Protocol

from portcullis._plumbing.store_url import is_redis_url, split_prefix
from portcullis.approvals.model import Approval
from portcullis.backends import require_backend

__all__ = ["ApprovalStore", "open_store"]


class ApprovalStore(Protocol):
    async def open(self) -> None: ...

    async def create(self, approval: Approval, now: float, max_pending: int | None = None) -> Approval:
        """Store ``approval`` — unless a request for the same grant and digest is pending at ``now``;
        then return that one instead. With ``max_pending``, raise ``TooManyPending`` rather than open
        a request beyond that many pending for the grant."""
        ...

    async def get(self, approval_id: str) -> Approval | None: ...

    async def latest(self, grant: str | None, digest: str) -> Approval | None:
        """The newest request for this grant and digest."""
        ...

    async def decide(self, decided: Approval, now: float) -> Approval:
        """Replace a request that is pending at ``now`` with ``decided`` (same id).

        Raises ``ApprovalNotFound``, or ``ApprovalClosed`` when it was already decided or has expired."""
        ...

    async def consume(self, approval_id: str, now: float) -> bool:
        """Mark a single-use approval used; ``True`` for exactly one caller."""
        ...

    async def list(self, status: str | None, limit: int, now: float) -> list[Approval]:
        """The newest requests first, optionally only those whose status at ``now`` is ``status``."""
        ...

    async def count_pending(self, now: float) -> int: ...

    async def close(self) -> None: ...


def open_store(url: str, *, key_prefix: str = "portcullis:", retain: float = 30 * 86400.0) -> ApprovalStore:
    """The store for ``url`` (``sqlite:///PATH`` or ``redis://…``); call ``await store.open()`` next."""
    if url.startswith("sqlite:///"):
        from portcullis._plumbing.store_url import url_path
        from portcullis.approvals.sqlite_store import SqliteApprovalStore

        return SqliteApprovalStore(url_path(url, "sqlite", None))
    if is_redis_url(url):
        require_backend(url, "$.store")
        from portcullis.approvals.redis_store import RedisApprovalStore

        # ?prefix= names the counters' keys; approvals have their own (approvals.key_prefix).
        return RedisApprovalStore(split_prefix(url)[0], key_prefix=key_prefix, retain=retain)
    raise ValueError(f"approvals cannot be stored in {url!r}: use sqlite:///PATH or redis://HOST:PORT")
