"""Every Redis-backed store fails fast on a Redis that stopped answering, and never shows its password.

A bug report found the pin store built its client without timeouts (a hung Redis hung the catalogue)
and printed its URL whole; the fleet's session store had its own copy of the client set-up. This suite
holds the whole class: each store, pointed through a TCP relay (``tests.tcpfault``) at the real local
Redis with a URL that carries a password, is made to hang, and its next operation must raise
``StoreUnavailable`` within a few seconds with the password replaced by ``***``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from portcullis.catalog.pin_stores import RedisPinStore
from portcullis.errors import StoreUnavailable
from portcullis.limits.redis import RedisCounterStore
from portcullis.sessions.fleet_redis import RedisSessionSync
from tests.tcpfault import TcpFault, tcp_fault

SECRET = "hunter2-not-shown"


@pytest.fixture
def hung_redis(redis_url: str) -> Iterator[TcpFault]:
    with tcp_fault("127.0.0.1", 6379) as fault:
        yield fault


def _url(fault: TcpFault) -> str:
    return f"redis://portcullis:{SECRET}@127.0.0.1:{fault.port}/0"


async def _pins(url: str) -> tuple[Any, Callable[[Any], Awaitable[Any]]]:
    return RedisPinStore(url, key="portcullis-test:pins:hung"), lambda store: store.load()


async def _sessions(url: str) -> tuple[Any, Callable[[Any], Awaitable[Any]]]:
    return RedisSessionSync(url), lambda store: store.recover("no-such-session")


async def _counters(url: str) -> tuple[Any, Callable[[Any], Awaitable[Any]]]:
    return RedisCounterStore(url), lambda store: store.ping()


@pytest.mark.parametrize("make", [_pins, _sessions, _counters], ids=["pins", "fleet-sessions", "counters"])
async def test_a_hung_redis_fails_fast_and_hides_the_password(
    hung_redis: TcpFault, make: Callable[[str], Awaitable[tuple[Any, Callable[[Any], Awaitable[Any]]]]]
) -> None:
    hung_redis.hang()
    store, operation = await make(_url(hung_redis))
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailable) as caught:
            await asyncio.wait_for(operation(store), timeout=30)  # the store's own timeout must fire first
    finally:
        await store.close()
    assert time.monotonic() - started < 15
    text = str(caught.value) + " " + str(getattr(caught.value, "hint", ""))
    assert SECRET not in text and "***" in text
