"""``Parking``: sealed, single-use, tool-bound parked calls that are reported when they expire or are given up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from portcullis.pipeline.parking import ParkedCall, Parking, StaleState


async def _forever() -> dict[str, Any]:
    await asyncio.Event().wait()
    return {}


def _parked(tool: str = "s__t") -> ParkedCall:
    return ParkedCall(asyncio.ensure_future(_forever()), {}, context=tool, grant="g", tool=tool)


async def test_a_retry_naming_another_tool_leaves_the_call_parked() -> None:
    parking = Parking()
    call = _parked()
    state = parking.park(call)
    with pytest.raises(StaleState, match="another tool call"):
        parking.resume(state, "g", "s__other")
    with pytest.raises(StaleState, match="not issued by this gateway"):
        parking.resume(state, "another-grant", "s__t")
    assert parking.resume(state, "g", "s__t") is call
    with pytest.raises(StaleState, match="already used"):
        parking.resume(state, "g", "s__t")
    call.task.cancel()


async def test_an_abandoned_call_is_cancelled_and_reported_then_close_reports_the_rest() -> None:
    reported: list[tuple[str, str]] = []
    done = asyncio.Event()

    async def on_expire(call: ParkedCall, outcome: str) -> None:
        reported.append((call.context, outcome))
        done.set()

    parking = Parking(on_expire)
    soon, later = _parked("s__soon"), _parked("s__later")
    state = parking.park(soon, ttl=0.05)
    parking.park(later, ttl=3600)
    await asyncio.wait_for(done.wait(), 30)
    assert reported == [("s__soon", "expired")] and soon.task.cancelled()
    with pytest.raises(StaleState, match="expired"):
        parking.resume(state, "g", "s__soon")
    await parking.close()
    assert reported == [("s__soon", "expired"), ("s__later", "cancelled")] and later.task.cancelled()
