"""``SingleFlight``: callers of one key share the run in flight; errors reach all; a cancelled caller
does not cancel the run for the others; a finished run is never reused."""

from __future__ import annotations

import asyncio
import gc

import pytest

from portcullis.routing.singleflight import SingleFlight
from tests.waiting import until


class Upstream:
    """Counts its reads; each waits for ``release`` and then answers (or fails with ``error``)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.reads = 0
        self.release = asyncio.Event()
        self.error = error

    async def read(self) -> list[str]:
        self.reads += 1
        number = self.reads
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return [f"read {number}"]


async def test_concurrent_callers_share_one_run_and_a_later_call_starts_a_new_one() -> None:
    flights: SingleFlight[str, list[str]] = SingleFlight()
    upstream = Upstream()
    waiters = [asyncio.create_task(flights.run("a", upstream.read)) for _ in range(20)]
    await until(lambda: upstream.reads == 1 and flights.in_flight("a"), "the first read started")
    other = asyncio.create_task(flights.run("b", upstream.read))  # another key: its own run
    await until(lambda: upstream.reads == 2, "the other key's read started")
    upstream.release.set()
    assert await asyncio.gather(*waiters) == [["read 1"]] * 20
    assert await other == ["read 2"]
    assert not flights.in_flight("a")
    assert await flights.run("a", upstream.read) == ["read 3"]


async def test_an_error_reaches_every_waiter_and_is_not_kept() -> None:
    flights: SingleFlight[str, list[str]] = SingleFlight()
    upstream = Upstream(error=RuntimeError("upstream broke"))
    waiters = [asyncio.create_task(flights.run("a", upstream.read)) for _ in range(5)]
    await until(lambda: upstream.reads == 1, "the read started")
    upstream.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert [str(r) for r in results] == ["upstream broke"] * 5 and upstream.reads == 1
    upstream.error = None
    assert await flights.run("a", upstream.read) == ["read 2"]


async def test_a_cancelled_waiter_does_not_cancel_the_run_the_others_await() -> None:
    flights: SingleFlight[str, list[str]] = SingleFlight()
    upstream = Upstream()
    leaving = asyncio.create_task(flights.run("a", upstream.read))
    staying = asyncio.create_task(flights.run("a", upstream.read))
    await until(lambda: upstream.reads == 1, "the read started")
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert flights.in_flight("a")
    upstream.release.set()
    assert await staying == ["read 1"] and upstream.reads == 1


async def test_a_run_every_waiter_left_finishes_without_an_unretrieved_error(caplog: pytest.LogCaptureFixture) -> None:
    flights: SingleFlight[str, list[str]] = SingleFlight()
    upstream = Upstream(error=RuntimeError("nobody is listening"))
    alone = asyncio.create_task(flights.run("a", upstream.read))
    await until(lambda: upstream.reads == 1, "the read started")
    alone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await alone
    upstream.release.set()
    await until(lambda: not flights.in_flight("a"), "the run finished")
    gc.collect()  # an unretrieved task exception is reported when the task is collected
    assert "exception was never retrieved" not in caplog.text
