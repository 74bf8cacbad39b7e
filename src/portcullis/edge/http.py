"""``/mcp`` over Streamable HTTP, both eras, as a raw ASGI app (the hot path skips any framework).

A ``POST`` comes to ``serve`` straight from ``edge.leanpost``'s lean request cycle; ``GET`` and ``DELETE``
come through uvicorn and ``__call__``. Both pass the same checks here.

- Legacy (≤ 2025-11-25): ``initialize`` makes a session and returns ``Mcp-Session-Id``; later
  requests must carry it (unknown → 404); ``GET`` opens the session's server→client stream
  (``edge.stream``); ``DELETE`` ends it. Every use of a session (``POST``, ``GET``, ``DELETE``) must
  come with the key that opened it (403 otherwise, ``edge.auth``); sessions are kept by
  ``sessions.registry``.
- Modern (2026-07-28): no session; every POST carries ``_meta`` with the protocol version and the
  ``MCP-Protocol-Version``/``Mcp-Method``/``Mcp-Name`` headers, checked against the body (HEADER_MISMATCH,
  ``edge.headers``). ``GET``/``DELETE`` get 405 (with a JSON-RPC error saying why);
  ``subscriptions/listen`` is a long-lived POST stream.
- A request answers with JSON unless something must be streamed first (progress, a question to the
  client): then the response switches to SSE (``edge.sse``), and the final answer is the stream's last event.
- Every request passes the Origin/Host guard, then the agent key (401 without a valid one), and each
  request is decided with the key's grant as it is now. Malformed messages are refused by
  ``edge.inbound`` before anything else reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

import orjson

from portcullis.config.model import GrantConfig
from portcullis.edge.auth import Authenticator, Refused, authorize, owner_of, refresh
from portcullis.edge.headers import check_modern, is_modern_request
from portcullis.edge.inbound import check_envelope, check_message, valid_id
from portcullis.edge.origin import FORBIDDEN_MESSAGE, OriginPolicy
from portcullis.edge.outbox import EventStream
from portcullis.edge.sse import (
    JSON_HEADERS,
    LeanSend,
    Receive,
    Scope,
    Send,
    reply,
    reply_error,
    sse_event,
)
from portcullis.edge.stream import GET_STREAM, SessionRefusal, delete_session, held_here, held_session, open_stream
from portcullis.protocol import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MISSING_CLIENT_CAPABILITY,
    PARSE_ERROR,
    REQUEST_CANCELLED,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    error_response,
    is_modern,
)
from portcullis.protocol.meta import request_version
from portcullis.routing.dispatch import Gateway
from portcullis.sessions.client import ClientSession
from portcullis.sessions.registry import SessionRegistry

__all__ = ["Authenticator", "McpHttpApp", "acceptable"]

log = logging.getLogger("portcullis.http")

_STREAMING = frozenset({"tools/call", "subscriptions/listen", "prompts/get", "resources/read"})
_OTHER_METHOD = "Method Not Allowed: /mcp takes POST, and GET or DELETE with an Mcp-Session-Id header"
_WATCH_AFTER = 0.05  # seconds
# HTTP status of a modern request's JSON-RPC error (2026-07-28 transport rules).
_MODERN_ERROR_STATUS = {
    METHOD_NOT_FOUND: 404,
    MISSING_CLIENT_CAPABILITY: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
}


class _Refusal(Exception):
    """A POST answered with an HTTP error before it reaches routing."""

    def __init__(self, status: int, code: int, message: str, rid: Any = None, data: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.rid, self.data = status, code, message, rid, data


class McpHttpApp:
    """The ASGI app behind ``/mcp``."""

    def __init__(
        self,
        gateway: Gateway,
        origins: OriginPolicy,
        max_body: int,
        sessions: SessionRegistry,
        authenticate: Authenticator | None = None,
    ) -> None:
        self.gateway = gateway
        self.origins = origins
        self.max_body = max_body
        self.authenticate = authenticate
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.serve(scope["method"], dict(scope["headers"]), receive, send)

    async def serve(self, method: str, headers: dict[bytes, bytes], receive: Receive, send: Send) -> None:
        """One request to ``/mcp`` with its (lower-cased) headers; the ASGI ``receive`` and ``send``
        (uvicorn's, or ``edge.leanpost``'s for a POST)."""
        if not self.origins.allows(headers):
            await reply_error(send, 403, INVALID_REQUEST, FORBIDDEN_MESSAGE)
            return
        grant = authorize(self.authenticate, headers)
        if grant is not None and not isinstance(grant, GrantConfig):
            if isinstance(grant, Awaitable):  # an OAuth token that needs the issuer (a new key, introspection)
                grant = await grant
            if isinstance(grant, Refused):
                extra = [(b"www-authenticate", grant.challenge)]
                await reply_error(send, grant.status, INVALID_REQUEST, grant.message, extra=extra)
                return
        if method == "POST":
            try:
                await self._post(receive, send, headers, grant)
            except _Refusal as no:
                await reply_error(send, no.status, no.code, no.message, no.rid, no.data)
        elif method == "GET":
            await open_stream(self.sessions, receive, send, headers, grant)
        elif method == "DELETE":
            await delete_session(self.sessions, send, headers, grant)
        else:
            await reply_error(send, 405, INVALID_REQUEST, _OTHER_METHOD, extra=[(b"allow", b"GET, POST, DELETE")])

    def end_streams(self) -> int:
        """Close every session's GET stream (the gateway is stopping); how many there were."""
        return self.sessions.end_streams(GET_STREAM)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await receive()
            if event["type"] == "http.disconnect":
                return b""
            body = event.get("body", b"")
            size += len(body)
            if size > self.max_body:
                return None
            chunks.append(body)
            if not event.get("more_body"):
                return b"".join(chunks) if len(chunks) != 1 else chunks[0]

    def _message(self, body: bytes | None) -> dict[str, Any]:
        """The POSTed JSON-RPC message in ``body`` (``None``: too large), refused when too large, not JSON or
        malformed."""
        if body is None or len(body) > self.max_body:
            text = f"Request body larger than {self.max_body} bytes (raise 'max_body_bytes' in the config)"
            raise _Refusal(413, INVALID_REQUEST, text)
        try:
            msg = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise _Refusal(400, PARSE_ERROR, f"Parse error: the body is not valid JSON ({exc})") from None
        malformed = check_envelope(msg)
        if malformed is not None:
            rid = msg.get("id") if isinstance(msg, dict) else None
            raise _Refusal(400, malformed[0], malformed[1], rid if valid_id(rid) else None)
        malformed = check_message(msg, body)
        if malformed is not None:
            rid = msg.get("id")
            raise _Refusal(400, malformed[0], malformed[1], rid if valid_id(rid) else None)
        return msg  # type: ignore[no-any-return]

    async def _post(self, receive: Receive, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None) -> None:
        if not acceptable(headers.get(b"accept", b"*/*")):
            text = "Not Acceptable: Accept must list application/json and text/event-stream"
            raise _Refusal(406, INVALID_REQUEST, text)
        body = send.body_now() if isinstance(send, LeanSend) else None  # the lean cycle's body, if all here
        msg = self._message(body if body is not None else await self._read_body(receive))
        method = msg.get("method")
        params = msg.get("params") if isinstance(msg.get("params"), dict) else None
        modern_version = request_version(params)
        modern = is_modern_request(headers, method, modern_version)
        if modern:
            problem = check_modern(headers, method, params, modern_version)
            if problem is not None:
                status, code, text, data = problem
                raise _Refusal(status, code, text, msg.get("id"), data)
            client = ClientSession(grant=grant, owner=owner_of(grant), stateless=True)
        else:
            found = self._legacy_client(headers, msg, method, grant)
            client = found if isinstance(found, ClientSession) else await found
        if "id" not in msg or not isinstance(method, str):  # notification, or a response from the client
            await self.gateway.handle(client, msg, None)
            await send({"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self._request(send, receive, client, msg, method, modern)

    def _legacy_client(
        self, headers: dict[bytes, bytes], msg: dict[str, Any], method: Any, grant: GrantConfig | None
    ) -> ClientSession | Coroutine[Any, Any, ClientSession]:
        """The legacy session a POST belongs to (its key's own, refreshed), or a new one for ``initialize``;
        a coroutine to await for it when this replica does not hold the session (the fleet may)."""
        rid = msg.get("id")
        sid_raw = headers.get(b"mcp-session-id")
        if sid_raw is not None and method != "initialize":
            sid = sid_raw.decode("latin-1")
            found = held_here(self.sessions, sid, grant)
            if found is None:
                return self._adopted(headers, sid, rid, grant)
            return _in_session(found, headers, grant, rid)
        if method == "initialize" or method == "server/discover" or "id" not in msg or not isinstance(method, str):
            return ClientSession(grant=grant, owner=owner_of(grant))
        version = headers.get(b"mcp-protocol-version", b"").decode("latin-1")
        if is_modern(version) or not version:
            text = (
                "Bad Request: missing _meta['io.modelcontextprotocol/protocolVersion'] (2026-07-28) "
                "or Mcp-Session-Id (send initialize first)"
            )
            raise _Refusal(400, INVALID_PARAMS, text, rid)
        raise _Refusal(400, INVALID_REQUEST, "Bad Request: missing Mcp-Session-Id; send initialize first", rid)

    async def _adopted(
        self, headers: dict[bytes, bytes], sid: str, rid: Any, grant: GrantConfig | None
    ) -> ClientSession:
        """``_legacy_client`` for a session this replica does not hold: unknown, or adopted from the fleet."""
        return _in_session(await held_session(self.sessions, sid, grant), headers, grant, rid)

    async def _request(
        self, send: Send, receive: Receive, client: ClientSession, msg: dict[str, Any], method: str, modern: bool
    ) -> None:
        extra: list[tuple[bytes, bytes]] = []
        events = EventStream(send, extra)  # what is sent before the answer (progress, log, questions), in order
        # a legacy session's log level and subscriptions, to tell the fleet when the request changes them
        shared = None if client.stateless else (client.log_level, frozenset(client.subscriptions))

        # Watch for the client going away (how a modern client cancels over HTTP) only once a call
        # has lasted a little: a task per quick call would cost more than the call itself. The lean
        # cycle of a POST hears of it from its connection and needs neither a timer nor a task.
        watch: list[asyncio.Task[None]] = []
        timer: asyncio.TimerHandle | None = None
        lean = send if isinstance(send, LeanSend) else None
        if method in _STREAMING:
            if lean is not None:
                lean.watch_disconnect(_WATCH_AFTER)
            elif (handler := asyncio.current_task()) is not None:
                timer = asyncio.get_running_loop().call_later(
                    _WATCH_AFTER,
                    lambda: watch.append(asyncio.ensure_future(_watch_disconnect(receive, handler))),
                )
        try:
            response = await self.gateway.handle(client, msg, events.put)
            await events.flush()  # what came before the answer goes first
        except asyncio.CancelledError:
            events.close()
            await _cancelled(send, msg, events.started)
            return
        finally:
            if lean is not None:
                lean.unwatch()
            if timer is not None:
                timer.cancel()
            for task in watch:
                task.cancel()
        if method == "initialize" and response is not None and "result" in response:
            extra.append((b"mcp-session-id", self.sessions.issue(client).encode()))
        elif shared is not None and shared != (client.log_level, frozenset(client.subscriptions)):
            await self.sessions.share(client)  # the fleet's replicas see the new log level or subscriptions
        if response is None:
            response = error_response(msg.get("id"), INVALID_REQUEST, "no response")
        if await events.end(response):
            return
        status = 200
        err = response.get("error")
        if err is not None and modern:
            status = _MODERN_ERROR_STATUS.get(err.get("code"), 200)
        body = orjson.dumps(response)
        head = JSON_HEADERS + extra if extra else JSON_HEADERS
        if lean is None or not lean.whole(status, head, body):  # the lean cycle's answer goes in one call
            await reply(send, status, body, head)


def acceptable(accept: bytes) -> bool:
    """Whether a POST's ``Accept`` lets it have an answer: it names JSON, an event stream or ``*/*``.

    ``find``, not ``in``: CPython 3.11 first reads a needle given to ``bytes.__contains__`` as an integer,
    raising and clearing a ``TypeError`` with its message formatted, on every request."""
    return accept.find(b"json") >= 0 or accept.find(b"*/*") >= 0 or accept.find(b"event-stream") >= 0


def _in_session(
    found: ClientSession | SessionRefusal, headers: dict[bytes, bytes], grant: GrantConfig | None, rid: Any
) -> ClientSession:
    """The session a POST names, refreshed with the caller's grant; refused when the caller may not use it
    or names a protocol version the gateway does not speak."""
    if isinstance(found, SessionRefusal):
        raise _Refusal(found.status, INVALID_REQUEST, found.message, rid)
    refresh(found, grant, seen=True)
    header_raw = headers.get(b"mcp-protocol-version")
    session_version = header_raw.decode("latin-1") if header_raw is not None else None
    if session_version is not None and session_version not in SUPPORTED_VERSIONS:
        text = (
            f"Bad Request: unsupported MCP-Protocol-Version {session_version!r}; "
            f"this session speaks {found.protocol_version}"
        )
        raise _Refusal(400, INVALID_REQUEST, text, rid, {"supported": list(SUPPORTED_VERSIONS)})
    return found


async def _cancelled(send: Send, msg: dict[str, Any], streaming: bool) -> None:
    """End a cancelled request's response. By a legacy client's notifications/cancelled, the POST is still
    open and must end (as the SDK's 2025-era transport does, with REQUEST_CANCELLED); a client that went away reads
    nothing."""
    cancelled = orjson.dumps(error_response(msg.get("id"), REQUEST_CANCELLED, "Request cancelled"))
    with contextlib.suppress(Exception):
        if streaming:
            await sse_event(send, cancelled, more=False)
        else:
            await reply(send, 200, cancelled)


async def _watch_disconnect(receive: Receive, handler: asyncio.Task[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            event = await receive()
            if event["type"] == "http.disconnect":
                handler.cancel()
                return
