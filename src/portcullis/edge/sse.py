"""The one writer of HTTP responses on ``/mcp``: plain JSON replies and Server-Sent Events frames.

A JSON-RPC message on an SSE stream is one ``event: message`` frame; every SSE response of the gateway
(a POST that switched to streaming, a legacy session's GET stream) is written through here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from portcullis.protocol import error_response

__all__ = [
    "JSON_HEADERS",
    "SSE_HEADERS",
    "Receive",
    "Scope",
    "Send",
    "reply",
    "reply_error",
    "sse_event",
    "sse_frame",
    "sse_start",
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

JSON_HEADERS = [(b"content-type", b"application/json")]
SSE_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]


async def reply(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """A whole response: status, headers (JSON unless given) with its length, and the body."""
    out = [*(headers or JSON_HEADERS), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


async def reply_error(
    send: Send,
    status: int,
    code: int,
    message: str,
    rid: Any = None,
    data: Any = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A JSON-RPC error as a whole JSON response with HTTP ``status``."""
    await reply(send, status, orjson.dumps(error_response(rid, code, message, data)), JSON_HEADERS + (extra or []))


def sse_frame(data: bytes) -> bytes:
    """One serialized JSON-RPC message as an SSE ``message`` event."""
    return b"event: message\ndata: " + data + b"\n\n"


async def sse_start(send: Send, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """Start a 200 event stream (with ``extra`` headers, e.g. the session id)."""
    await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS + (extra or [])})


async def sse_event(send: Send, message: dict[str, Any] | bytes, *, more: bool = True) -> None:
    """Write one message on an open event stream; ``more=False`` ends the stream with it."""
    data = message if isinstance(message, bytes) else orjson.dumps(message)
    await send({"type": "http.response.body", "body": sse_frame(data), "more_body": more})
