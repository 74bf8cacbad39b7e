"""A legacy HTTP session's own requests: ``GET /mcp`` opens its server→client event stream, ``DELETE /mcp``
ends it. Both need the session's ``Mcp-Session-Id`` and the key that opened it (``edge.auth``).

``held_session`` finds the session an ``Mcp-Session-Id`` names for every method (POST too): one this
replica holds, or one another replica of the fleet issued, adopted here once its owner is checked
(404 unknown, forged or ended; 403 another key's; 503 when the fleet's store cannot say whether it
was ended)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from portcullis.config.model import GrantConfig
from portcullis.edge.auth import NOT_YOURS, owns, refresh
from portcullis.edge.outbox import Outbox
from portcullis.edge.sse import Receive, Send, reply, reply_error, sse_event, sse_start
from portcullis.errors import StoreUnavailable
from portcullis.protocol import INVALID_REQUEST
from portcullis.sessions.client import ClientSession
from portcullis.sessions.registry import SessionRegistry

__all__ = ["GET_STREAM", "SessionRefusal", "delete_session", "held_here", "held_session", "open_stream"]

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


@dataclass(frozen=True)
class SessionRefusal:
    """Why a request may not use the session its ``Mcp-Session-Id`` names: the HTTP status and the text."""

    status: int
    message: str


_UNKNOWN = SessionRefusal(404, "Session not found: it expired or was closed; send initialize again")


def held_here(
    sessions: SessionRegistry, session_id: str, grant: GrantConfig | None
) -> ClientSession | SessionRefusal | None:
    """``held_session`` for a session this replica holds, without awaiting; ``None`` when it holds none by
    that id (``held_session`` then asks the fleet)."""
    client = sessions.get(session_id)
    if client is None:
        return None
    return client if owns(client, grant) else SessionRefusal(403, NOT_YOURS)


async def held_session(
    sessions: SessionRegistry, session_id: str, grant: GrantConfig | None
) -> ClientSession | SessionRefusal:
    """The session ``session_id`` names, if the caller with ``grant`` may use it; held here from now on."""
    try:
        client = await sessions.find(session_id)
    except StoreUnavailable as exc:
        return SessionRefusal(503, f"Service Unavailable: {exc}; retry shortly")
    if client is None:
        return _UNKNOWN
    if not owns(client, grant):
        return SessionRefusal(403, NOT_YOURS)
    if sessions.get(session_id) is None:
        sessions.open(client)  # adopted from its sealed id: another replica issued it
    return client


async def open_stream(
    sessions: SessionRegistry, receive: Receive, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None
) -> None:
    """``GET /mcp``: the session's event stream, open until the client goes or the session is deleted."""
    if b"mcp-session-id" not in headers:
        await reply_error(send, 405, INVALID_REQUEST, _GET_WITHOUT_SESSION, extra=[(b"allow", b"POST")])
        return
    client = await held_session(sessions, headers[b"mcp-session-id"].decode("latin-1"), grant)
    if isinstance(client, SessionRefusal):
        await reply_error(send, client.status, INVALID_REQUEST, client.message)
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
    async def write(data: bytes) -> None:
        await sse_event(send, data)

    # Taken at once: a broadcast to every listener never waits for this one to read.
    outbox = Outbox(write)

    async def push(event: dict[str, Any]) -> None:
        outbox.put(event)

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
        outbox.close()
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        outbox.close()
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
    client = await held_session(sessions, headers[b"mcp-session-id"].decode("latin-1"), grant)
    if isinstance(client, SessionRefusal):
        await reply_error(send, client.status, INVALID_REQUEST, client.message)
        return
    await sessions.end(client)  # here and on every replica of the fleet
    await reply(send, 200, b"", [])
