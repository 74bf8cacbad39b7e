"""One fleet, one state: what an operator changes reaches every replica at once — a revoked key, a
changed policy (a tool denied), a tool approved from the shell (``portcullis tools approve``).

Each test changes one thing, then polls every replica directly until all of them show it, and prints
how long the last one took (``-s``). The config and policy files are shared by the replicas (as a
mounted volume would be) and watched by each; the pins are in Redis, whose changes are published.
"""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import KEY_A, KEY_B, cli, grants, write_policy
from tests.reliability.fleet import Fleet, call_once, legacy_request, open_legacy, running_fleet
from tests.reliability.test_fleet import ALLOW, SECRET_ENV, fleet_config, table
from tests.waiting import SLOW_WAIT, WAIT, until

__all__ = ["table"]

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def replica_urls(fleet: Fleet) -> list[str]:
    return [f"http://127.0.0.1:{port}/mcp" for port in fleet.ports]


async def status_of(http: httpx.AsyncClient, url: str, key: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"accept": "application/json, text/event-stream", "authorization": f"Bearer {key}"}
    answer = await http.post(url, json=body, headers={**headers, "mcp-protocol-version": "2025-11-25"})
    return answer.status_code


async def passes(http: httpx.AsyncClient, url: str, tool: str = "fx__add", key: str = KEY_A) -> bool:
    final = await call_once(http, url, tool, {"a": 1, "b": 1}, key=key)
    result: dict[str, Any] = final.get("result") or {}
    return result.get("isError") is False


async def on_every_replica(check: Any, urls: list[str], what: str) -> float:
    """Seconds until ``check(url)`` holds on every replica (each polled until it does)."""
    began = time.monotonic()
    for url in urls:
        await until(functools.partial(check, url), f"{what} at {url}", SLOW_WAIT, interval=0.02)
    return time.monotonic() - began


async def test_a_revoked_key_and_a_denied_tool_reach_every_replica(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    store = f"{redis_url}?prefix=fleet-{table}:"
    config = fleet_config(tmp_path, ALLOW, store, postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        urls = replica_urls(fleet)
        async with httpx.AsyncClient(timeout=WAIT) as http:
            for url in urls:
                assert await passes(http, url, key=KEY_B)
            session_id = await open_legacy(http, urls[0], key=KEY_B)
            used = await legacy_request(http, urls[1], session_id, "ping", {}, key=KEY_B)
            assert used.status_code == 200, used.text
            fleet_config(tmp_path, ALLOW, store, postgres_dsn, table, grants=grants()[:1])  # agent-b's key revoked
            revoked = await on_every_replica(
                lambda url: _is(status_of(http, url, KEY_B), 401), urls, "agent-b's key is refused"
            )
            for url in urls:  # its legacy session is refused too, and agent-a is served as before
                gone = await legacy_request(http, url, session_id, "ping", {}, key=KEY_B)
                assert gone.status_code == 401
                assert await passes(http, url)
            denied = {"version": "1", "default": "allow", "tools": {"fx__add": {"action": "deny"}}}
            write_policy(tmp_path / "policy.json", denied)
            denying = await on_every_replica(lambda url: _not(passes(http, url)), urls, "fx__add is denied")
    print(f"\nkey revoked: refused by all 3 replicas after {revoked:.2f}s; tool denied: by all after {denying:.2f}s")


async def test_a_tool_approved_from_the_shell_is_served_by_every_replica_at_once(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    store = f"{redis_url}?prefix=fleet-{table}:"
    # New tools wait for a person; the periodic re-read of the pins is far off: only the published
    # change can bring the approval to the replicas within the test's deadline.
    catalog = {"trust_on_first_use": False, "pin_poll_interval": "10m", "refresh_interval": 0}
    config = fleet_config(tmp_path, ALLOW, store, postgres_dsn, table, catalog=catalog)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        urls = replica_urls(fleet)
        async with httpx.AsyncClient(timeout=WAIT) as http:
            for url in urls:
                assert not await passes(http, url), "a new tool is held until a person approves it"
            began = time.monotonic()
            approved = await asyncio.to_thread(cli, tmp_path, "tools", "approve", "fx__add", env=SECRET_ENV)
            assert approved.returncode == 0, approved.stderr
            shell = time.monotonic() - began
            served = await on_every_replica(lambda url: passes(http, url), urls, "fx__add is served")
            assert not await passes(http, urls[0], "fx__echo"), "only the approved tool"
    print(f"\ntool approved from the shell: served by all 3 replicas {served:.2f}s after the command ({shell:.2f}s)")


async def _is(status: Any, expected: int) -> bool:
    return bool(await status == expected)


async def _not(check: Any) -> bool:
    return not await check
