"""Fixtures for the counter stores: every store passes the same suite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from portcullis.limits import CounterStore, MemoryCounterStore, RedisCounterStore, SQLiteCounterStore


async def drop_prefix(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CounterStore]:
    kind = request.param
    if kind == "memory":
        s: CounterStore = MemoryCounterStore()
        yield s
        await s.close()
    elif kind == "sqlite":
        s = SQLiteCounterStore(tmp_path / "counters.db")
        yield s
        await s.close()
    else:
        url = request.getfixturevalue("redis_url")
        prefix = f"pc-test:{uuid.uuid4().hex}:"
        s = RedisCounterStore(url, prefix=prefix)
        yield s
        await s.close()
        await drop_prefix(url, prefix)
