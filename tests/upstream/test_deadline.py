"""Deadline keeps asyncio.timeout's outcome: its own expiry is a timeout, any other cancel stays a cancel."""

from __future__ import annotations

import asyncio

import pytest

from portcullis.upstream.transports.deadline import Deadline


async def _under(deadline_s: float, work: asyncio.Future[None]) -> bool:
    """Await ``work`` under a Deadline as the HTTP transport does; True when it timed out."""
    deadline = Deadline(deadline_s, asyncio.get_running_loop())
    try:
        try:
            await work
        finally:
            timed_out = deadline.end()
    except asyncio.CancelledError:
        if timed_out:
            return True
        raise
    return False


async def test_expiry_is_a_timeout_and_leaves_no_cancel_pending() -> None:
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    assert await _under(0.0, never)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_work_done_in_time_is_not_cancelled_later() -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    assert not await _under(0.0, done)  # due on the next turn of the loop, but ended before it
    for _ in range(3):
        await asyncio.sleep(0)  # turns of the loop, in which a timer left behind would cancel this task
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_a_cancel_from_elsewhere_stays_a_cancel() -> None:
    started = asyncio.Event()

    async def call() -> bool:
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        started.set()
        return await _under(30.0, never)

    task = asyncio.create_task(call())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancel_from_elsewhere_beside_the_expiry_is_not_taken_for_it() -> None:
    """As with asyncio.timeout: both cancels came, so the caller's cancel is not swallowed as a timeout."""
    outcome: list[bool] = []

    async def call() -> None:
        task = asyncio.current_task()
        assert task is not None
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(task.cancel)  # from elsewhere, in the same turn as the expiry
        outcome.append(await _under(0.0, never))

    task = asyncio.create_task(call())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert outcome == []


async def test_work_that_swallows_the_expiry_still_counts_its_cancel_back() -> None:
    async def stubborn() -> None:
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            return  # ends normally despite the cancel

    deadline = Deadline(0.0, asyncio.get_running_loop())
    try:
        await stubborn()
    finally:
        timed_out = deadline.end()
    task = asyncio.current_task()
    assert timed_out and task is not None and task.cancelling() == 0


async def test_outside_a_task_it_refuses_as_asyncio_timeout_does() -> None:
    loop = asyncio.get_running_loop()
    refused: asyncio.Future[BaseException] = loop.create_future()

    def outside() -> None:
        try:
            Deadline(1.0, loop)
        except RuntimeError as exc:
            refused.set_result(exc)

    loop.call_soon(outside)
    assert "inside a task" in str(await refused)
