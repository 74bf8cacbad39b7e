"""A task per request, made without the per-task cost of ``loop.create_task`` on Python 3.11.

Both fronts run each request as a task of its own (it can be cancelled by the client). Unnamed,
``create_task`` (uvloop's too) formats a "Task-N" name for every task, and replaces it when given one:
``named_task`` makes the ``asyncio.Task`` itself, named, unless the loop has a task factory (which then
makes it, as ``create_task`` would).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["named_task"]

T = TypeVar("T")


def named_task(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """``loop.create_task(work)``, named ``name``, in a copy of the current context, as ``create_task`` runs it."""
    if loop.get_task_factory() is not None:
        return loop.create_task(work)
    return asyncio.Task(work, loop=loop, name=name)
