"""One suite every counter store passes: exact quotas, all-or-nothing, giving quota back.

Redis takes its own clock (``TIME``), so these tests use windows long enough that no window boundary
falls inside a run; the sliding arithmetic under a controlled clock is tested in ``test_window``.
"""

from __future__ import annotations

import pytest

from portcullis.limits import Acquired, CounterStore, LimitRequest, Refused

LONG = 10_000_000.0  # seconds: a window boundary every ~115 days


def req(key: str, maximum: float, cost: float = 1.0, window: float = LONG, aligned: bool = False) -> LimitRequest:
    return LimitRequest(key, "g:t", key, "grant", "t", window, aligned, maximum, cost, f"$.tools.{key}")


async def test_exactly_max(store: CounterStore) -> None:
    got = [await store.acquire([req("a", 5)], 1000.0) for _ in range(7)]
    assert [isinstance(g, Acquired) for g in got] == [True] * 5 + [False] * 2
    refused = got[-1]
    assert isinstance(refused, Refused) and refused.request.key == "a" and refused.used == pytest.approx(5)
    assert refused.retry_after is not None and refused.retry_after > 0
    assert "rate limit reached" in refused.message()


async def test_a_refused_call_spends_nothing(store: CounterStore) -> None:
    both = [req("many", 5), req("one", 1)]
    assert isinstance(await store.acquire(both, 1000.0), Acquired)
    refused = await store.acquire(both, 1000.0)
    assert isinstance(refused, Refused) and refused.request.key == "one"
    got = [await store.acquire([req("many", 5)], 1000.0) for _ in range(5)]
    assert [isinstance(g, Acquired) for g in got] == [True] * 4 + [False]  # the refused call took nothing


async def test_release_gives_quota_back(store: CounterStore) -> None:
    first = await store.acquire([req("r", 2, cost=2), req("other", 10)], 1000.0)
    assert isinstance(first, Acquired) and len(first.taken) == 2
    assert isinstance(await store.acquire([req("r", 2)], 1000.0), Refused)
    await store.release(first)
    assert isinstance(await store.acquire([req("r", 2, cost=2)], 1000.0), Acquired)
    assert isinstance(await store.acquire([req("other", 10, cost=10)], 1000.0), Acquired)  # 'other' was given back


async def test_fractional_costs_and_cost_above_max(store: CounterStore) -> None:
    assert isinstance(await store.acquire([req("f", 5, cost=2.5)], 1000.0), Acquired)
    assert isinstance(await store.acquire([req("f", 5, cost=2.5)], 1000.0), Acquired)
    assert isinstance(await store.acquire([req("f", 5, cost=0.5)], 1000.0), Refused)
    never = await store.acquire([req("g", 5, cost=6)], 1000.0)
    assert isinstance(never, Refused) and never.retry_after is None and "more than" in never.message()


async def test_day_window_is_aligned(store: CounterStore) -> None:
    day = req("d", 1, window=86400.0, aligned=True)
    assert isinstance(await store.acquire([day], 1000.0), Acquired)
    refused = await store.acquire([day], 1000.0)
    assert isinstance(refused, Refused)
    assert refused.retry_after is not None and 0 < refused.retry_after <= 86400


async def test_no_requests_is_a_no_op(store: CounterStore) -> None:
    got = await store.acquire([], 1000.0)
    assert isinstance(got, Acquired) and got.taken == ()
    await store.release(got)


async def test_peek_reads_use_without_taking_any(store: CounterStore) -> None:
    a, b = req("peek-a", 3), req("peek-b", 2)
    assert [u.used for u in await store.peek([a, b], 1000.0)] == [0, 0]
    assert all(u.resets_at is None for u in await store.peek([a, b], 1000.0))
    assert isinstance(await store.acquire([a], 1000.0), Acquired)
    assert isinstance(await store.acquire([a, b], 1000.0), Acquired)
    for _ in range(5):  # peeking again and again spends nothing
        got = await store.peek([a, b], 1000.0)
        assert [u.used for u in got] == [pytest.approx(2), pytest.approx(1)]
        assert [u.remaining for u in got] == [pytest.approx(1), pytest.approx(1)]
        assert all(u.resets_at is not None and u.resets_at > 1000.0 for u in got)
    assert isinstance(await store.acquire([a], 1000.0), Acquired)  # exactly max: the peeks took nothing
    assert isinstance(await store.acquire([a], 1000.0), Refused)
    assert (await store.peek([a], 1000.0))[0].used == pytest.approx(3)
    assert await store.peek([], 1000.0) == ()


async def test_peek_of_a_day_counter_resets_at_midnight_utc(store: CounterStore) -> None:
    day = req("peek-day", 5, window=86400.0, aligned=True)
    assert isinstance(await store.acquire([day], 1000.0), Acquired)
    (got,) = await store.peek([day], 1000.0)
    assert got.used == pytest.approx(1) and got.resets_at is not None and got.resets_at % 86400 == 0


async def test_a_redis_peek_writes_nothing_and_leaves_the_expiry_alone(redis_url: str) -> None:
    import uuid

    import redis.asyncio as aioredis

    from portcullis.limits import RedisCounterStore
    from tests.limits.conftest import drop_prefix

    prefix = f"pc-test:{uuid.uuid4().hex}:"
    store = RedisCounterStore(redis_url, prefix=prefix)
    client = aioredis.Redis.from_url(redis_url)
    r = req("ttl", 5)
    try:
        assert isinstance(await store.acquire([r], 1000.0), Acquired)
        key = store.redis_key(r)
        value, ttl = await client.get(key), await client.pttl(key)
        (got,) = await store.peek([r], 1000.0)
        assert got.used == pytest.approx(1)
        assert await client.get(key) == value and 0 < await client.pttl(key) <= ttl  # not extended, not rewritten
        assert await store.peek([req("never-taken", 5)], 1000.0) and not await client.exists(
            store.redis_key(req("never-taken", 5))
        )  # a peek of a counter never used creates nothing
    finally:
        await client.aclose()
        await store.close()
        await drop_prefix(redis_url, prefix)
