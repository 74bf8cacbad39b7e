"""Rate limits: counters per grant, session or everyone, in memory, SQLite or Redis.

``open_store(url)`` picks the store from the config's ``store`` setting; every store implements
``CounterStore`` (take all of a call's limits or none, give quota back when the upstream failed).
The window arithmetic lives in ``limits.window`` and is pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portcullis._plumbing.store_url import is_redis_url, url_path
from portcullis.backends import require_backend
from portcullis.errors import StoreUnavailable
from portcullis.limits.memory import MemoryCounterStore
from portcullis.limits.model import Acquired, CounterStore, LimitRequest, Refused, Scope, Taken
from portcullis.limits.sqlite import SQLiteCounterStore
from portcullis.limits.window import parse_window

if TYPE_CHECKING:
    from portcullis.limits.redis import RedisCounterStore

__all__ = [
    "Acquired",
    "CounterStore",
    "LimitRequest",
    "MemoryCounterStore",
    "RedisCounterStore",
    "Refused",
    "SQLiteCounterStore",
    "Scope",
    "Taken",
    "open_store",
    "parse_window",
]


def open_store(url: str) -> CounterStore:
    """``memory`` | ``sqlite:///path`` | ``redis://…`` (``rediss://`` too; ``?prefix=`` sets the key prefix).

    An unusable SQLite file raises ``StoreUnavailable`` here; an unreachable Redis is reported by each
    ``acquire`` (it may come back later).
    """
    if url == "memory" or url == "memory://":
        return MemoryCounterStore()
    if url.startswith("sqlite:///"):
        return SQLiteCounterStore(url_path(url, "sqlite", None))
    if is_redis_url(url):
        require_backend(url, "$.store")
        from portcullis.limits.redis import RedisCounterStore

        return RedisCounterStore(url)
    raise StoreUnavailable(f"unknown rate-limit store {url!r}", "use 'memory', 'sqlite:///PATH' or 'redis://HOST:PORT'")


def __getattr__(name: str) -> object:
    if name == "RedisCounterStore":  # imported when asked for: redis is an optional dependency
        from portcullis.limits.redis import RedisCounterStore

        return RedisCounterStore
    raise AttributeError(name)
