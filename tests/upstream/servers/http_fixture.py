"""A real MCP server (the ``mcp`` SDK's ``MCPServer``) served over HTTP for the transport tests.

Run as ``python http_fixture.py PORT streamable|sse``. It listens on 127.0.0.1 only and serves:

- ``/mcp``: Streamable HTTP (both eras on one endpoint), or ``/sse`` + ``/messages/`` (HTTP+SSE, 2024-11-05);
- ``/_log``: the HTTP requests it has seen (method, path, MCP headers) as JSON, so a test can check what
  the transport put on the wire (session id, era headers, the DELETE on close);
- ``/_drop?sid=ID``: forget a legacy session, as a server restart or an idle expiry would.

Tools: ``echo``, ``add``, ``slow`` (progress notifications), ``sleep``, ``big`` (a large result),
``ask`` (an elicitation: a server→client request on the call's stream) and ``poke`` (a
``tools/list_changed`` notification, which legacy Streamable HTTP delivers on the standalone GET stream).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel

_RECORDED_HEADERS = ("mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name", "accept",
                     "content-type", "x-test")

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


@server.tool()
async def sleep(seconds: float) -> str:
    """Sleep, then answer."""
    await asyncio.sleep(seconds)
    return "slept"


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
            await _send_json(send, 200, self.seen)
            return
        if path == "/_drop":
            sid = dict(_query(scope)).get("sid", "")
            dropped = await self._drop(sid)
            await _send_json(send, 200, {"dropped": dropped})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.seen.append({"method": scope["method"], "path": path,
                          "headers": {k: headers[k] for k in _RECORDED_HEADERS if k in headers}})
        await self.app(scope, receive, send)

    async def _drop(self, sid: str) -> bool:
        manager = server._lowlevel_server._session_manager
        if manager is None:
            return False
        transport = manager._server_instances.get(sid)
        if transport is None:
            return False
        await manager._discard_session(sid, transport)
        return True


def _query(scope: Any) -> list[tuple[str, str]]:
    raw = scope.get("query_string", b"").decode()
    return [tuple(part.split("=", 1)) for part in raw.split("&") if "=" in part]  # type: ignore[misc]


async def _send_json(send: Any, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def main() -> None:
    port = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "streamable"
    app = server.sse_app() if mode == "sse" else server.streamable_http_app()
    uvicorn.run(Recorder(app, mode), host="127.0.0.1", port=port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
