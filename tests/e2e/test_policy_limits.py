"""Issue 3 end to end: rate limits through running gateways, against the real stores.

- Exact under concurrency: many clients (both eras) against **three** ``portcullis serve``
  processes sharing the real Redis on 6379 (a key prefix of their own, removed afterwards) get
  exactly ``max`` calls through, not one more.
- SQLite counters survive a restart of the gateway.
- Killing Redis mid-run (a ``redis-server`` of this test on a free port) denies rate-limited calls
  with a message saying the store is unreachable (``fail_open: true`` lets them through uncounted),
  and calls pass again once it is back.
- Quota comes back only when the upstream provably did not run the tool (it answered a JSON-RPC
  error); a timeout, a cancellation, a crash mid-call, a broken result or a tool error keep it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
import redis
from mcp.shared.exceptions import MCPError

from portcullis.limits.redis_scripts import counter_state
from tests.conftest import missing
from tests.e2e.support import META_KEY, WAIT, assert_denied, assert_passed, text_of, until, write_policy
from tests.gateway.wire import LegacySession, answer
from tests.harness import (
    FIXTURE_SERVER,
    LOCALHOST,
    MODERN,
    Proc,
    free_port,
    legacy_client,
    modern_client,
    running_gateway,
    stdio_server,
    write_config,
)
from tests.waiting import SLOW_WAIT

REDIS_SERVER = "/usr/bin/redis-server"


def gateway_folder(root: Path, name: str, store: str, policy: Path, **extra: Any) -> Path:
    """``root/name/portcullis.yaml`` in front of the fixture server, with ``policy`` and ``store``."""
    folder = root / name
    folder.mkdir()
    return write_config(
        folder / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, policy=str(policy), store=store, **extra
    )


# -- exact limits across three gateway processes sharing Redis ----------------------------------------

MAX = 25
ATTEMPTS_PER_CLIENT = 10  # 3 gateways x 3 clients x 10 = 90 attempts; each gateway alone gets 30 > MAX


async def test_three_gateways_sharing_redis_let_exactly_max_calls_through(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    policy = write_policy(
        tmp_path / "policy.json",
        {
            "version": "1",
            "default": "allow",
            "tools": {
                "fx__noop_01": {"limits": [{"counter": "shared", "window": "hour", "max": MAX, "scope": "grant"}]}
            },
        },
    )
    store = f"{redis_url}?prefix={redis_prefix}"
    configs = [
        gateway_folder(tmp_path, f"gw{i}", store, policy, approvals={"key_prefix": f"{redis_prefix}ap:"})
        for i in range(3)
    ]
    with contextlib.ExitStack() as stack:
        gateways = [stack.enter_context(running_gateway(config)) for config in configs]

        async def one_client(gw: Proc, mode: str) -> list[types.CallToolResult]:
            opener = modern_client if mode == MODERN else legacy_client
            async with opener(gw.url) as c:
                return list(await asyncio.gather(*(c.call_tool("fx__noop_01", {}) for _ in range(ATTEMPTS_PER_CLIENT))))

        batches = await asyncio.gather(
            *(one_client(gw, mode) for gw in gateways for mode in ("legacy", MODERN, "legacy"))
        )
    results = [r for batch in batches for r in batch]
    assert len(results) == 3 * 3 * ATTEMPTS_PER_CLIENT
    passed = [r for r in results if not r.is_error]
    denied = [r for r in results if r.is_error]
    assert len(passed) == MAX, [text_of(r) for r in denied[:3]]
    for r in passed:
        assert text_of(r) == "noop_01 did nothing"
    for r in denied:
        meta = assert_denied(r, "$.tools.fx__noop_01.limits[0]")
        assert meta["reason"].startswith(f"rate limit reached: {MAX}/hour on counter 'shared'"), meta
    # The counter itself says the same: one key under our prefix, MAX used in this window.
    counters = redis.Redis.from_url(redis_url)
    try:
        keys = [k for k in counters.scan_iter(match=f"{redis_prefix}{{g:-}}:*", count=1000) if b"shared" in k]
        assert len(keys) == 1, keys
        raw = counters.get(keys[0])
        assert isinstance(raw, bytes)
        assert counter_state(raw)[1] == MAX
    finally:
        counters.close()


# -- SQLite counters survive a restart ------------------------------------------------------------


async def test_sqlite_counters_survive_a_gateway_restart(tmp_path: Path) -> None:
    policy = write_policy(
        tmp_path / "policy.json",
        {
            "version": "1",
            "default": "deny",
            "tools": {"fx__noop_01": {"limits": [{"counter": "kept", "window": "hour", "max": 3}]}},
        },
    )
    config = gateway_folder(tmp_path, "gw", "sqlite:///counters.db", policy)
    with running_gateway(config) as gw:
        async with legacy_client(gw.url) as c:
            for _ in range(2):
                assert_passed(await c.call_tool("fx__noop_01", {}))
    assert (config.parent / "counters.db").exists()
    with running_gateway(config) as gw:
        async with modern_client(gw.url) as c:
            assert_passed(await c.call_tool("fx__noop_01", {}))
            meta = assert_denied(await c.call_tool("fx__noop_01", {}), "$.tools.fx__noop_01.limits[0]")
            assert meta["reason"] == "rate limit reached: 3/hour on counter 'kept' (per grant -), 3 used"


# -- Redis dies mid-run ---------------------------------------------------------------------------


def start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            LOCALHOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if redis.Redis(host=LOCALHOST, port=port, socket_timeout=0.5).ping():
                return process
        except redis.RedisError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError("redis-server did not start")


def stop_redis(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


async def test_killing_redis_denies_rate_limited_calls_clearly_and_they_recover(tmp_path: Path) -> None:
    if not Path(REDIS_SERVER).exists() and shutil.which("redis-server") is None:
        missing("redis-server binary")
    port = free_port()
    own = tmp_path / "redis"
    own.mkdir()
    rules: dict[str, Any] = {
        "version": "1",
        "default": "deny",
        "tools": {"fx__noop_01": {"rate_limit": "100/minute"}, "fx__echo": {}},
    }
    policy = write_policy(tmp_path / "policy.json", rules)
    config = gateway_folder(tmp_path, "gw", f"redis://{LOCALHOST}:{port}/0", policy)
    process = start_redis(port, own)
    try:
        with running_gateway(config) as gw:
            async with legacy_client(gw.url) as c:
                assert_passed(await c.call_tool("fx__noop_01", {}))

                stop_redis(process)
                down = await c.call_tool("fx__noop_01", {})
                meta = assert_denied(down, "$.fail_open")
                assert meta["reason"].startswith(
                    f"rate limits cannot be checked because the rate-limit store "
                    f"redis://{LOCALHOST}:{port}/0 is unreachable"
                )
                assert meta["reason"].endswith("and the policy fails closed")
                assert (
                    "What you can do: retry in a few seconds; if it keeps failing, tell a person that the "
                    "rate-limit store is down" in text_of(down)
                )
                # A tool without limits does not need the store.
                assert_passed(await c.call_tool("fx__echo", {"text": "no limits here"}), "no limits here")

                # `fail_open: true` is the explicit choice to let calls through uncounted meanwhile.
                write_policy(policy.with_suffix(".tmp"), {**rules, "fail_open": True}).replace(policy)

                async def passes_uncounted() -> bool:
                    return not (await c.call_tool("fx__noop_01", {})).is_error

                await until(passes_uncounted, "fail_open lets the call through while Redis is down")
                write_policy(policy.with_suffix(".tmp"), rules).replace(policy)

                async def closed_again() -> bool:
                    return (await c.call_tool("fx__noop_01", {})).is_error

                await until(closed_again, "failing closed again")

                process = start_redis(port, own)

                async def passes() -> types.CallToolResult | None:
                    result = await c.call_tool("fx__noop_01", {})
                    return None if result.is_error else result

                back = await until(passes, "rate-limited calls pass once Redis is back")
                assert text_of(back) == "noop_01 did nothing"
    finally:
        stop_redis(process)


# -- quota comes back only when the upstream provably did not run the tool ------------------------


async def test_quota_comes_back_only_when_the_upstream_provably_did_not_run_the_tool(tmp_path: Path) -> None:
    """A timeout, a cancellation, a crash mid-call or a broken result keep the quota (the tool may have
    acted); a JSON-RPC error from the upstream gives it back (the tool did not run)."""
    one = {"limits": [{"window": "hour", "max": 1}]}
    policy = write_policy(
        tmp_path / "policy.json",
        {
            "version": "1",
            "default": "deny",
            "tools": {
                "fx__bad_result": one,
                "fx__crash": one,
                "fx__sleep": one,
                "fx__elicit": one,
                "fx__mutate_description": one,
                "fx__echo": {},
                "slow__sleep": one,
                "slow__was_cancelled": {},
            },
        },
    )
    config = gateway_folder(tmp_path, "gw", "memory", policy)
    servers = {
        "fx": stdio_server(FIXTURE_SERVER, timeout="3s", startup_timeout=SLOW_WAIT, protocol="legacy"),
        "slow": stdio_server(FIXTURE_SERVER),
    }
    write_config(config, servers, policy=str(policy), store="memory")

    def limited(result: types.CallToolResult, tool: str) -> None:
        assert_denied(result, f"$.tools.{tool}.limits[0]")

    with running_gateway(config) as gw:
        async with legacy_client(gw.url) as c:
            # A result that breaks the MCP schema: the tool ran; the quota is spent.
            with pytest.raises(MCPError) as broken:
                await c.call_tool("fx__bad_result", {"kind": "content_not_list"})
            assert "upstream server 'fx' sent" in broken.value.error.message
            limited(await c.call_tool("fx__bad_result", {"kind": "content_not_list"}), "fx__bad_result")

            # No answer within the server's timeout (3s): the tool may have acted; the quota is spent.
            with pytest.raises(MCPError) as slow:
                await c.call_tool("fx__sleep", {"seconds": 60})
            assert "did not answer tools/call within 3s" in slow.value.error.message, slow.value.error
            limited(await c.call_tool("fx__sleep", {"seconds": 0}), "fx__sleep")

            # The upstream dies mid-call: it may have acted; the quota is spent.
            with pytest.raises(MCPError) as died:
                await c.call_tool("fx__crash", {"code": 3})
            assert died.value.error.code != -32602, died.value.error

            async def upstream_back() -> str | None:
                try:
                    result = await c.call_tool("fx__echo", {"text": "back"})
                except MCPError as exc:  # "upstream server 'fx' is unavailable: restarting …"
                    assert "unavailable" in exc.error.message, exc.error
                    return None
                return text_of(result)

            assert await until(upstream_back, "the fixture server restarts") == "back"
            limited(await c.call_tool("fx__crash", {"code": 3}), "fx__crash")

            # The upstream answers a JSON-RPC error (a capability the client lacks): the tool did not run,
            # the quota comes back, and every retry reaches the upstream again.
            for _ in range(3):
                with pytest.raises(MCPError) as refused:
                    await c.call_tool("fx__elicit", {})
                assert refused.value.error.code != -32602, refused.value.error

            # A tool error is an answer: its quota is kept.
            error = await c.call_tool("fx__mutate_description", {"name": "no_such", "description": "x"})
            assert error.is_error is True and META_KEY not in (error.meta or {}), error
            assert text_of(error) == "no tool 'no_such'"
            limited(
                await c.call_tool("fx__mutate_description", {"name": "no_such", "description": "x"}),
                "fx__mutate_description",
            )

        # A call the client cancels: the upstream may have acted; the quota is spent.
        with httpx.Client(timeout=WAIT) as http:
            session = LegacySession(http, gw.url)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pending = pool.submit(
                    session.post, "tools/call", {"name": "slow__sleep", "arguments": {"seconds": 60, "tag": "c1"}}
                )
                call_id = session.last_id

                async def running() -> bool:
                    fate = session.call("tools/call", {"name": "slow__was_cancelled", "arguments": {"tag": "c1"}})
                    return bool(fate["result"]["structuredContent"]["state"] == "running")

                await until(running, "the upstream runs the call")
                note = http.post(
                    gw.url,
                    headers=session.headers(),
                    json={"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": call_id}},
                )
                assert note.status_code == 202, note.text
                assert answer(pending.result(timeout=WAIT))["error"]["code"] == -32800
            again = session.call("tools/call", {"name": "slow__sleep", "arguments": {"seconds": 0}})
            assert again["result"]["isError"] is True, again
            assert again["result"]["_meta"][META_KEY]["rule"] == "$.tools.slow__sleep.limits[0]", again
