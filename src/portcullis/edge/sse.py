"""The one writer of HTTP responses on ``/mcp``: plain JSON replies and Server-Sent Events frames.

A JSON-RPC message on an SSE stream is one ``event: message`` frame; every SSE response of the gateway
(a POST that switched to streaming, a legacy session's GET stream) is written through here.

The ``send`` given may be a ``LeanSend`` (``edge.leanpost``'s request cycle): ``reply`` then hands it the
whole response at once, and it writes the same bytes without the two ASGI messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from portcullis.protocol import error_response

__all__ = [
    "JSON_HEADERS",
    "SSE_HEADERS",
    "LeanSend",
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


class LeanSend:
    """An ASGI ``send`` that also takes a whole response in one call, and can cancel its request when the
    client goes (``edge.leanpost.LeanCycle``)."""

    __slots__ = ()

    async def __call__(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    def whole(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
        """Write a whole response (``headers``, then its content-length, then ``body``) as the two ASGI
        messages would; ``False`` when it must go as messages after all (nothing was done then)."""
        raise NotImplementedError

    def body_now(self) -> bytes | None:
        """The request's whole body, taken as ``receive`` would give it, if it has all arrived and nothing
        else is due first (a ``100 Continue``, a disconnect); ``None`` otherwise (then ``receive`` it)."""
        raise NotImplementedError

    def watch_disconnect(self, after: float) -> None:
        """Until ``unwatch``: cancel the request's task when its client has gone and it has run ``after`` seconds."""
        raise NotImplementedError

    def unwatch(self) -> None:
        raise NotImplementedError


async def reply(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """A whole response: status, headers (JSON unless given) with its length, and the body."""
    if isinstance(send, LeanSend) and send.whole(status, headers or JSON_HEADERS, body):
        return
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
