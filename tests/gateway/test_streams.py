"""What flows on streams through a real ``portcullis serve``: progress, cancellation by closing the
stream (2026-07-28), ``list_changed`` on ``subscriptions/listen`` and on the legacy GET stream."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.subscriptions import ResourceUpdated, ToolsListChanged
from pydantic import FileUrl

from portcullis.protocol import SUBSCRIPTION_ID_KEY
from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import LegacySession, answer, modern_request, post_modern, sse_messages
from tests.waiting import WAIT

_WAIT = WAIT


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    servers = {"mod": fixture("mod", era="modern"), "leg": fixture("leg", era="legacy"), "fx": fixture("fx")}
    # New tools are listed at once (no approval needed), so a listing after list_changed shows them.
    with running_gateway(
        tmp_path_factory.mktemp("streams"), servers, catalog={"require_approval_of_new_tools": False}
    ) as gateway:
        yield gateway


def _cancelled(gw: Gateway, server: str) -> list[dict[str, Any]]:
    with httpx.Client(timeout=30) as http:
        reply = answer(post_modern(http, gw.url, "tools/call", {"name": f"{server}__cancelled", "arguments": {}}))
    got: list[dict[str, Any]] = reply["result"]["structuredContent"]["cancelled"]
    return got


@pytest.mark.parametrize("server", ["mod", "leg"])
def test_progress_streams_before_the_result_with_the_clients_token(gw: Gateway, server: str) -> None:
    with httpx.Client(timeout=30) as http:
        body, headers = modern_request(
            "tools/call", {"name": f"{server}__progress", "arguments": {"steps": 3}}, meta={"progressToken": "my-token"}
        )
        resp = http.post(gw.url, json=body, headers=headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert resp.headers.get("x-accel-buffering") == "no"
    events = sse_messages(resp.text)
    progress = [e for e in events if e.get("method") == "notifications/progress"]
    assert [p["params"]["progress"] for p in progress] == [1, 2, 3]
    assert {p["params"]["progressToken"] for p in progress} == {"my-token"}
    assert progress[0]["params"]["total"] == 3 and progress[0]["params"]["message"] == "step 1"
    assert events[-1]["id"] == 1 and events[-1]["result"]["content"][0]["text"] == "done"


def test_a_quick_call_without_progress_answers_plain_json(gw: Gateway) -> None:
    with httpx.Client(timeout=30) as http:
        resp = post_modern(http, gw.url, "tools/call", {"name": "fx__echo", "arguments": {"text": "hi"}})
    assert resp.headers["content-type"].startswith("application/json")
    assert answer(resp)["result"]["structuredContent"] == {"text": "hi"}


@pytest.mark.parametrize("server", ["mod", "leg"])
async def test_closing_the_stream_cancels_the_upstream_call(gw: Gateway, server: str) -> None:
    before = len(_cancelled(gw, server))
    body, headers = modern_request("tools/call", {"name": f"{server}__sleep", "arguments": {"seconds": 60}})
    async with httpx.AsyncClient(timeout=30) as http:
        with anyio.move_on_after(1.0):  # hang up while the upstream is still sleeping
            await http.post(gw.url, json=body, headers=headers)
    deadline = time.monotonic() + _WAIT
    cancelled = _cancelled(gw, server)
    while len(cancelled) == before and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        cancelled = _cancelled(gw, server)
    assert len(cancelled) == before + 1, cancelled
    assert cancelled[-1]["reason"] == "cancelled by the client"


@pytest.mark.parametrize("server", ["mod", "leg"])
async def test_subscriptions_listen_receives_list_changed_from_either_era(gw: Gateway, server: str) -> None:
    async with Client(gw.url, mode="2026-07-28", cache=None) as c, c.listen(tools_list_changed=True) as sub:
        assert sub.honored.tools_list_changed is True
        await c.call_tool(f"{server}__add_tool", {"name": f"fresh_{server}"})
        with anyio.fail_after(_WAIT):
            event = await sub.__anext__()
        assert isinstance(event, ToolsListChanged)
        names: list[str] = []
        cursor: str | None = None
        for _ in range(50):
            page = await c.list_tools(cursor=cursor)
            names += [t.name for t in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        assert f"{server}__fresh_{server}" in names


@pytest.mark.parametrize("server", ["mod", "leg"])
async def test_subscriptions_listen_receives_resource_updates_from_either_era(gw: Gateway, server: str) -> None:
    uri = f"fx://{server}/static"
    async with Client(gw.url, mode="2026-07-28", cache=None) as c, c.listen(resource_subscriptions=[uri]) as sub:
        assert sub.honored.resource_subscriptions == [uri]
        with anyio.fail_after(_WAIT):
            for _ in range(100):  # the gateway subscribes upstream as the stream opens: touch until heard
                await c.call_tool(f"{server}__touch", {"uri": uri})
                with anyio.move_on_after(0.5):
                    event = await sub.__anext__()
                    break
        assert isinstance(event, ResourceUpdated) and event.uri == uri


def test_listen_on_the_wire_acknowledges_then_stamps_the_subscription_id(gw: Gateway) -> None:
    body, headers = modern_request(
        "subscriptions/listen", {"notifications": {"toolsListChanged": True, "bogus": True}}, rid="sub-7"
    )
    events: list[dict[str, Any]] = []
    with httpx.Client(timeout=30) as http, http.stream("POST", gw.url, json=body, headers=headers) as resp:
        assert resp.status_code == 200
        lines = resp.iter_lines()
        buffer: list[str] = []
        for line in lines:
            if line:
                buffer.append(line)
                continue
            events += sse_messages("\n".join(buffer) + "\n\n")
            buffer = []
            if len(events) == 1:
                with httpx.Client(timeout=30) as other:
                    post_modern(other, gw.url, "tools/call", {"name": "fx__add_tool", "arguments": {"name": "x"}})
            if len(events) >= 2:
                break
    ack, changed = events[0], events[1]
    assert ack["method"] == "notifications/subscriptions/acknowledged"
    assert ack["params"]["notifications"] == {"toolsListChanged": True}  # the unknown filter is not honoured
    assert ack["params"]["_meta"][SUBSCRIPTION_ID_KEY] == "sub-7"
    assert changed["method"] == "notifications/tools/list_changed"
    assert changed["params"]["_meta"][SUBSCRIPTION_ID_KEY] == "sub-7"


async def test_a_legacy_sdk_client_hears_list_changed(gw: Gateway) -> None:
    heard = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            heard.set()

    async with Client(gw.url, mode="legacy", cache=None, message_handler=on_message) as c:
        # the SDK opens the GET stream in the background; retry the change until it is heard
        with anyio.fail_after(_WAIT):
            for i in range(100):
                await c.call_tool("leg__add_tool", {"name": f"legacy_{i}"})
                with anyio.move_on_after(0.5):
                    await heard.wait()
                if heard.is_set():
                    break
        assert heard.is_set()


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
@pytest.mark.parametrize("server", ["mod", "leg"])
async def test_sampling_and_roots_are_bridged_between_eras(gw: Gateway, mode: str, server: str) -> None:
    async def model(context: Any, params: Any) -> types.CreateMessageResult:
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text="pong"), model="m", stop_reason="endTurn"
        )

    async def roots(context: Any) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri=FileUrl("file:///srv/repo"), name="repo")])

    async with Client(gw.url, mode=mode, cache=None, sampling_callback=model, list_roots_callback=roots) as c:
        sampled = await c.call_tool(f"{server}__sample", {"prompt": "ping"})
        assert sampled.is_error is not True, sampled
        block = sampled.content[0]
        assert isinstance(block, types.TextContent) and '"pong"' in block.text
        listed = await c.call_tool(f"{server}__roots", {})
        block = listed.content[0]
        assert isinstance(block, types.TextContent) and "file:///srv/repo" in block.text, listed


def _call_answering(session: LegacySession, params: dict[str, Any], seen: list[dict[str, Any]]) -> dict[str, Any]:
    """A legacy tools/call read as a stream; a question on it is answered (so the call can end)."""
    session.last_id += 1
    rid = session.last_id
    body = {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}
    with (
        httpx.Client(timeout=30) as http,
        http.stream("POST", session.url, json=body, headers=session.headers()) as resp,
    ):
        if resp.headers["content-type"].startswith("application/json"):
            resp.read()
            reply: dict[str, Any] = resp.json()
            return reply
        block: list[str] = []
        for line in resp.iter_lines():
            if line:
                block.append(line)
                continue
            for msg in sse_messages("\n".join(block) + "\n\n"):
                seen.append(msg)
                if msg.get("method") == "elicitation/create":
                    with httpx.Client(timeout=30) as other:
                        other.post(
                            session.url,
                            json={"jsonrpc": "2.0", "id": msg["id"], "result": {"action": "decline"}},
                            headers=session.headers(),
                        )
                if msg.get("id") == rid and ("result" in msg or "error" in msg):
                    return msg
            block = []
    raise AssertionError(f"no answer to {rid}: {seen}")


def test_a_question_from_a_stdio_upstream_is_never_shown_to_another_client(gw: Gateway) -> None:
    with httpx.Client(timeout=30) as http:
        a = LegacySession(http, gw.url, {"elicitation": {}})
        b = LegacySession(http, gw.url, {"elicitation": {}})
    seen_a: list[dict[str, Any]] = []
    seen_b: list[dict[str, Any]] = []
    replies: dict[str, dict[str, Any]] = {}

    def run(name: str, session: LegacySession, params: dict[str, Any], seen: list[dict[str, Any]]) -> None:
        replies[name] = _call_answering(session, params, seen)

    # A's call asks its question after a delay; B's call is in flight by then. stdio cannot tell which
    # call asked, so the gateway must not pick B.
    ta = threading.Thread(target=run, args=("a", a, {"name": "leg__elicit", "arguments": {"delay": 1.0}}, seen_a))
    tb = threading.Thread(target=run, args=("b", b, {"name": "leg__sleep", "arguments": {"seconds": 2}}, seen_b))
    ta.start()
    time.sleep(0.2)
    tb.start()
    ta.join(_WAIT)
    tb.join(_WAIT)
    assert "a" in replies and "b" in replies
    assert not any(m.get("method") == "elicitation/create" for m in seen_b), seen_b
    text = replies["a"]["result"]["content"][0]["text"]
    asked_a = any(m.get("method") == "elicitation/create" for m in seen_a)
    assert asked_a or "cannot tell which of several clients" in text, text
