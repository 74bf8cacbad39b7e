"""Session rules with a Redis store, through whole gateways in this process (``assemble`` + ``Runtime``, the
fixture server as a real stdio upstream, the real Redis on 127.0.0.1:6379):

- a call with rate limits and session rules makes ONE round trip to Redis: the limits' script checks and
  records the session's data flow too (round trips are counted by a wrapper around the real connection's
  ``send_packed_command``, which every command and every pipeline goes through once, in the task that
  serves the call);
- two replicas sharing Redis hold the trifecta across them, naming the earlier calls, and a fresh session
  (another grant's, in the 2026-07-28 era) passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.asyncio.connection import AbstractConnection

from portcullis.assemble import Assembly, assemble
from portcullis.config.load import load_config
from portcullis.limits import RedisCounterStore
from portcullis.sessions.client import ClientSession
from tests.e2e.support import digest, gateway_folder
from tests.harness import MODERN
from tests.waiting import SLOW_WAIT, until

LIMITS = [
    {"counter": "calls", "window": "minute", "max": 1000, "scope": "grant"},
    {"counter": "session_calls", "window": "hour", "max": 1000, "scope": "session"},
    {"counter": "daily", "window": "day", "max": 10000, "scope": "global"},
]
POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "all_tools": {"limits": LIMITS},
    "tools": {
        "fx__add": {"tags": ["private_data"]},
        "fx__structured": {"tags": ["untrusted_content"]},
        "fx__echo": {"tags": ["external_comm"]},
        "fx__noop_01": {},
    },
    "sessions": [{"name": "trifecta", "after": ["private_data", "untrusted_content"], "then": "external_comm"}],
}


class RoundTrips:
    """Counts the requests (a command, or a pipeline) sent to Redis by the task serving the calls: the test's
    own (the gateway's background tasks, its pin and fleet listeners and catalogue refresh, are not counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent = 0
        self.task = asyncio.current_task()
        real = AbstractConnection.send_packed_command

        async def counted(conn: AbstractConnection, command: Any, check_health: bool = True) -> None:
            if asyncio.current_task() is self.task:
                self.sent += 1
            await real(conn, command, check_health)

        monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    prefix = f"pc-pipe-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@contextlib.asynccontextmanager
async def replica(config: Path) -> AsyncIterator[Assembly]:
    """A gateway of its own in this process, once its upstream is ready."""
    assembly = assemble(load_config(config))
    await assembly.runtime.open()
    try:
        await until(lambda: assembly.runtime.pool.sessions["fx"].state == "ready", "fx ready", SLOW_WAIT)
        yield assembly
    finally:
        await assembly.runtime.close()


def _folder(tmp_path: Path, redis_url: str, prefix: str) -> Path:
    grants = [
        {"name": "agent-a", "key_sha256": digest("pc_a_0123456789abcdef0123"), "policy": "policy.json"},
        {"name": "agent-b", "key_sha256": digest("pc_b_0123456789abcdef0123"), "policy": "policy.json"},
    ]
    return gateway_folder(
        tmp_path,
        POLICY,
        grants=grants,
        store=f"{redis_url}?prefix={prefix}",
        approvals={"timeout": 0.1, "key_prefix": prefix},
    )


def modern(assembly: Assembly, grant: str) -> ClientSession:
    """A 2026-07-28 request over HTTP: no session, so the grant's requests are the session."""
    found = next(g for g in assembly.runtime.config.grants if g.name == grant)
    return ClientSession(grant=found, protocol_version=MODERN, stateless=True)


async def call(assembly: Assembly, client: ClientSession, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return await assembly.gateway.caller.call(client, {"name": tool, "arguments": arguments}, None)


def decision(result: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = result.get("_meta", {}).get("io.portcullis/decision", {})
    return meta


async def test_a_call_with_limits_and_session_rules_makes_one_round_trip(
    tmp_path: Path, redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = RoundTrips(monkeypatch)
    async with replica(_folder(tmp_path, redis_url, prefix)) as gw:
        client = modern(gw, "agent-a")
        assert not (await call(gw, client, "fx__noop_01", {})).get("isError")  # warm: connection, scripts
        calls: list[tuple[str, dict[str, Any]]] = [
            ("fx__echo", {"text": "out"}),  # watched by the rule (its tags not all read yet): checked, limits taken
            ("fx__add", {"a": 1, "b": 2}),  # limits taken, its tag recorded
            ("fx__structured", {"a": 1, "b": 2}),
            ("fx__noop_01", {}),  # limits only
        ]
        for tool, arguments in calls:
            before = trips.sent
            result = await call(gw, client, tool, arguments)
            assert not result.get("isError"), result
            assert trips.sent - before == 1, f"{tool}: {trips.sent - before} round trips to Redis"
        held = await call(gw, client, "fx__echo", {"text": "exfiltrate"})
        assert held.get("isError") and decision(held)["rule"] == "$.sessions[0]", held
        store = gw.runtime.store
        assert isinstance(store, RedisCounterStore)
        marks = await store.marks(f"{prefix}{{g:agent-a}}:flow:")
        assert set(marks) == {"private_data", "untrusted_content"}  # the held send recorded nothing
        counters = [k async for k in store.client.scan_iter(match=f"{prefix}*calls*")]
        assert len(counters) == 2  # the limits were taken in Redis (grant and session counters)


async def test_the_trifecta_holds_across_two_replicas_sharing_redis(
    tmp_path: Path, redis_url: str, prefix: str
) -> None:
    config = _folder(tmp_path, redis_url, prefix)
    async with replica(config) as one, replica(config) as two:
        assert not (await call(one, modern(one, "agent-a"), "fx__add", {"a": 1, "b": 2})).get("isError")
        assert not (await call(two, modern(two, "agent-a"), "fx__structured", {"a": 1, "b": 2})).get("isError")
        for gw in (one, two):  # the rule holds on both, for the rest of the session
            held = await call(gw, modern(gw, "agent-a"), "fx__echo", {"text": f"out {uuid.uuid4().hex}"})
            meta = decision(held)
            assert held.get("isError") and meta["decision"] == "pending" and meta["rule"] == "$.sessions[0]", held
            text = held["content"][0]["text"]
            assert "session rule 'trifecta': this session has already read private data by fx__add at" in text
            assert "untrusted content by fx__structured at" in text and "'fx__echo' sends data out" in text
        fresh = await call(two, modern(two, "agent-b"), "fx__echo", {"text": "fresh"})
        assert not fresh.get("isError") and fresh["content"][0]["text"] == "fresh"


async def test_a_denying_rule_on_a_tool_the_policy_holds_denies_before_a_person_is_asked(
    tmp_path: Path, redis_url: str, prefix: str
) -> None:
    tools = {**POLICY["tools"], "fx__echo": {"tags": ["external_comm"], "action": "require_approval"}}
    rule = {"name": "no-leaks", "after": ["private_data", "untrusted_content"], "then": "external_comm"}
    policy = {**POLICY, "tools": tools, "sessions": [{**rule, "action": "deny"}]}
    config = _folder(tmp_path, redis_url, prefix)
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    before, after = "before", "after"
    async with replica(config) as one, replica(config) as two:
        held = await call(one, modern(one, "agent-a"), "fx__echo", {"text": before})
        assert decision(held)["decision"] == "pending"  # the policy's own hold: the flow is not read yet
        assert not (await call(one, modern(one, "agent-a"), "fx__add", {"a": 1, "b": 2})).get("isError")
        assert not (await call(two, modern(two, "agent-a"), "fx__structured", {"a": 1, "b": 2})).get("isError")
        denied = await call(two, modern(two, "agent-a"), "fx__echo", {"text": after})
        meta = decision(denied)
        assert denied.get("isError") and meta["decision"] == "deny" and meta["rule"] == "$.sessions[0]", denied
        assert "private data by fx__add at" in denied["content"][0]["text"]
        approvals = two.runtime.approvals
        assert approvals is not None
        asked = [a.arguments for a in await approvals.list()]
        assert asked == [{"text": before}]  # no person was asked about the denied call
