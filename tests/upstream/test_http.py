"""StreamableHttpTransport against real servers on 127.0.0.1: the mcp SDK's Streamable HTTP app (both
eras; ``servers/http_fixture.py``) and the npm server-everything (legacy era)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol import MODERN_VERSION
from portcullis.protocol.headers import encode_header_value, param_header_map
from portcullis.upstream.transports.http import StreamableHttpTransport
from tests.upstream.conftest import Recorder, call, eventually, handshake, open_recorded, rpc, started_session, text_of
from tests.upstream.servers.launch import RunningServer, free_port, start_fixture
from tests.waiting import until


# -- transports ------------------------------------------------------------------------------------
async def make(
    url: str, headers: dict[str, str] | None = None, **kwargs: Any
) -> tuple[StreamableHttpTransport, Recorder]:
    return await open_recorded(StreamableHttpTransport("fx", url, headers or {}, **kwargs))


@pytest.fixture
async def modern(fixture_server: RunningServer) -> AsyncIterator[tuple[StreamableHttpTransport, Recorder]]:
    transport, rec = await make(f"{fixture_server.base}/mcp", {"X-Test": "configured"})
    transport.set_protocol_version(MODERN_VERSION)
    yield transport, rec
    await transport.close()


@pytest.fixture
async def legacy(fixture_server: RunningServer) -> AsyncIterator[tuple[StreamableHttpTransport, Recorder]]:
    transport, rec = await make(f"{fixture_server.base}/mcp", {"X-Test": "configured"})
    await handshake(transport)
    yield transport, rec
    await transport.close()


def requests_seen(server: RunningServer, since: int = 0) -> list[dict[str, Any]]:
    return list(server.log()["requests"][since:])


# -- pure helpers ------------------------------------------------------------------------------------
def test_header_values_are_encoded_only_when_unsafe() -> None:
    assert encode_header_value("get_weather") == "get_weather"
    assert encode_header_value("file:///tmp/a b.txt") == "file:///tmp/a b.txt"
    for raw in ("ünïcode", " padded", "line\nbreak", "=?base64?abc?="):
        encoded = encode_header_value(raw)
        assert encoded.startswith("=?base64?") and encoded.endswith("?=")
        assert base64.b64decode(encoded[len("=?base64?") : -2]).decode() == raw


def test_param_header_map_follows_plain_property_chains() -> None:
    schema = {
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "opts": {"type": "object", "properties": {"dry": {"type": "boolean", "x-mcp-header": "Dry-Run"}}},
            "ratio": {"type": "number", "x-mcp-header": "Ratio"},  # numbers may not be mirrored
            "bad": {"type": "string", "x-mcp-header": "no spaces allowed"},
        },
    }
    assert param_header_map(schema) == {("region",): "Region", ("opts", "dry"): "Dry-Run"}
    assert param_header_map({"type": "object"}) == {}


# -- modern era ----------------------------------------------------------------------------------------
async def test_modern_discover_list_and_call_send_the_era_headers(
    modern: tuple[StreamableHttpTransport, Recorder], fixture_server: RunningServer
) -> None:
    transport, _ = modern
    seen = len(requests_seen(fixture_server))
    discovered = await transport.request(rpc("server/discover", modern=True), 10)
    assert MODERN_VERSION in discovered["result"]["supportedVersions"]
    listed = await transport.request(rpc("tools/list", modern=True), 10)
    assert {"echo", "slow", "sleep", "regional"} <= {t["name"] for t in listed["result"]["tools"]}
    msg = call("echo", {"text": "hi"}, modern=True)
    resp = await transport.request(msg, 10)
    assert resp["id"] == msg["id"]
    assert text_of(resp) == "hi"
    posts = [r for r in requests_seen(fixture_server, seen) if r["method"] == "POST"]
    assert [p["rpc"] for p in posts] == ["server/discover", "tools/list", "tools/call"]
    echo = posts[-1]["headers"]
    assert echo["mcp-protocol-version"] == MODERN_VERSION
    assert echo["mcp-method"] == "tools/call"
    assert echo["mcp-name"] == "echo"
    assert echo["x-test"] == "configured"
    assert echo["accept"] == "application/json, text/event-stream"
    assert "mcp-session-id" not in echo
    assert transport.session_id is None


async def test_modern_name_that_is_not_ascii_is_base64_encoded(
    modern: tuple[StreamableHttpTransport, Recorder],
) -> None:
    transport, _ = modern
    resp = await transport.request(call("wëird näme", {}, modern=True), 10)
    # The server decoded the header and found it equal to the body: no -32020 HeaderMismatch, so the
    # answer is about the unknown tool itself.
    error = resp.get("error") or {}
    assert error.get("code") != -32020
    assert "wëird näme" in str(resp)


async def test_modern_http_error_with_jsonrpc_body_reaches_the_caller(
    modern: tuple[StreamableHttpTransport, Recorder],
) -> None:
    transport, _ = modern
    msg = rpc("no/such/method", modern=True)
    resp = await transport.request(msg, 10)  # HTTP 404 with a JSON-RPC error body
    assert resp["error"]["code"] == -32601
    assert resp["id"] == msg["id"]


async def test_modern_x_mcp_header_arguments_are_mirrored_after_tools_list(fixture_server: RunningServer) -> None:
    transport, _ = await make(f"{fixture_server.base}/mcp")
    try:
        before = await transport.request(call("regional", {"region": "eu-west"}, modern=True), 10)
        assert before["error"]["code"] == -32020  # 400 HeaderMismatch: the header is required
        await transport.request(rpc("tools/list", modern=True), 10)
        seen = len(requests_seen(fixture_server))
        after = await transport.request(call("regional", {"region": "eu-west"}, modern=True), 10)
        assert text_of(after) == "region eu-west"
        assert requests_seen(fixture_server, seen)[0]["headers"]["mcp-name"] == "regional"
    finally:
        await transport.close()


async def test_modern_progress_is_delivered_with_the_request_id(
    modern: tuple[StreamableHttpTransport, Recorder],
) -> None:
    transport, rec = modern
    msg = call("slow", {"steps": 4}, modern=True, meta={"progressToken": "tok"})
    resp = await transport.request(msg, 10)
    assert text_of(resp) == "done after 4 steps"
    progress = [
        (m["params"]["progress"], rid) for m, rid in rec.messages if m.get("method") == "notifications/progress"
    ]
    assert progress == [(1, msg["id"]), (2, msg["id"]), (3, msg["id"]), (4, msg["id"])]


async def test_modern_fifty_calls_are_in_flight_at_once(modern: tuple[StreamableHttpTransport, Recorder]) -> None:
    transport, _ = modern
    msgs = [call("meet", {"key": "modern-50", "count": 50}, modern=True) for _ in range(50)]
    resps = await asyncio.gather(*(transport.request(m, 30) for m in msgs))
    assert [r["id"] for r in resps] == [m["id"] for m in msgs]
    assert {text_of(r) for r in resps} == {"all met"}  # each waited until all 50 had arrived


async def test_modern_timeout_closes_the_stream_which_cancels_upstream(
    modern: tuple[StreamableHttpTransport, Recorder], fixture_server: RunningServer
) -> None:
    transport, _ = modern
    with pytest.raises(UpstreamTimeout) as caught:
        await transport.request(call("sleep", {"seconds": 30, "tag": "modern-timeout"}, modern=True), 0.5)
    assert caught.value.server == "fx"
    assert "tools/call" in str(caught.value)
    await eventually(lambda: "modern-timeout" in fixture_server.log()["cancelled"], "the server saw the cancel")
    assert transport.alive


async def test_modern_cancelled_task_closes_its_stream(
    modern: tuple[StreamableHttpTransport, Recorder], fixture_server: RunningServer
) -> None:
    transport, _ = modern
    task = asyncio.create_task(
        transport.request(call("sleep", {"seconds": 30, "tag": "modern-cancel"}, modern=True), 60)
    )
    await eventually(lambda: "modern-cancel" in fixture_server.log()["started"], "the call started")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await eventually(lambda: "modern-cancel" in fixture_server.log()["cancelled"], "the server saw the cancel")
    # the transport still works afterwards
    assert text_of(await transport.request(call("echo", {"text": "still"}, modern=True), 10)) == "still"


# -- legacy era ----------------------------------------------------------------------------------------
async def test_legacy_session_id_is_captured_sent_and_deleted_on_close(fixture_server: RunningServer) -> None:
    seen = len(requests_seen(fixture_server))
    transport, rec = await make(f"{fixture_server.base}/mcp")
    await handshake(transport)
    sid = transport.session_id
    assert sid
    resp = await transport.request(call("echo", {"text": "legacy"}), 10)
    assert text_of(resp) == "legacy"
    # the standalone GET stream was opened after notifications/initialized
    await eventually(
        lambda: any(r["method"] == "GET" for r in requests_seen(fixture_server, seen)), "the GET stream was opened"
    )
    await transport.close()
    assert not transport.alive
    log = requests_seen(fixture_server, seen)
    init, *later = log
    assert init["rpc"] == "initialize" and "mcp-session-id" not in init["headers"]
    for req in later:
        assert req["headers"].get("mcp-session-id") == sid, req
    posts_after_init = [r for r in later if r["method"] == "POST"]
    assert [p["rpc"] for p in posts_after_init] == ["notifications/initialized", "tools/call"]
    for post in posts_after_init:
        assert post["headers"]["mcp-protocol-version"] == "2025-11-25"
        assert "mcp-method" not in post["headers"]
    assert log[-1]["method"] == "DELETE"
    assert rec.closed == []  # close() is not a loss
    # the server really ended the session: its id now answers 404
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{fixture_server.base}/mcp",
            json=rpc("tools/list"),
            headers={"Mcp-Session-Id": sid, "Accept": "application/json, text/event-stream"},
        ) as raw,
    ):
        assert raw.status == 404


async def test_legacy_standalone_stream_delivers_server_messages_unrelated(
    legacy: tuple[StreamableHttpTransport, Recorder], fixture_server: RunningServer
) -> None:
    transport, rec = legacy
    await eventually(lambda: any(r["method"] == "GET" for r in requests_seen(fixture_server)), "GET stream open")
    resp = await transport.request(call("poke", {}), 10)
    assert text_of(resp) == "poked"
    await until(lambda: ("notifications/tools/list_changed", None) in rec.methods(), "list_changed on the GET stream")


async def test_legacy_progress_and_elicitation_carry_the_request_id(
    legacy: tuple[StreamableHttpTransport, Recorder],
) -> None:
    transport, rec = legacy
    msg = call("slow", {"steps": 3}, meta={"progressToken": 7})
    assert text_of(await transport.request(msg, 10)) == "done after 3 steps"
    assert [rid for m, rid in rec.messages if m.get("method") == "notifications/progress"] == [msg["id"]] * 3
    rec.answer = "forty-two"
    ask = call("ask", {"question": "what?"})
    assert text_of(await transport.request(ask, 10)) == "answer: forty-two"
    assert ("elicitation/create", ask["id"]) in rec.methods()


async def test_legacy_fifty_calls_are_in_flight_at_once(legacy: tuple[StreamableHttpTransport, Recorder]) -> None:
    transport, _ = legacy
    msgs = [call("meet", {"key": "legacy-50", "count": 50}) for _ in range(50)]
    resps = await asyncio.gather(*(transport.request(m, 30) for m in msgs))
    assert [r["id"] for r in resps] == [m["id"] for m in msgs]
    assert {text_of(r) for r in resps} == {"all met"}


async def test_legacy_expired_session_fails_with_a_clear_reason(fixture_server: RunningServer) -> None:
    transport, rec = await make(f"{fixture_server.base}/mcp")
    try:
        await handshake(transport)
        assert fixture_server.get(f"/_drop?sid={transport.session_id}") == {"dropped": True}
        with pytest.raises(UpstreamUnavailable) as caught:
            await transport.request(call("echo", {"text": "x"}), 10)
        assert "session expired" in str(caught.value)
        assert caught.value.server == "fx"
        assert len(rec.closed) == 1 and "session expired" in rec.closed[0]
        assert not transport.alive
        with pytest.raises(UpstreamUnavailable):  # fails at once from now on
            await transport.request(call("echo", {"text": "x"}), 10)
        assert len(rec.closed) == 1
    finally:
        await transport.close()


async def test_legacy_timeout_sends_cancelled_notification(
    legacy: tuple[StreamableHttpTransport, Recorder], fixture_server: RunningServer
) -> None:
    transport, _ = legacy
    msg = call("sleep", {"seconds": 30, "tag": "legacy-timeout"})
    with pytest.raises(UpstreamTimeout):
        await transport.request(msg, 0.5)

    def cancelled_sent() -> bool:
        return any(
            r.get("rpc") == "notifications/cancelled" and r["params"]["requestId"] == msg["id"]
            for r in requests_seen(fixture_server)
        )

    await eventually(cancelled_sent, "notifications/cancelled was posted")
    await eventually(lambda: "legacy-timeout" in fixture_server.log()["cancelled"], "the server cancelled the call")


# -- errors ------------------------------------------------------------------------------------------
async def test_unreachable_url_fails_at_once_naming_the_server() -> None:
    port = free_port()  # nothing listens there
    transport = StreamableHttpTransport("nowhere", f"http://127.0.0.1:{port}/mcp", {})
    closed: list[str] = []
    transport.on_close = closed.append
    await transport.open()
    try:
        async with asyncio.timeout(10):  # a guard against hanging, far below the call's own timeout
            with pytest.raises(UpstreamUnavailable) as caught:
                await transport.request(rpc("initialize", {}), 120)
        assert caught.value.server == "nowhere"
        assert "'nowhere'" in str(caught.value)
        assert f"127.0.0.1:{port}" in str(caught.value)
    finally:
        await transport.close()


async def test_status_without_jsonrpc_body_is_a_protocol_error(fixture_server: RunningServer) -> None:
    transport, _ = await make(f"{fixture_server.base}/not-the-endpoint")
    try:
        with pytest.raises(UpstreamProtocolError) as caught:
            await transport.request(rpc("initialize", {}), 10)
        assert "HTTP 404" in str(caught.value) and "'fx'" in str(caught.value)
    finally:
        await transport.close()


async def test_unparseable_json_is_a_protocol_error(fixture_server: RunningServer) -> None:
    transport, _ = await make(f"{fixture_server.base}/_garbage")
    try:
        with pytest.raises(UpstreamProtocolError) as caught:
            await transport.request(rpc("initialize", {}), 10)
        assert "not JSON" in str(caught.value)
    finally:
        await transport.close()


async def test_an_answer_with_half_an_emoji_is_read_with_the_replacement_character(
    fixture_server: RunningServer,
) -> None:
    transport, _ = await make(f"{fixture_server.base}/_halfemoji")
    try:
        assert text_of(await transport.request(rpc("tools/call", {"name": "echo"}), 10)) == "cut \ufffd"
    finally:
        await transport.close()


async def test_body_cap_applies_to_sse_answers(fixture_server: RunningServer) -> None:
    transport, _ = await make(f"{fixture_server.base}/mcp", max_body=4096)
    transport.set_protocol_version(MODERN_VERSION)
    try:
        assert text_of(await transport.request(call("big", {"size": 100}, modern=True), 10)) == "x" * 100
        with pytest.raises(UpstreamProtocolError) as caught:
            await transport.request(call("big", {"size": 20000}, modern=True), 10)
        assert "larger than 4096 bytes" in str(caught.value)
        assert text_of(await transport.request(call("echo", {"text": "ok"}, modern=True), 10)) == "ok"
    finally:
        await transport.close()


async def test_json_answers_both_eras_and_body_cap(json_server: RunningServer) -> None:
    transport, _ = await make(f"{json_server.base}/mcp", max_body=4096)
    try:
        await handshake(transport)
        assert transport.session_id
        assert text_of(await transport.request(call("add", {"a": 2, "b": 3}), 10)) == "5"
        with pytest.raises(UpstreamProtocolError) as caught:
            await transport.request(call("big", {"size": 20000}), 10)
        assert "larger than 4096 bytes" in str(caught.value)
        modern = call("echo", {"text": "json"}, modern=True)
        assert text_of(await transport.request(modern, 10)) == "json"
    finally:
        await transport.close()


# -- the session layer on top ------------------------------------------------------------------------
async def test_session_negotiates_modern_over_http(fixture_server: RunningServer) -> None:
    async with started_session("fx", "streamable-http", f"{fixture_server.base}/mcp") as session:
        assert session.era == "modern"
        resp = await session.request("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}})
        assert text_of(resp) == "3"


# -- server-everything (npm, legacy era) -------------------------------------------------------------
@pytest.mark.peers
async def test_everything_server_over_streamable_http(everything_http: RunningServer) -> None:
    transport, rec = await make(f"{everything_http.base}/mcp")
    try:
        probe = await transport.request(rpc("server/discover", modern=True), 10)
        assert "error" in probe  # legacy-only: a modern probe is refused (HTTP 400 with a JSON-RPC error)
        init = await handshake(transport)
        assert init["result"]["serverInfo"]
        assert transport.session_id
        tools = await transport.request(rpc("tools/list"), 10)
        assert {"echo", "get-sum", "trigger-long-running-operation"} <= {t["name"] for t in tools["result"]["tools"]}
        assert "is 5" in text_of(await transport.request(call("get-sum", {"a": 2, "b": 3}), 10))
        long = call("trigger-long-running-operation", {"duration": 0.2, "steps": 3}, meta={"progressToken": "p"})
        await transport.request(long, 10)
        assert [rid for m, rid in rec.messages if m.get("method") == "notifications/progress"] == [long["id"]] * 3
        msgs = [call("echo", {"message": str(i)}) for i in range(50)]
        resps = await asyncio.gather(*(transport.request(m, 30) for m in msgs))
        assert [text_of(r) for r in resps] == [f"Echo: {i}" for i in range(50)]
    finally:
        await transport.close()


@pytest.mark.peers
async def test_session_falls_back_to_legacy_over_http(everything_http: RunningServer) -> None:
    async with started_session("ev", "streamable-http", f"{everything_http.base}/mcp") as session:
        assert session.era == "legacy"
        resp = await session.request("tools/call", {"name": "echo", "arguments": {"message": "via session"}})
        assert text_of(resp) == "Echo: via session"


async def test_legacy_stream_ended_early_is_resumed_with_last_event_id() -> None:
    server = start_fixture("resumable")
    try:
        transport, rec = await make(f"{server.base}/mcp")
        try:
            await handshake(transport)
            msg = call("hop", {}, meta={"progressToken": "hop"})
            assert text_of(await transport.request(msg, 20)) == "hopped"
            progress = [
                (m["params"]["message"], rid) for m, rid in rec.messages if m.get("method") == "notifications/progress"
            ]
            assert progress == [("before the hop", msg["id"]), ("after the hop", msg["id"])]
            resumed = [r for r in server.log()["requests"] if "last-event-id" in r["headers"]]
            assert len(resumed) == 1 and resumed[0]["method"] == "GET"
            assert resumed[0]["headers"]["mcp-session-id"] == transport.session_id
        finally:
            await transport.close()
    finally:
        server.stop()


async def test_legacy_server_death_is_noticed_without_traffic() -> None:
    server = start_fixture("streamable")  # our own: this test kills it
    try:
        transport, rec = await make(f"{server.base}/mcp")
        try:
            await handshake(transport)
            await eventually(lambda: any(r["method"] == "GET" for r in server.log()["requests"]), "GET stream open")
            server.proc.kill()
            server.proc.wait(5)
            # the standalone stream breaks, reconnecting is refused: on_close
            await until(lambda: rec.closed, "the transport closed")
            assert len(rec.closed) == 1 and "cannot connect" in rec.closed[0]
            assert not transport.alive
            with pytest.raises(UpstreamUnavailable):
                await transport.request(call("echo", {"text": "x"}), 60)
        finally:
            await transport.close()
    finally:
        server.stop()


@pytest.mark.peers
async def test_everything_server_lost_session_makes_the_session_initialize_again(
    everything_http: RunningServer,
) -> None:
    async with started_session("ev", "streamable-http", f"{everything_http.base}/mcp") as session:
        transport = session._transport  # reaching in to make the server forget us, as a restart would
        assert isinstance(transport, StreamableHttpTransport) and transport.session_id
        transport.session_id = "00000000-0000-4000-8000-000000000000"
        # server-everything answers an unknown session with 400 "No valid session ID provided"
        with pytest.raises(UpstreamUnavailable) as caught:
            await session.request("tools/call", {"name": "echo", "arguments": {"message": "lost"}})
        assert "session expired" in str(caught.value)
        # the session layer reconnects in the background (first try after 0.5 s)
        await until(lambda: session.state == "ready", "the session reconnected")
        assert session._transport is not transport
        resp = await session.request("tools/call", {"name": "echo", "arguments": {"message": "back"}})
        assert text_of(resp) == "Echo: back"
