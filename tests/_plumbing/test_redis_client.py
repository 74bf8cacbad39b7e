"""The Redis client of every Redis store: a timeout on each step and no hidden retries."""

from __future__ import annotations

import socket
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from portcullis._plumbing.redis_client import redis_client


async def test_a_client_talks_to_redis_and_decodes_when_asked(redis_url: str) -> None:
    raw, text = redis_client(redis_url, timeout=2.0), redis_client(redis_url, timeout=2.0, decode_responses=True)
    key = f"portcullis-test:plumbing:{time.monotonic_ns()}"
    try:
        await raw.set(key, "v", ex=60)
        assert await raw.get(key) == b"v"
        assert await text.get(key) == "v"
        assert raw.connection_pool.connection_kwargs["socket_timeout"] == 2.0
    finally:
        await raw.delete(key)
        await raw.aclose()
        await text.aclose()


async def test_an_unreachable_redis_fails_at_once_without_retrying() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = redis_client(f"redis://127.0.0.1:{port}/0", timeout=1.0)
    try:
        with pytest.raises((RedisConnectionError, OSError)):
            await client.ping()
        retry = client.get_retry()
        assert retry is not None and retry.get_retries() == 0
    finally:
        await client.aclose()
