"""Upstreams over Streamable HTTP and legacy HTTP+SSE, behind a real ``portcullis serve``.

``server-everything`` runs in its ``streamableHttp`` and ``sse`` modes (legacy era) and the SDK
fixture server over Streamable HTTP (dual era, found to be modern); clients of both eras call them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from tests.gateway.proc import Gateway, running_gateway
from tests.gateway.wire import answer, post_modern
from tests.harness import FIXTURE_SERVER, PYTHON, running_http_server
from tests.upstream.servers.launch import RunningServer, free_port, start, start_everything

MODES = ["legacy", "2026-07-28"]


@pytest.fixture(scope="module")
def ev_http(everything_server: list[str]) -> Iterator[RunningServer]:
    server = start_everything(everything_server, "streamableHttp")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ev_sse(everything_server: list[str]) -> Iterator[RunningServer]:
    server = start_everything(everything_server, "sse")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, ev_http: RunningServer, ev_sse: RunningServer) -> Iterator[Gateway]:
    with running_http_server(FIXTURE_SERVER) as sdk:
        servers: dict[str, Any] = {
            "evh": {"url": f"{ev_http.base}/mcp"},
            "evs": {"url": f"{ev_sse.base}/sse", "transport": "sse"},
            "sdk": {"url": sdk.url},
        }
        with running_gateway(tmp_path_factory.mktemp("http-upstreams"), servers) as gateway:
            yield gateway


def _text(result: types.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


def test_each_upstream_was_found_in_its_era(gw: Gateway) -> None:
    servers = gw.health()["servers"]
    assert servers["evh"]["era"] == "legacy" and servers["evs"]["era"] == "legacy"
    assert servers["sdk"]["era"] == "modern"


@pytest.mark.parametrize("mode", MODES)
async def test_calls_and_progress_over_http_and_sse_upstreams(gw: Gateway, mode: str) -> None:
    async with Client(gw.url, mode=mode, cache=None) as c:
        names: list[str] = []
        cursor: str | None = None
        for _ in range(50):
            page = await c.list_tools(cursor=cursor)
            names += [t.name for t in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        assert {"evh__echo", "evs__echo", "sdk__echo"} <= set(names)
        assert _text(await c.call_tool("evh__echo", {"message": "over http"})) == "Echo: over http"
        assert _text(await c.call_tool("evs__echo", {"message": "over sse"})) == "Echo: over sse"
        assert _text(await c.call_tool("sdk__echo", {"text": "modern http"})) == "modern http"
        assert (await c.call_tool("sdk__structured", {"a": 1, "b": 2})).structured_content == {"sum": 3}
        for tool, args, steps in (
            ("evh__trigger-long-running-operation", {"duration": 0.2, "steps": 2}, 2),
            ("evs__trigger-long-running-operation", {"duration": 0.2, "steps": 2}, 2),
            ("sdk__progress", {"count": 3, "delay_ms": 1}, 3),
        ):
            seen: list[float] = []

            async def on_progress(
                progress: float, total: float | None, message: str | None, _seen: list[float] = seen
            ) -> None:
                _seen.append(progress)

            await c.call_tool(tool, args, progress_callback=on_progress)
            assert seen == [float(i) for i in range(1, steps + 1)], (tool, seen)


@pytest.mark.parametrize("mode", MODES)
async def test_resources_over_http_upstreams(gw: Gateway, mode: str) -> None:
    async with Client(gw.url, mode=mode, cache=None) as c:
        item = await c.read_resource("fixture://item/5")
        content = item.contents[0]
        assert isinstance(content, types.TextResourceContents) and content.text == "content of item 5"
        # Both server-everything upstreams list this URI: whose content it is cannot be told, so neither is served.
        with pytest.raises(MCPError) as refused:
            await c.read_resource("demo://resource/dynamic/text/1")
        assert refused.value.error.code == -32602
        assert "listed by servers 'evh' and 'evs'" in refused.value.error.message


async def test_elicitation_from_an_http_upstream_reaches_a_legacy_client(gw: Gateway) -> None:
    async def accept(context: Any, params: Any) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"name": "Hopper"})

    async with Client(gw.url, mode="legacy", cache=None, elicitation_callback=accept) as c:
        got = await c.call_tool("sdk__elicit", {"message": "Name?"})
        assert got.structured_content == {"action": "accept", "content": {"name": "Hopper"}}
        legacy = await c.call_tool("evh__trigger-elicitation-request", {})
        assert "Hopper" in json.dumps(legacy.model_dump(mode="json"))


def _sdk_http(port: int) -> RunningServer:
    return start([PYTHON, str(FIXTURE_SERVER), "--http", str(port)], port)


@pytest.mark.parametrize(("kind", "era"), [("sdk", "modern"), ("ev", "legacy")])
def test_an_http_upstream_that_goes_away_fails_fast_then_recovers(
    tmp_path: Path, everything_server: list[str], kind: str, era: str
) -> None:
    port = free_port()
    node, script = everything_server[0], everything_server[1]
    launch: Callable[[], RunningServer] = (
        (lambda: _sdk_http(port))
        if kind == "sdk"
        else (lambda: start([node, script, "streamableHttp"], port, env={"PORT": str(port)}))
    )
    echo = {"name": "up__echo", "arguments": {"text": "hi"} if kind == "sdk" else {"message": "hi"}}
    server = launch()
    try:
        with (
            running_gateway(tmp_path, {"up": {"url": f"http://127.0.0.1:{port}/mcp", "timeout": 10}}) as gw,
            httpx.Client(timeout=30) as http,
        ):
            assert gw.health()["servers"]["up"]["era"] == era
            assert "result" in answer(post_modern(http, gw.url, "tools/call", echo))
            server.stop()
            # Bounded: the first call may still find the old connection; within a few it must fail fast.
            err: dict[str, Any] = {}
            for _ in range(20):
                reply = answer(post_modern(http, gw.url, "tools/call", echo))
                if "error" in reply:
                    err = reply["error"]
                    break
            assert err.get("code") == -32001, err
            assert "upstream server 'up' is unavailable" in err["message"]
            server = launch()
            gw.wait_state("up", "ready", 30)
            reply = answer(post_modern(http, gw.url, "tools/call", echo))
            assert "result" in reply and reply["result"].get("isError") is not True, reply
    finally:
        server.stop()
