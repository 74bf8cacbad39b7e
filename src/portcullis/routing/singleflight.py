"""Share one run of an async operation among every caller that asks for the same key while it runs.

``SingleFlight.run(key, start)`` starts ``start()`` as a task when no run for ``key`` is in flight,
and otherwise awaits the one that is: a hundred concurrent callers cause one run, and all get its
result or its exception. Nothing is kept once a run has finished: the next call starts a fresh one.
Each caller awaits the run through ``asyncio.shield``, so a caller that is cancelled (its client
went away) stops waiting without cancelling the run the others await.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["SingleFlight"]

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SingleFlight(Generic[K, T]):
    """At most one run in flight per key; callers that arrive meanwhile share it."""

    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Task[T]] = {}

    def in_flight(self, key: K) -> bool:
        """Whether a run for ``key`` is under way now."""
        task = self._flights.get(key)
        return task is not None and not task.done()

    async def run(self, key: K, start: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of the run for ``key`` in flight, or of a new one ``start()`` begins."""
        task = self._flights.get(key)
        if task is None or task.done():  # done: finished, its result is not reused
            task = asyncio.create_task(start())
            self._flights[key] = task
            task.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(task)

    def _landed(self, key: K, task: asyncio.Task[T]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # marks it retrieved: if every waiter has gone, the loop must not report it
