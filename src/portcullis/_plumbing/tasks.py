"""A task per request, made without the per-task cost of ``loop.create_task`` on Python 3.11.

Both fronts run each request as a task of its own (it can be cancelled by the client). Unnamed,
``create_task`` (uvloop's too) formats a "Task-N" name for every task, and replaces it when given one:
``named_task`` makes the ``asyncio.Task`` itself, named, unless the loop has a task factory (which then
makes it, as ``create_task`` would). ``KeptLoop`` finds the running loop and task without looking the loop
up each time (a ``getpid`` system call on Python 3.11).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["KeptLoop", "named_task"]

T = TypeVar("T")


def named_task(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """``loop.create_task(work)``, named ``name``, in a copy of the current context, as ``create_task`` runs it."""
    if loop.get_task_factory() is not None:
        return loop.create_task(work)
    return asyncio.Task(work, loop=loop, name=name)


class KeptLoop:
    """The loop code last ran on, kept, and the running task: the kept loop is checked by asking it for its
    current task, which only the running loop has; another loop is looked up and kept."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

    def current_task(self) -> asyncio.Task[Any] | None:
        loop = self.loop
        task = asyncio.current_task(loop) if loop is not None else None
        if task is None:
            loop = self.loop = asyncio.get_running_loop()
            task = asyncio.current_task(loop)
        return task

    def running(self) -> asyncio.AbstractEventLoop:
        """The running loop (called from a task)."""
        self.current_task()
        assert self.loop is not None
        return self.loop
