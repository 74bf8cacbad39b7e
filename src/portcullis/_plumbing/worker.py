"""A thread of one's own for blocking work: a SQLite connection or a file, used from the event loop.

A store that holds a connection (or a file handle) hands every blocking call to one ``Worker``: the
calls run one after another on the same thread, in the order they were made, and the loop goes on
meanwhile. A store that reads and writes at once keeps two (a writer and a reader), so a slow query
never holds up a commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["Worker"]

T = TypeVar("T")


class Worker:
    """One named thread that runs ``fn(*args)`` calls in order, for the running event loop."""

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name)

    def submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Start ``fn(*args)`` on the thread; the future resolves on the running loop."""
        return asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the thread, awaited."""
        return await self.submit(fn, *args)

    def close(self) -> None:
        """Let the thread end once its queued calls are done (without waiting for them here)."""
        self._pool.shutdown(wait=False)
