"""Legacy sessions shared by the replicas of a fleet (``sessions.fleet``), with two registries in one
process standing for two replicas on the real Redis: adoption, shared state, the end, and relayed
notifications."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from portcullis.config.model import GrantConfig
from portcullis.sessions.client import ClientSession
from portcullis.sessions.fleet import LocalSessionSync
from portcullis.sessions.fleet_redis import RedisSessionSync
from portcullis.sessions.registry import SessionRegistry
from portcullis.sessions.seal import SessionSeal
from tests.waiting import until

pytestmark = pytest.mark.redis

SECRET = "s" * 48
ALICE = GrantConfig("alice", "a" * 64)


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[SessionRegistry, SessionRegistry]]:
    url = f"{redis_url}?prefix=test-fleet-{uuid.uuid4().hex[:8]}:"
    pair = (
        SessionRegistry(seal=SessionSeal(SECRET), sync=RedisSessionSync(url)),
        SessionRegistry(seal=SessionSeal(SECRET), sync=RedisSessionSync(url)),
    )
    listening = [asyncio.create_task(r.sync.run(r.on_fleet_message)) for r in pair]
    try:
        await until(lambda: _subscribed(url, 2), "both replicas listen")
        yield pair
    finally:
        for task in listening:
            task.cancel()
        await asyncio.gather(*listening, return_exceptions=True)
        for r in pair:
            await r.sync.close()


async def _subscribed(url: str, count: int) -> bool:
    sync = RedisSessionSync(url)
    try:
        got = await sync._client.pubsub_numsub(sync.channel)
        return bool(got and got[0][1] >= count)
    finally:
        await sync.close()


def _initialised() -> ClientSession:
    return ClientSession(
        grant=ALICE,
        owner=ALICE.key_sha256,
        protocol_version="2025-06-18",
        capabilities={"roots": {}},
        client_info={"name": "legacy"},
        initialized=True,
    )


async def test_a_session_issued_by_one_replica_is_adopted_by_another_with_its_state(
    replicas: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = replicas
    client = _initialised()
    sid = a.issue(client)
    client.log_level = "debug"
    client.subscriptions.add("fx://fx/static")
    await a.share(client)
    adopted = await b.find(sid)
    assert adopted is not None and b.get(sid) is None  # found, held once its owner is checked
    assert (adopted.owner, adopted.protocol_version) == (ALICE.key_sha256, "2025-06-18")
    assert adopted.capabilities == {"roots": {}}
    assert adopted.client_info == {"name": "legacy"} and adopted.initialized
    assert (adopted.log_level, adopted.subscriptions) == ("debug", {"fx://fx/static"})
    assert adopted.label == client.label


async def test_a_change_on_one_replica_reaches_the_copy_another_holds(
    replicas: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = replicas
    client = _initialised()
    sid = a.issue(client)
    copy = await b.find(sid)
    assert copy is not None
    b.open(copy)
    client.log_level = "error"
    client.subscriptions.add("fx://fx/item/1")
    await a.share(client)
    await until(lambda: copy.log_level == "error" and copy.subscriptions == {"fx://fx/item/1"}, "b's copy updated")


async def test_an_ended_session_is_dropped_everywhere_and_never_adopted_again(
    replicas: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = replicas
    client = _initialised()
    sid = a.issue(client)
    copy = await b.find(sid)
    assert copy is not None
    b.open(copy)
    stream = asyncio.ensure_future(asyncio.Event().wait())
    copy.inflight[("GET",)] = stream  # its GET stream, held by b
    await a.end(client)
    await until(lambda: b.get(sid) is None, "b dropped its copy")
    await until(lambda: stream.cancelled(), "b's GET stream ended")
    assert await a.find(sid) is None
    assert await b.find(sid) is None


async def test_a_notification_reaches_the_stream_held_by_another_replica(
    replicas: tuple[SessionRegistry, SessionRegistry],
) -> None:
    a, b = replicas
    client = _initialised()
    sid = a.issue(client)  # a holds the session, without a stream
    holder = await b.find(sid)
    assert holder is not None
    b.open(holder)
    heard: list[dict[str, Any]] = []

    async def push(msg: dict[str, Any]) -> None:
        heard.append(msg)

    holder.sender = push  # the GET stream is on b
    assert a.relays(client) and not b.relays(holder)
    await a.relay(client, {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    await until(lambda: heard, "b's stream got the notification")
    assert heard == [{"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}]


async def test_a_session_dropped_for_the_cap_is_not_adopted_again(redis_url: str) -> None:
    url = f"{redis_url}?prefix=test-fleet-{uuid.uuid4().hex[:8]}:"
    a = SessionRegistry(per_key=1, seal=SessionSeal(SECRET), sync=RedisSessionSync(url))
    b = SessionRegistry(seal=SessionSeal(SECRET), sync=RedisSessionSync(url))
    try:
        first = a.issue(_initialised())
        a.issue(_initialised())  # over the cap: the first goes, on every replica
        await until(lambda: _gone(b, first), "the dropped session is refused by the other replica")
    finally:
        await a.sync.close()
        await b.sync.close()


async def _gone(registry: SessionRegistry, sid: str) -> bool:
    return await registry.find(sid) is None


async def test_a_single_gateway_serves_only_the_sessions_it_holds() -> None:
    registry = SessionRegistry(seal=SessionSeal(SECRET), sync=LocalSessionSync())
    client = _initialised()
    sid = registry.issue(client)
    assert await registry.find(sid) is client
    registry.drop(client)
    assert await registry.find(sid) is None  # its sealed id still opens, but a dropped session is gone
    other = SessionRegistry(seal=SessionSeal(SECRET))
    assert await other.find(sid) is None
