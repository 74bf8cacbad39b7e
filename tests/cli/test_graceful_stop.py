"""``portcullis serve`` stopped with SIGTERM: it stops listening at once (a load balancer sends the
next call elsewhere), lets the call in flight finish and records it, closes server-to-client streams
instead of waiting on them, then exits."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.support import KEY_A, WAIT, gateway_folder
from tests.gateway.wire import ACCEPT, modern_request, sse_messages
from tests.harness import accepts, running_gateway
from tests.waiting import until

POLICY: dict[str, Any] = {"version": "1", "default": "allow"}


async def open_stream(url: str) -> tuple[httpx.AsyncClient, asyncio.Task[int]]:
    """A legacy session with its server-to-client GET stream open; the task ends with the stream,
    giving the HTTP status."""
    http = httpx.AsyncClient(headers={"authorization": f"Bearer {KEY_A}"}, timeout=httpx.Timeout(WAIT, read=None))
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    answer = await http.post(url, json=hello, headers={"accept": ACCEPT})
    sid = answer.headers["mcp-session-id"]
    session = {"mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}
    await http.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
    opened = asyncio.Event()

    async def follow() -> int:
        async with http.stream("GET", url, headers={**session, "accept": "text/event-stream"}) as stream:
            opened.set()
            async for _ in stream.aiter_bytes():
                pass
            return stream.status_code

    task = asyncio.create_task(follow())
    await asyncio.wait_for(opened.wait(), WAIT)
    return http, task


async def test_sigterm_finishes_the_call_in_flight_and_records_it(tmp_path: Path) -> None:
    # A drain longer than the test's own deadlines: if anything held the stop to the drain's end
    # (an open server-to-client stream, say), the exit below would not come in time.
    config = gateway_folder(tmp_path, POLICY, drain_timeout="10m")
    with running_gateway(config) as gw:
        http, stream = await open_stream(gw.url)
        started = asyncio.Event()

        async def slow_call() -> list[dict[str, Any]]:
            """A 2026-07-28 ``tools/call`` of about 3 s, read as its SSE stream comes."""
            params = {"name": "fx__progress", "arguments": {"count": 15, "delay_ms": 200}}
            body, headers = modern_request("tools/call", params, meta={"progressToken": "p"})
            async with http.stream("POST", gw.url, json=body, headers=headers) as answer:
                text = ""
                async for chunk in answer.aiter_text():
                    text += chunk
                    if "notifications/progress" in text:
                        started.set()
            return sse_messages(text)

        call = asyncio.create_task(slow_call())
        await asyncio.wait_for(started.wait(), WAIT)
        os.kill(gw.process.pid, signal.SIGTERM)

        await until(lambda: not accepts(gw.port), "the stopping gateway no longer accepts connections")
        assert await asyncio.wait_for(stream, WAIT) == 200  # the stream was closed, not waited on
        final = (await asyncio.wait_for(call, WAIT))[-1]
        assert final["result"]["content"][0]["text"] == "sent 15 progress notifications", final
        status = await asyncio.to_thread(gw.process.wait, WAIT)
        log = gw.stderr()
        await http.aclose()

    assert status in (0, -signal.SIGTERM, 128 + signal.SIGTERM), log
    assert "calls in flight finish" in log
    with sqlite3.connect(tmp_path / "audit.db") as db:
        outcomes = db.execute("SELECT tool, outcome FROM audit WHERE tool = 'progress'").fetchall()
    assert outcomes == [("progress", "ok")], outcomes
