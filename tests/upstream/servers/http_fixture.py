"""A real MCP server (the ``mcp`` SDK's ``MCPServer``) served over HTTP for the transport tests.

Run as ``python http_fixture.py PORT MODE`` with MODE ``streamable`` (SSE answers), ``json`` (Streamable
HTTP with JSON answers), ``resumable`` (SSE answers with event ids kept in memory, so that a stream the
server ends early can be resumed by GET with ``Last-Event-ID``) or ``sse`` (the 2024-11-05 HTTP+SSE
transport). It listens on 127.0.0.1 only:

- ``/mcp``: Streamable HTTP (both eras on one endpoint), or ``/sse`` + ``/messages/`` (HTTP+SSE);
- ``/_log``: what it has seen, as JSON: every HTTP request (method, path, MCP headers, the JSON-RPC
  method of a POST body), the ``sleep`` calls that started and those that were cancelled — so a test
  can check what the transport put on the wire (session id, era headers, DELETE, cancellation);
- ``/_drop?sid=ID``: forget a legacy session, as a server restart or an idle expiry would;
- ``/_garbage``: a 200 ``application/json`` answer that is not JSON;
- ``/_halfemoji``: a 200 ``application/json`` result for the POSTed request whose text ends in half a
  surrogate pair, as JavaScript's ``JSON.stringify`` writes a string cut through an emoji;
- ``/_foreign``: an SSE stream whose ``endpoint`` event names another origin.

Tools: ``echo``, ``add``, ``slow`` (progress notifications), ``sleep`` (records start and
cancellation by tag), ``meet`` (answers only once ``count`` calls are in flight together), ``big`` (a
large result), ``regional`` (an ``x-mcp-header`` argument), ``ask`` (an elicitation: a server→client
request on the call's stream), ``hop`` (ends its own stream half-way: resumable mode) and ``poke`` (a
``tools/list_changed`` notification outside any request, which legacy Streamable HTTP delivers on the
standalone GET stream).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http import EventCallback, EventMessage, EventStore
from pydantic import BaseModel, Field

_RECORDED_HEADERS = (
    "mcp-session-id",
    "mcp-protocol-version",
    "mcp-method",
    "mcp-name",
    "accept",
    "content-type",
    "x-test",
    "last-event-id",
)

server: MCPServer[Any] = MCPServer("http-fixture")


@server.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@server.tool()
async def slow(steps: int, ctx: Context) -> str:
    """Report ``steps`` progress notifications, then finish."""
    for i in range(steps):
        await ctx.report_progress(i + 1, steps, f"step {i + 1}")
        await asyncio.sleep(0.01)
    return f"done after {steps} steps"


STARTED: list[str] = []
CANCELLED: list[str] = []
_MET: dict[str, int] = {}


@server.tool()
async def sleep(seconds: float, tag: str = "") -> str:
    """Sleep, then answer; remember the tag when it starts and when it is cancelled."""
    STARTED.append(tag)
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        CANCELLED.append(tag)
        raise
    return "slept"


@server.tool()
async def meet(key: str, count: int) -> str:
    """Wait (at most 10 s) until ``count`` calls with this key are in flight at once."""
    _MET[key] = _MET.get(key, 0) + 1
    for _ in range(1000):
        if _MET[key] >= count:
            return "all met"
        await asyncio.sleep(0.01)
    return f"only {_MET[key]} of {count} met"


@server.tool()
def regional(region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})]) -> str:
    """Return the region, which a modern client also sends as the Mcp-Param-Region header."""
    return f"region {region}"


@server.tool()
def big(size: int) -> str:
    """A text result of ``size`` bytes."""
    return "x" * size


class Answer(BaseModel):
    answer: str


@server.tool()
async def ask(question: str, ctx: Context) -> str:
    """Ask the client a question (elicitation) and return what it said."""
    result = await ctx.elicit(question, Answer)
    if result.action == "accept" and result.data is not None:
        return f"answer: {result.data.answer}"
    return f"no answer: {result.action}"


@server.tool()
async def hop(ctx: Context) -> str:
    """Report progress, end this request's SSE stream, report again and answer (on the resumed stream)."""
    await ctx.report_progress(1, 2, "before the hop")
    await ctx.close_sse_stream()
    await asyncio.sleep(0.3)
    await ctx.report_progress(2, 2, "after the hop")
    return "hopped"


class MemoryEventStore(EventStore):
    """Every event of every stream, in order, so that a GET with Last-Event-ID can replay the rest."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, Any]] = []

    async def store_event(self, stream_id: str, message: Any) -> str:
        event_id = str(len(self.events) + 1)
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id: str, send_callback: EventCallback) -> str | None:
        index = next((i for i, (eid, _, _) in enumerate(self.events) if eid == last_event_id), None)
        if index is None:
            return None
        stream_id = self.events[index][1]
        for event_id, sid, message in self.events[index + 1 :]:
            if sid == stream_id and message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream_id


@server.tool()
async def poke(ctx: Context) -> str:
    """Send notifications/tools/list_changed outside of any request."""
    await ctx.request_context.session.send_tool_list_changed()
    return "poked"


class Recorder:
    """ASGI wrapper: remembers each request's MCP headers, serves ``/_log`` and ``/_drop``."""

    def __init__(self, app: Any, mode: str) -> None:
        self.app = app
        self.mode = mode
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == "/_log":
            await _send_json(send, 200, {"requests": self.seen, "started": STARTED, "cancelled": CANCELLED})
            return
        if path == "/_garbage":
            await _send(send, 200, b"application/json", b"this is not {json")
            return
        if path == "/_halfemoji":
            rid = json.loads((await receive()).get("body", b"{}")).get("id")
            text = b'{"content": [{"type": "text", "text": "cut \\ud83d"}]}'
            await _send(send, 200, b"application/json", b'{"jsonrpc": "2.0", "id": %d, "result": %s}' % (rid, text))
            return
        if path == "/_foreign":
            await _send(send, 200, b"text/event-stream", b"event: endpoint\ndata: http://192.0.2.1:9/messages\n\n")
            return
        if path == "/_drop":
            sid = _query(scope).get("sid", "")
            dropped = await self._drop(sid)
            await _send_json(send, 200, {"dropped": dropped})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        entry: dict[str, Any] = {
            "method": scope["method"],
            "path": path,
            "headers": {k: headers[k] for k in _RECORDED_HEADERS if k in headers},
        }
        self.seen.append(entry)
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            part = await receive()
            body += part.get("body", b"")
            more = part.get("more_body", False)
        try:
            msg = json.loads(body)
            entry["rpc"] = msg.get("method") or "response"
            entry["params"] = msg.get("params")
        except (ValueError, AttributeError):
            entry["rpc"] = None
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _drop(self, sid: str) -> bool:
        manager = server._lowlevel_server._session_manager
        if manager is None:
            return False
        transport = manager._server_instances.get(sid)
        if transport is None:
            return False
        await manager._discard_session(sid, transport)
        return True


def _query(scope: Any) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode()
    return dict(part.split("=", 1) for part in raw.split("&") if "=" in part)


async def _send_json(send: Any, status: int, body: Any) -> None:
    await _send(send, status, b"application/json", json.dumps(body).encode())


async def _send(send: Any, status: int, content_type: bytes, data: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})


def main() -> None:
    port = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "streamable"
    if mode == "sse":
        app = server.sse_app()
    elif mode == "resumable":
        app = server.streamable_http_app(event_store=MemoryEventStore(), retry_interval=50)
    else:
        app = server.streamable_http_app(json_response=mode == "json")
    uvicorn.run(Recorder(app, mode), host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
