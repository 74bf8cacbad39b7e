"""A legacy session belongs to the fleet, not to the replica that opened it: three replicas sharing a
``session_secret`` and Redis serve it request by request, directly and through nginx without
stickiness; a notification reaches its GET stream from another replica; ``DELETE`` on one ends it
on all; another key's, a forged or an ended id is refused by every replica."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import KEY_B
from tests.gateway.wire import sse_messages
from tests.reliability.fleet import (
    Fleet,
    final_message,
    legacy_call,
    legacy_headers,
    legacy_request,
    open_legacy,
    running_fleet,
)
from tests.reliability.test_fleet import ALLOW, SECRET_ENV, fleet_config, table
from tests.waiting import SLOW_WAIT, WAIT, until

__all__ = ["table"]

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def replica_urls(fleet: Fleet) -> list[str]:
    return [f"http://127.0.0.1:{port}/mcp" for port in fleet.ports]


async def added(http: httpx.AsyncClient, url: str, session_id: str, a: int) -> str:
    final = await legacy_call(http, url, session_id, "fx__add", {"a": a, "b": 1})
    result = final["result"]
    assert result.get("isError") is not True, result
    text: str = result["content"][0]["text"]
    return text


@contextlib.asynccontextmanager
async def get_stream(url: str, session_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The session's GET stream on the replica at ``url``, read in the background into the list yielded."""
    heard: list[dict[str, Any]] = []
    opened = asyncio.Event()

    async def read() -> None:
        headers = {**legacy_headers(session_id), "accept": "text/event-stream"}
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(WAIT, read=None)) as http,
            http.stream("GET", url, headers=headers) as answer,
        ):
            assert answer.status_code == 200, await answer.aread()
            opened.set()
            buffer = ""
            async for chunk in answer.aiter_text():
                buffer += chunk
                while "\n\n" in buffer:
                    event, buffer = buffer.split("\n\n", 1)
                    heard.extend(sse_messages(event + "\n\n"))

    task = asyncio.create_task(read())
    await until(lambda: opened.is_set() or task.done(), "the GET stream opens")
    if task.done():
        task.result()
    try:
        yield heard
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


async def test_a_legacy_session_opened_on_one_replica_is_served_by_every_replica(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    config = fleet_config(tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        urls = replica_urls(fleet)
        async with httpx.AsyncClient(timeout=WAIT) as http:
            session_id = await open_legacy(http, urls[0])
            for n, url in enumerate(urls):  # each replica in turn, directly
                assert await added(http, url, session_id, n) == str(n + 1)
            for n in range(9):  # through nginx: round robin takes the session to all three, request by request
                assert await added(http, fleet.url, session_id, 100 + n) == str(101 + n)
            listed = final_message(await legacy_request(http, fleet.url, session_id, "tools/list", {}))
            assert any(t["name"] == "fx__add" for t in listed["result"]["tools"])
            level = await legacy_request(http, urls[2], session_id, "logging/setLevel", {"level": "debug"})
            assert final_message(level)["result"] == {}


async def test_a_legacy_session_is_refused_alike_by_every_replica(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    config = fleet_config(tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        urls = replica_urls(fleet)
        async with httpx.AsyncClient(timeout=WAIT) as http:
            session_id = await open_legacy(http, urls[0])
            params = {"name": "fx__add", "arguments": {"a": 1, "b": 1}}
            stolen = await legacy_request(http, urls[1], session_id, "tools/call", params, key=KEY_B)
            assert stolen.status_code == 403, stolen.text  # another key, on a replica that never held it
            assert await added(http, urls[1], session_id, 1) == "2"  # ... and its owner is still served there
            forged = session_id[:-2] + ("AA" if session_id[-2:] != "AA" else "BB")
            assert (await legacy_request(http, urls[2], forged, "tools/call", params)).status_code == 404
            assert (await legacy_request(http, urls[2], "not-a-session", "tools/call", params)).status_code == 404
            # DELETE on one replica ends the session on all: the one that held it, and those that never did
            assert await added(http, urls[2], session_id, 2) == "3"
            deleted = await http.delete(urls[0], headers=legacy_headers(session_id))
            assert deleted.status_code == 200, deleted.text
            for url in urls:
                await until(functools.partial(_ended, http, url, session_id), f"the session is ended at {url}")


async def _ended(http: httpx.AsyncClient, url: str, session_id: str) -> bool:
    answer = await legacy_request(http, url, session_id, "ping", {})
    return answer.status_code == 404


async def test_a_notification_from_another_replica_reaches_the_get_stream(
    tmp_path: Path, redis_url: str, postgres_dsn: str, table: str
) -> None:
    config = fleet_config(tmp_path, ALLOW, f"{redis_url}?prefix=fleet-{table}:", postgres_dsn, table)
    with running_fleet(config, tmp_path / "lb", env=SECRET_ENV) as fleet:
        urls = replica_urls(fleet)
        async with httpx.AsyncClient(timeout=WAIT) as http:
            session_id = await open_legacy(http, urls[0])
            async with get_stream(urls[2], session_id) as heard:  # the stream is held by replica 2
                # replica 1's own upstream adds a tool and tells replica 1, which relays to replica 2
                final = await legacy_call(http, urls[1], session_id, "fx__add_tool", {"name": "late"})
                assert final["result"].get("isError") is not True, final
                await until(
                    lambda: any(m.get("method") == "notifications/tools/list_changed" for m in heard),
                    "list_changed reaches the stream on replica 2",
                    SLOW_WAIT,
                )
                # ended on replica 0: the stream on replica 2 ends with it
                deleted = await http.delete(urls[0], headers=legacy_headers(session_id))
                assert deleted.status_code == 200
                await until(lambda: _ended(http, urls[2], session_id), "the session is ended on replica 2")
