"""A thread of one's own: blocking calls run in order, off the event loop, on one named thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from portcullis._plumbing.worker import Worker


async def test_calls_run_in_order_on_one_named_thread() -> None:
    worker = Worker("plumbing-test")
    seen: list[tuple[int, str]] = []

    def record(i: int) -> int:
        seen.append((i, threading.current_thread().name))
        return i * 2

    try:
        futures = [worker.submit(record, i) for i in range(20)]
        assert await asyncio.gather(*futures) == [i * 2 for i in range(20)]
        assert [i for i, _ in seen] == list(range(20))
        names = {name for _, name in seen}
        assert len(names) == 1 and next(iter(names)).startswith("plumbing-test")
        assert threading.current_thread().name not in names
    finally:
        worker.close()


async def test_run_raises_what_the_call_raised() -> None:
    worker = Worker("plumbing-test")

    def fail() -> None:
        raise OSError("disk full")

    try:
        with pytest.raises(OSError, match="disk full"):
            await worker.run(fail)
    finally:
        worker.close()


async def test_close_lets_queued_calls_finish() -> None:
    worker = Worker("plumbing-test")
    gate = threading.Event()
    first = worker.submit(gate.wait, 30)
    second = worker.submit(lambda: "done")
    worker.close()
    gate.set()
    assert await first is True
    assert await second == "done"
