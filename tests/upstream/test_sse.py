"""SseTransport (HTTP+SSE, 2024-11-05) against real servers on 127.0.0.1 — the mcp SDK's SSE app
(``servers/http_fixture.py sse``) and server-everything's ``sse`` mode — and the incremental SSE parser."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.upstream.transports.base import Message
from portcullis.upstream.transports.sse import SseTransport
from portcullis.upstream.transports.sseparse import SseEvent, SseEventTooLarge, SseParser
from tests.upstream.conftest import Recorder, call, eventually, open_recorded, rpc, started_session, text_of
from tests.upstream.conftest import handshake as legacy_handshake
from tests.upstream.servers.launch import RunningServer, free_port, start_fixture

# -- the parser --------------------------------------------------------------------------------------
STREAM = (
    b"event: endpoint\r\ndata: /messages/?session_id=1\r\n\r\n"
    b": keep-alive comment\n\n"
    b'id: 7\nretry: 1500\ndata: {"a":\ndata: 1}\n\n'
    b"data:no-space\rdata\r\r"
    b"event: message\ndata: \n\n"
)
EXPECTED = [
    SseEvent("endpoint", b"/messages/?session_id=1", None),
    SseEvent("message", b'{"a":\n1}', "7"),
    SseEvent("message", b"no-space\n", "7"),
]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, len(STREAM)])
def test_parser_gives_the_same_events_however_the_bytes_are_cut(size: int) -> None:
    parser = SseParser()
    events: list[SseEvent] = []
    for start in range(0, len(STREAM), size):
        events.extend(parser.feed(STREAM[start : start + size]))
    assert events == EXPECTED  # the last event has empty data: not dispatched
    assert parser.last_id == "7"
    assert parser.retry == 1500


def test_parser_refuses_an_event_over_its_limit() -> None:
    parser = SseParser(max_event=100)
    assert parser.feed(b"data: " + b"x" * 90 + b"\n\n") == [SseEvent("message", b"x" * 90, None)]
    with pytest.raises(SseEventTooLarge):
        parser.feed(b"data: " + b"x" * 60 + b"\ndata: " + b"y" * 60 + b"\n")
    with pytest.raises(SseEventTooLarge):  # also when the line never ends
        slow = SseParser(max_event=100)
        for _ in range(20):
            slow.feed(b"x" * 10)


# -- transports ------------------------------------------------------------------------------------
async def make(url: str) -> tuple[SseTransport, Recorder]:
    return await open_recorded(SseTransport("sse-fx", url, {"X-Test": "configured"}), answer="yes")


async def handshake(transport: SseTransport) -> Message:
    """The handshake of the 2024-11-05 era, by hand."""
    return await legacy_handshake(transport, version="2024-11-05")


@pytest.fixture
async def connected(sse_server: RunningServer) -> AsyncIterator[tuple[SseTransport, Recorder]]:
    transport, rec = await make(f"{sse_server.base}/sse")
    await handshake(transport)
    yield transport, rec
    await transport.close()


# -- the SDK's SSE server -----------------------------------------------------------------------------
async def test_endpoint_list_call_and_headers(sse_server: RunningServer) -> None:
    seen = len(sse_server.log()["requests"])
    transport, rec = await make(f"{sse_server.base}/sse")
    try:
        assert transport.endpoint is not None
        assert transport.endpoint.startswith(f"{sse_server.base}/messages/?session_id=")
        init = await handshake(transport)
        assert init["result"]["serverInfo"]["name"] == "http-fixture"
        tools = await transport.request(rpc("tools/list"), 10)
        assert {"echo", "slow", "ask"} <= {t["name"] for t in tools["result"]["tools"]}
        assert text_of(await transport.request(call("echo", {"text": "over sse"}), 10)) == "over sse"
        log = sse_server.log()["requests"][seen:]
        assert log[0]["method"] == "GET" and log[0]["path"] == "/sse"
        posts = [r for r in log if r["method"] == "POST"]
        assert [p["rpc"] for p in posts] == ["initialize", "notifications/initialized", "tools/list", "tools/call"]
        assert all(p["headers"]["x-test"] == "configured" for p in posts)
        assert all(p["path"] == "/messages/" for p in posts)
        assert transport.alive
    finally:
        await transport.close()
    assert not transport.alive
    assert rec.closed == []


async def test_progress_and_server_requests_arrive_unrelated(connected: tuple[SseTransport, Recorder]) -> None:
    transport, rec = connected
    assert (
        text_of(await transport.request(call("slow", {"steps": 3}, {"progressToken": "t"}), 10)) == "done after 3 steps"
    )
    progress = [
        (m["params"]["progress"], rid) for m, rid in rec.messages if m.get("method") == "notifications/progress"
    ]
    assert progress == [(1, None), (2, None), (3, None)]
    assert text_of(await transport.request(call("ask", {"question": "ok?"}), 10)) == "answer: yes"
    assert any(m.get("method") == "elicitation/create" and rid is None for m, rid in rec.messages)


async def test_fifty_calls_are_in_flight_at_once(connected: tuple[SseTransport, Recorder]) -> None:
    transport, _ = connected
    msgs = [call("meet", {"key": "sse-50", "count": 50}) for _ in range(50)]
    resps = await asyncio.gather(*(transport.request(m, 30) for m in msgs))
    assert [r["id"] for r in resps] == [m["id"] for m in msgs]
    assert {text_of(r) for r in resps} == {"all met"}


async def test_timeout_raises_and_cancels_upstream(
    connected: tuple[SseTransport, Recorder], sse_server: RunningServer
) -> None:
    transport, _ = connected
    msg = call("sleep", {"seconds": 30, "tag": "sse-timeout"})
    with pytest.raises(UpstreamTimeout) as caught:
        await transport.request(msg, 0.5)
    assert caught.value.server == "sse-fx"

    def cancelled_posted() -> bool:
        return any(
            r.get("rpc") == "notifications/cancelled" and r["params"]["requestId"] == msg["id"]
            for r in sse_server.log()["requests"]
        )

    await eventually(cancelled_posted, "notifications/cancelled was posted")
    await eventually(lambda: "sse-timeout" in sse_server.log()["cancelled"], "the server cancelled the call")
    assert text_of(await transport.request(call("echo", {"text": "after"}), 10)) == "after"


async def test_cancelled_task_cancels_upstream(
    connected: tuple[SseTransport, Recorder], sse_server: RunningServer
) -> None:
    transport, _ = connected
    task = asyncio.create_task(transport.request(call("sleep", {"seconds": 30, "tag": "sse-cancel"}), 60))
    await eventually(lambda: "sse-cancel" in sse_server.log()["started"], "the call started")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await eventually(lambda: "sse-cancel" in sse_server.log()["cancelled"], "the server cancelled the call")


async def test_losing_the_stream_fails_pending_requests_and_reports_once() -> None:
    server = start_fixture("sse")  # our own: this test kills it
    try:
        transport, rec = await make(f"{server.base}/sse")
        await handshake(transport)
        pending = asyncio.create_task(transport.request(call("sleep", {"seconds": 30, "tag": "lost"}), 60))
        await eventually(lambda: "lost" in server.log()["started"], "the call started")
        server.proc.kill()
        server.proc.wait(5)
        async with asyncio.timeout(10):  # a guard against hanging
            with pytest.raises(UpstreamUnavailable) as caught:
                await pending
        assert caught.value.server == "sse-fx"
        assert len(rec.closed) == 1
        assert not transport.alive
        with pytest.raises(UpstreamUnavailable):  # later calls fail at once
            await transport.request(call("echo", {"text": "x"}), 60)
        await transport.close()
        assert len(rec.closed) == 1
    finally:
        server.stop()


async def test_unreachable_url_fails_at_once_naming_the_server() -> None:
    transport = SseTransport("gone", f"http://127.0.0.1:{free_port()}/sse", {})
    async with asyncio.timeout(10):  # a guard against hanging
        with pytest.raises(UpstreamUnavailable) as caught:
            await transport.open()
    assert caught.value.server == "gone"
    assert "'gone'" in str(caught.value) and "cannot connect" in str(caught.value)


async def test_wrong_url_and_foreign_endpoint_are_refused(sse_server: RunningServer) -> None:
    with pytest.raises(UpstreamProtocolError) as caught:
        await SseTransport("sse-fx", f"{sse_server.base}/no-such-stream", {}).open()
    assert "HTTP 404" in str(caught.value)
    with pytest.raises(UpstreamProtocolError) as caught:
        await SseTransport("sse-fx", f"{sse_server.base}/_foreign", {}).open()
    assert "another origin" in str(caught.value)


@contextlib.asynccontextmanager
async def redirecting(target: str, seen: list[dict[str, str]]) -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 whose every answer is a redirect to ``target``; ``seen``: the headers of
    each request it was sent. Its URL is yielded."""

    async def moved(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        raise web.HTTPTemporaryRedirect(target)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", moved)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_redirect_is_not_followed_so_the_credential_goes_nowhere_else(sse_server: RunningServer) -> None:
    """A redirect would send the configured headers (an API key) to whatever the upstream names, and the
    gateway's requests into the network it stands in: refused, naming the status, the target never asked."""
    trapped: list[dict[str, str]] = []  # what the redirects' target heard
    async with (
        redirecting("http://127.0.0.1:9/never", trapped) as trap,
        redirecting(f"{trap}/sse", []) as hop,
        redirecting(f"{trap}/messages", []) as moved_endpoint,
    ):
        with pytest.raises(UpstreamProtocolError) as caught:
            await SseTransport("sse-fx", f"{hop}/sse", {"X-Api-Key": "secret"}).open()
        assert "HTTP 307" in str(caught.value)
        transport, _ = await make(f"{sse_server.base}/sse")
        try:
            await handshake(transport)
            transport.endpoint = f"{moved_endpoint}/messages"  # its answers are redirects from now on
            with pytest.raises(UpstreamProtocolError) as refused:
                await transport.request(call("echo", {"text": "x"}), 10)
            assert "HTTP 307" in str(refused.value)
        finally:
            await transport.close()
    assert trapped == []


async def test_session_layer_over_sse(sse_server: RunningServer) -> None:
    async with started_session("sse-fx", "sse", f"{sse_server.base}/sse") as session:
        assert session.state == "ready"
        resp = await session.request("tools/call", {"name": "add", "arguments": {"a": 4, "b": 5}})
        assert text_of(resp) == "9"


# -- server-everything (npm) in sse mode -----------------------------------------------------------
@pytest.mark.peers
async def test_everything_server_over_sse(everything_sse: RunningServer) -> None:
    transport, rec = await make(f"{everything_sse.base}/sse")
    try:
        init = await handshake(transport)
        assert init["result"]["protocolVersion"]
        tools = await transport.request(rpc("tools/list"), 10)
        assert {"echo", "get-sum", "trigger-long-running-operation"} <= {t["name"] for t in tools["result"]["tools"]}
        long = call("trigger-long-running-operation", {"duration": 0.2, "steps": 3}, {"progressToken": "p"})
        await transport.request(long, 10)
        assert [rid for m, rid in rec.messages if m.get("method") == "notifications/progress"] == [None] * 3
        msgs = [call("echo", {"message": str(i)}) for i in range(50)]
        resps = await asyncio.gather(*(transport.request(m, 30) for m in msgs))
        assert [text_of(r) for r in resps] == [f"Echo: {i}" for i in range(50)]
    finally:
        await transport.close()


@pytest.mark.peers
async def test_session_falls_back_to_legacy_over_sse(everything_sse: RunningServer) -> None:
    async with started_session("ev", "sse", f"{everything_sse.base}/sse") as session:
        assert session.era == "legacy"
        resp = await session.request("tools/call", {"name": "echo", "arguments": {"message": "via sse"}})
        assert text_of(resp) == "Echo: via sse"
