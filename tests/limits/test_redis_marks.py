"""The Redis store's own parts: a session's marks checked and set in the limits' script, the counters'
packed form (and the text form of earlier versions, still read)."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator

import pytest

from portcullis.limits import Acquired, LimitRequest, RedisCounterStore, Refused
from portcullis.limits.model import Marks, Stopped
from portcullis.limits.redis_scripts import counter_state
from tests.limits.conftest import drop_prefix

LONG = 10_000_000.0


def req(key: str, maximum: float, cost: float = 1.0) -> LimitRequest:
    return LimitRequest(key, "g:t", key, "grant", "t", LONG, False, maximum, cost, f"$.tools.{key}")


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisCounterStore]:
    prefix = f"pc-test:{uuid.uuid4().hex}:"
    s = RedisCounterStore(redis_url, prefix=prefix)
    yield s
    await s.close()
    await drop_prefix(redis_url, prefix)


async def test_marks_are_set_once_every_limit_passed_and_the_first_value_stays(store: RedisCounterStore) -> None:
    key = f"{store.prefix}{{g:t}}:flow:s1"
    got = await store.acquire_marked([req("a", 10)], 0.0, Marks(key, (), ("private_data",), "1.5 fx__add"))
    assert isinstance(got, Acquired) and len(got.taken) == 1
    again = await store.acquire_marked([], 0.0, Marks(key, (), ("private_data", "untrusted_content"), "2.5 fx__web"))
    assert isinstance(again, Acquired) and again.taken == ()
    assert await store.marks(key) == {"private_data": "1.5 fx__add", "untrusted_content": "2.5 fx__web"}
    ttl = await store.client.ttl(key)
    assert 0 < ttl <= 86_400


async def test_a_refused_call_sets_no_mark(store: RedisCounterStore) -> None:
    key = f"{store.prefix}{{g:t}}:flow:s2"
    assert isinstance(await store.acquire([req("one", 1)], 0.0), Acquired)
    refused = await store.acquire_marked([req("one", 1)], 0.0, Marks(key, (), ("private_data",), "1 x"))
    assert isinstance(refused, Refused) and refused.request.key == "one"
    assert await store.marks(key) == {}


async def test_a_stop_group_all_marked_stops_the_call_and_takes_nothing(store: RedisCounterStore) -> None:
    key = f"{store.prefix}{{g:t}}:flow:s3"
    watch = (("private_data", "untrusted_content"), ("secret",))
    one = await store.acquire_marked([req("c", 2)], 0.0, Marks(key, watch, ("private_data",), "1 fx__add"))
    assert isinstance(one, Acquired)  # only one tag of the group read: goes on
    assert isinstance(
        await store.acquire_marked([], 0.0, Marks(key, (), ("untrusted_content",), "2 fx__web")), Acquired
    )
    stopped = await store.acquire_marked([req("c", 2)], 0.0, Marks(key, watch, ("external_comm",), "3 fx__send"))
    assert isinstance(stopped, Stopped)
    assert stopped.seen == {"private_data": "1 fx__add", "untrusted_content": "2 fx__web"}
    assert "external_comm" not in await store.marks(key)  # a stopped call marks nothing
    raw = await store.client.get(store.redis_key(req("c", 2)))
    assert isinstance(raw, bytes) and counter_state(raw)[1] == 1.0  # … and takes nothing
    other = await store.acquire_marked([req("c", 2)], 0.0, Marks(key, (("secret",),), (), ""))
    assert isinstance(other, Acquired)  # a group not all marked does not stop it


async def test_counters_in_the_text_form_of_earlier_versions_are_still_read(store: RedisCounterStore) -> None:
    request = req("old", 5)
    bucket = math.floor((await _redis_now(store)) / LONG)
    await store.client.set(store.redis_key(request), f"{bucket} 4 0", px=60_000)
    got = await store.acquire([request], 0.0)
    assert isinstance(got, Acquired)
    assert isinstance(await store.acquire([request], 0.0), Refused)  # 4 used before, + 1: the limit
    await store.release(got)
    raw = await store.client.get(store.redis_key(request))
    assert isinstance(raw, bytes) and raw[:1] == b"\0" and counter_state(raw) == (bucket, 4.0, 0.0)
    assert 0 < await store.client.pttl(store.redis_key(request)) <= 60_000  # a write in the same window keeps the TTL


async def _redis_now(store: RedisCounterStore) -> float:
    seconds, micros = await store.client.time()
    return seconds + micros / 1e6
