"""Window arithmetic under a controlled clock (memory and SQLite take ``now`` from the caller)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portcullis.limits import Acquired, LimitRequest, MemoryCounterStore, Refused, SQLiteCounterStore
from portcullis.limits.window import check, parse_window


def req(maximum: float = 10, window: float = 60, aligned: bool = False, cost: float = 1) -> LimitRequest:
    return LimitRequest("k", "g:t", "k", "grant", "t", window, aligned, maximum, cost, "$.x")


async def test_sliding_window_counts_the_previous_window_by_overlap() -> None:
    s = MemoryCounterStore()
    for _ in range(10):
        assert isinstance(s.acquire_now([req()], 0.0), Acquired)
    assert isinstance(s.acquire_now([req()], 59.0), Refused)
    at_boundary = s.acquire_now([req()], 60.0)  # previous window (10) still fully overlaps
    assert isinstance(at_boundary, Refused) and at_boundary.retry_after == pytest.approx(6.0)
    assert isinstance(s.acquire_now([req()], 65.9), Refused)
    assert isinstance(s.acquire_now([req()], 66.0), Acquired)  # 10 × 0.9 + 1 = 10
    assert isinstance(s.acquire_now([req()], 90.0), Acquired)  # 10 × 0.5 + 2 = 7
    assert isinstance(s.acquire_now([req()], 200.0), Acquired)  # two windows later: empty


async def test_day_window_resets_at_midnight_utc() -> None:
    s = MemoryCounterStore()
    day = req(maximum=2, window=86400, aligned=True)
    midnight = 86400.0 * 20000
    assert isinstance(
        s.acquire_now(
            [
                day,
            ],
            midnight - 10,
        ),
        Acquired,
    )
    assert isinstance(s.acquire_now([day], midnight - 5), Acquired)
    refused = s.acquire_now([day], midnight - 1)
    assert isinstance(refused, Refused) and refused.retry_after == pytest.approx(1.0)
    assert isinstance(s.acquire_now([day], midnight), Acquired)  # a fixed window: nothing carries over


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 200), st.floats(0.5, 4)), min_size=1, max_size=30),
    st.floats(1, 20),
    st.sampled_from([1.0, 7.0, 60.0]),
    st.booleans(),
)
def test_retry_after_is_exact(history: list[tuple[float, float]], maximum: float, window: float, aligned: bool) -> None:
    """Whenever a call is refused, it passes at now + retry_after and not noticeably before."""
    state = None
    now = 0.0
    for step, cost in history:
        now += step
        c = check(state, window, aligned, maximum, cost, now)
        if c.ok:
            state = (c.bucket, c.current + cost, c.previous)
            continue
        if c.retry_after is None:
            assert cost > maximum
            continue
        later = check(state, window, aligned, maximum, cost, now + c.retry_after + 1e-6)
        assert later.ok
        if c.retry_after > 1e-3:
            assert not check(state, window, aligned, maximum, cost, now + c.retry_after - 1e-3).ok


async def test_sqlite_counters_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "counters.db"
    first = SQLiteCounterStore(path)
    taken = [await first.acquire([req(maximum=3, window=3600)], 1000.0) for _ in range(3)]
    assert all(isinstance(t, Acquired) for t in taken)
    await first.close()
    second = SQLiteCounterStore(path)
    assert isinstance(await second.acquire([req(maximum=3, window=3600)], 1001.0), Refused)
    assert isinstance(taken[0], Acquired)
    await second.release(taken[0])  # an acquisition from before the restart can still be given back
    assert isinstance(await second.acquire([req(maximum=3, window=3600)], 1002.0), Acquired)
    await second.close()


def test_parse_window() -> None:
    assert parse_window("minute") == (60.0, False, "minute")
    assert parse_window("day") == (86400.0, True, "day")
    assert parse_window(90) == (90.0, False, "90s")
    assert isinstance(parse_window("fortnight"), str) and isinstance(parse_window(0), str)
    assert isinstance(parse_window(True), str)


async def test_memory_store_sweeps_old_counters() -> None:
    s = MemoryCounterStore()
    s.acquire_now([req(window=1)], 0.0)
    s.sweep(100.0)
    assert len(s) == 0


async def test_usage_is_read_as_check_counts_it_and_advances_nothing() -> None:
    from portcullis.limits.window import usage

    s = MemoryCounterStore()
    for _ in range(10):
        assert isinstance(s.acquire_now([req()], 0.0), Acquired)
    assert usage((0, 10.0, 0.0), 60.0, False, 30.0) == (10.0, 120.0)  # slides out by the end of the next window
    used, resets_at = usage((0, 10.0, 0.0), 60.0, False, 90.0)
    assert used == pytest.approx(5.0) and resets_at == 120.0
    assert usage((0, 10.0, 0.0), 60.0, False, 130.0) == (0.0, None)
    assert usage((0, 4.0, 0.0), 86400.0, True, 100.0) == (4.0, 86400.0)
    assert usage(None, 60.0, False, 5.0) == (0.0, None)
    (peeked,) = await s.peek([req()], 90.0)
    assert peeked.used == pytest.approx(5.0) and peeked.resets_at == 120.0
    (again,) = await s.peek([req()], 0.0)  # the peek at 90 s did not move the counter's window on
    assert again.used == 10.0
