"""A legacy HTTP session's own requests: ``GET /mcp`` opens its server→client event stream, ``DELETE /mcp``
ends it. Both need the session's ``Mcp-Session-Id`` and the key that opened it (``edge.auth``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from portcullis.config.model import GrantConfig
from portcullis.edge.auth import NOT_YOURS, owns, refresh
from portcullis.edge.sse import Receive, Send, reply, reply_error, sse_event, sse_start
from portcullis.protocol import INVALID_REQUEST
from portcullis.sessions.client import ClientSession
from portcullis.sessions.registry import SessionRegistry

__all__ = ["GET_STREAM", "delete_session", "open_stream"]

_GET_WITHOUT_SESSION = (
    "Method Not Allowed: GET /mcp opens the stream of server messages of a session, so it needs "
    "the Mcp-Session-Id header that initialize answered with (protocol 2025-11-25 and before); "
    "protocol 2026-07-28 has no such stream: POST each request, and POST subscriptions/listen "
    "for notifications"
)
_DELETE_WITHOUT_SESSION = (
    "Method Not Allowed: DELETE /mcp ends a session, so it needs the Mcp-Session-Id header "
    "of the session to end; protocol 2026-07-28 has no sessions to end"
)
GET_STREAM = ("GET",)  # the key of a session's GET stream among its in-flight tasks (never a JSON-RPC id)


def _session(sessions: SessionRegistry, headers: dict[bytes, bytes]) -> ClientSession | None:
    sid = headers.get(b"mcp-session-id")
    return sessions.get(sid.decode("latin-1")) if sid is not None else None


async def open_stream(
    sessions: SessionRegistry, receive: Receive, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None
) -> None:
    """``GET /mcp``: the session's event stream, open until the client goes or the session is deleted."""
    if b"mcp-session-id" not in headers:
        await reply_error(send, 405, INVALID_REQUEST, _GET_WITHOUT_SESSION, extra=[(b"allow", b"POST")])
        return
    client = _session(sessions, headers)
    if client is None:
        await reply_error(send, 404, INVALID_REQUEST, "Session not found; send initialize again")
        return
    if not owns(client, grant):
        await reply_error(send, 403, INVALID_REQUEST, NOT_YOURS)
        return
    refresh(client, grant)
    if b"text/event-stream" not in headers.get(b"accept", b""):
        await reply_error(send, 406, INVALID_REQUEST, "Not Acceptable: GET needs Accept: text/event-stream")
        return
    if client.sender is not None:
        await reply_error(send, 409, INVALID_REQUEST, "Conflict: this session already has a GET stream open")
        return
    await _serve_stream(client, receive, send)


async def _serve_stream(client: ClientSession, receive: Receive, send: Send) -> None:
    lock = asyncio.Lock()

    async def push(event: dict[str, Any]) -> None:
        async with lock:
            await sse_event(send, event)

    await sse_start(send, [(b"mcp-session-id", client.id.encode())])
    await send({"type": "http.response.body", "body": b": stream open\n\n", "more_body": True})
    client.sender = push
    task = asyncio.current_task()
    if task is not None:
        client.inflight[GET_STREAM] = task  # DELETE cancels it, which ends the stream
    try:
        while True:
            event = await receive()
            if event["type"] == "http.disconnect":
                return
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            async with lock:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        if client.sender is push:
            client.sender = None
        if client.inflight.get(GET_STREAM) is task:
            client.inflight.pop(GET_STREAM, None)


async def delete_session(
    sessions: SessionRegistry, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None
) -> None:
    """``DELETE /mcp``: end the session (its requests in flight and its GET stream with it)."""
    if b"mcp-session-id" not in headers:
        await reply_error(send, 405, INVALID_REQUEST, _DELETE_WITHOUT_SESSION, extra=[(b"allow", b"POST")])
        return
    client = _session(sessions, headers)
    if client is None:
        await reply_error(send, 404, INVALID_REQUEST, "Session not found")
        return
    if not owns(client, grant):
        await reply_error(send, 403, INVALID_REQUEST, NOT_YOURS)
        return
    sessions.drop(client)
    await reply(send, 200, b"", [])
