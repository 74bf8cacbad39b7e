"""Waiting in tests: poll a condition until it holds, under one generous deadline; never a fixed sleep.

The machine that runs the suite is small and busy (2 cores, other suites beside it), so anything that
"normally takes a few milliseconds" may take seconds. Tests therefore wait for the thing they need
(a port open, a record written, a state reached), bounded by ``WAIT``, and fail naming what never
happened. They never assert how long something took; where a test is about time (a window, a
timeout, a backoff), it says so and measures with margins of whole seconds.

- ``wait_for(check, what)`` (sync) / ``until(check, what)`` (in a coroutine; ``check`` sync or async):
  call ``check`` until it returns something truthy and return that; ``AssertionError`` naming
  ``what`` (and the last value seen) when the deadline passes.
- ``WAIT``: the default deadline, for things that normally take well under a second.
- ``SLOW_WAIT``: for a whole process to start and get ready (an interpreter, its imports, upstreams).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

__all__ = ["SLOW_WAIT", "WAIT", "until", "wait_for"]

T = TypeVar("T")

WAIT = 30.0
SLOW_WAIT = 90.0
_INTERVAL = 0.05


def _failure(what: str, timeout: float, last: object) -> AssertionError:
    return AssertionError(f"{what}: not within {timeout:.0f}s (last: {last!r})")


def wait_for(check: Callable[[], T | None], what: str, timeout: float = WAIT, interval: float = _INTERVAL) -> T:
    """Call ``check`` every ``interval`` s until it returns something truthy (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise _failure(what, timeout, last)
        time.sleep(interval)


@overload
async def until(
    check: Callable[[], Awaitable[T | None]], what: str, timeout: float = WAIT, interval: float = _INTERVAL
) -> T: ...


@overload
async def until(check: Callable[[], T | None], what: str, timeout: float = WAIT, interval: float = _INTERVAL) -> T: ...


async def until(check: Callable[[], Any], what: str, timeout: float = WAIT, interval: float = _INTERVAL) -> Any:
    """``wait_for`` inside a test's event loop: ``check`` may be sync or async, and the loop runs between looks."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        last = await got if inspect.isawaitable(got) else got
        if last:
            return last
        if time.monotonic() >= deadline:
            raise _failure(what, timeout, last)
        await asyncio.sleep(interval)
