"""``asyncio.timeout`` for one awaited call, without the context manager: what a request to an HTTP upstream
waits under.

Every call forwarded to a Streamable HTTP upstream waits under a timeout, and ``asyncio.timeout`` (a
Python class in 3.11: five method calls, and two ``get_running_loop`` calls, each a ``getpid`` system
call there) was a measurable part of that transport's own CPU per call. ``Deadline`` does the same
with one timer and two method calls: when it fires it cancels the task, and ``end`` says whether the
``CancelledError`` that follows is the deadline's (as ``asyncio.timeout`` turns into ``TimeoutError``:
the task's cancel requests counted back with ``uncancel``, a cancel from elsewhere never mistaken for
it).
"""

from __future__ import annotations

import asyncio

__all__ = ["Deadline"]


class Deadline:
    """Cancel the current task ``seconds`` from now, unless ``end`` comes first (``loop``: the running one,
    given so that it need not be looked up).

    Use as ``asyncio.timeout`` is used: ``try: await work() finally: timed_out = deadline.end()``, then a
    ``CancelledError`` with ``timed_out`` true is the timeout (``asyncio.timeout`` would raise
    ``TimeoutError`` there) and any other is a cancellation from elsewhere, to be re-raised."""

    __slots__ = ("_cancelling", "_expired", "_handle", "_task")

    def __init__(self, seconds: float, loop: asyncio.AbstractEventLoop) -> None:
        task = asyncio.current_task(loop)
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._expired = False
        when = loop.time() + seconds
        self._handle: asyncio.Handle | None = (
            loop.call_soon(self._expire) if when <= loop.time() else loop.call_at(when, self._expire)
        )

    def _expire(self) -> None:
        self._task.cancel()
        self._expired = True
        self._handle = None

    def end(self) -> bool:
        """Stop the timer; whether the task's pending cancellation is the deadline's (it has expired and no
        other cancel was asked for since it started)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._expired:
            return False
        self._expired = False
        return self._task.uncancel() <= self._cancelling
