"""``named_task``: the task ``loop.create_task`` would make (in a copy of the context, known to
``asyncio.all_tasks``, the loop's task factory's when one is set), with its name, on asyncio and uvloop."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

import pytest
import uvloop

from portcullis._plumbing.tasks import KeptLoop, named_task

_SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="outside")


@pytest.mark.parametrize("loop_factory", [asyncio.new_event_loop, uvloop.new_event_loop])
def test_a_task_is_made_as_create_task_would_make_it_with_its_name(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def work(seen: list[str]) -> None:
        seen.append(_SEEN.get())
        _SEEN.set("changed by the request")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        _SEEN.set("when made")
        seen: list[str] = []
        task = named_task(loop, work(seen), "POST /mcp")
        assert task.get_name() == "POST /mcp" and task in asyncio.all_tasks()
        await task
        assert seen == ["when made"] and _SEEN.get() == "when made"  # a copy of the context, as create_task
        made: list[asyncio.Task[Any]] = []

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, context: Any = None) -> asyncio.Task[Any]:
            made.append(asyncio.Task(coro, loop=loop, context=context))
            return made[-1]

        loop.set_task_factory(factory)
        assert named_task(loop, work(seen), "POST /mcp") is made[0]  # the loop's factory still makes it
        await made[0]

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())


def test_a_kept_loop_finds_the_running_task_on_each_loop_it_runs_on() -> None:
    kept = KeptLoop()

    async def main() -> None:
        assert kept.current_task() is asyncio.current_task()
        assert kept.running() is asyncio.get_running_loop()

    for loop_factory in (asyncio.new_event_loop, uvloop.new_event_loop):  # a second loop replaces the first
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(main())
