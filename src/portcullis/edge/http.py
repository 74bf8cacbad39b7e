"""``/mcp`` over Streamable HTTP, both eras, as a raw ASGI app (the hot path skips any framework).

- Legacy (≤ 2025-11-25): ``initialize`` makes a session and returns ``Mcp-Session-Id``; later
  requests must carry it (unknown → 404); ``GET`` opens the session's server→client stream;
  ``DELETE`` ends it. Every use of a session (``POST``, ``GET``, ``DELETE``) must come with the key
  that opened it (403 otherwise); sessions are kept by ``sessions.registry``.
- Modern (2026-07-28): no session; every POST carries ``_meta`` with the protocol version and the
  ``MCP-Protocol-Version``/``Mcp-Method``/``Mcp-Name`` headers, checked against the body (HEADER_MISMATCH).
  ``GET``/``DELETE`` get 405 (with a JSON-RPC error saying why); ``subscriptions/listen`` is a long-lived
  POST stream.
- A request answers with JSON unless something must be streamed first (progress, a question to the
  client): then the response switches to SSE, and the final answer is the stream's last event.
- Every request passes the Origin/Host guard, then the agent key (401 without a valid one), and each
  request is decided with the key's grant as it is now. Malformed messages are refused by
  ``edge.inbound`` before anything else reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from portcullis.config.model import GrantConfig
from portcullis.edge.inbound import check_envelope, check_message, valid_id
from portcullis.edge.origin import FORBIDDEN_MESSAGE, OriginPolicy
from portcullis.protocol import (
    CLIENT_CAPABILITIES_KEY,
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LEGACY_VERSIONS,
    METHOD_NOT_FOUND,
    MISSING_CLIENT_CAPABILITY,
    PARSE_ERROR,
    REQUEST_CANCELLED,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    error_response,
    is_modern,
)
from portcullis.routing.dispatch import Gateway
from portcullis.sessions.client import ClientSession
from portcullis.sessions.registry import DEFAULT_SESSIONS_PER_KEY, SessionRegistry
from portcullis.upstream.httpheaders import decode_header_value

__all__ = ["Authenticator", "McpHttpApp"]

log = logging.getLogger("portcullis.http")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Authenticator = Callable[[str | None], "GrantConfig | bool | None"]  # grant, None=anonymous ok, False=refuse

_JSON_HEADERS = [(b"content-type", b"application/json")]
_SSE_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]
_NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
_STREAMING = frozenset({"tools/call", "subscriptions/listen", "prompts/get", "resources/read"})
_UNAUTHORIZED = (
    "Unauthorized: send 'Authorization: Bearer <key>' with an agent key from 'portcullis keys create "
    "NAME' (this gateway takes agent keys; it offers no OAuth sign-in)"
)
_NOT_YOURS = (
    "Forbidden: this session was opened with another agent key; use the key that opened it, or send "
    "initialize to open a session of your own"
)
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
_OTHER_METHOD = "Method Not Allowed: /mcp takes POST, and GET or DELETE with an Mcp-Session-Id header"
_GET_STREAM = ("GET",)  # the key of a session's GET stream among its in-flight tasks (never a JSON-RPC id)
_WATCH_AFTER = 0.05  # seconds
# HTTP status of a modern request's JSON-RPC error (2026-07-28 transport rules).
_MODERN_ERROR_STATUS = {
    METHOD_NOT_FOUND: 404,
    MISSING_CLIENT_CAPABILITY: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
}


class McpHttpApp:
    """The ASGI app behind ``/mcp``."""

    def __init__(
        self,
        gateway: Gateway,
        origins: OriginPolicy,
        max_body: int,
        authenticate: Authenticator | None = None,
        sessions_per_key: int = DEFAULT_SESSIONS_PER_KEY,
    ) -> None:
        self.gateway = gateway
        self.origins = origins
        self.max_body = max_body
        self.authenticate = authenticate
        self.sessions = SessionRegistry(gateway.clients, sessions_per_key)

    # -- plumbing --------------------------------------------------------------------------
    @staticmethod
    async def _reply(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        out = [*(headers or _JSON_HEADERS), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    async def _error(
        self,
        send: Send,
        status: int,
        code: int,
        message: str,
        rid: Any = None,
        data: Any = None,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        await self._reply(
            send, status, orjson.dumps(error_response(rid, code, message, data)), _JSON_HEADERS + (extra or [])
        )

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

    def end_streams(self) -> int:
        """Close every session's GET stream (the gateway is stopping); how many there were."""
        return self.sessions.end_streams(_GET_STREAM)

    def _session(self, headers: dict[bytes, bytes]) -> ClientSession | None:
        sid = headers.get(b"mcp-session-id")
        return self.sessions.get(sid.decode("latin-1")) if sid is not None else None

    # -- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: dict[bytes, bytes] = {}
        for k, v in scope["headers"]:
            headers[k] = v
        if not self.origins.allows(headers):
            await self._error(send, 403, INVALID_REQUEST, FORBIDDEN_MESSAGE)
            return
        grant: GrantConfig | None = None
        if self.authenticate is not None:
            auth = headers.get(b"authorization", b"").decode("latin-1")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
            got = self.authenticate(token)
            if got is False:
                # RFC 6750: no error code when no credentials came; no resource_metadata, since there is
                # no OAuth sign-in to send a client to.
                challenge = (
                    b'Bearer realm="portcullis"'
                    if not token
                    else b'Bearer realm="portcullis", error="invalid_token", '
                    b'error_description="unknown or revoked agent key"'
                )
                await self._error(send, 401, INVALID_REQUEST, _UNAUTHORIZED, extra=[(b"www-authenticate", challenge)])
                return
            grant = got if isinstance(got, GrantConfig) else None
        method = scope["method"]
        if method == "POST":
            await self._post(scope, receive, send, headers, grant)
        elif method == "GET":
            await self._get(receive, send, headers, grant)
        elif method == "DELETE":
            await self._delete(send, headers, grant)
        else:
            await self._error(send, 405, INVALID_REQUEST, _OTHER_METHOD, extra=[(b"allow", b"GET, POST, DELETE")])

    async def _post(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None
    ) -> None:
        owner = grant.key_sha256 if grant is not None else None
        accept = headers.get(b"accept", b"*/*")
        if b"json" not in accept and b"*/*" not in accept and b"event-stream" not in accept:
            await self._error(
                send, 406, INVALID_REQUEST, "Not Acceptable: Accept must list application/json and text/event-stream"
            )
            return
        body = await self._read_body(receive)
        if body is None:
            await self._error(
                send,
                413,
                INVALID_REQUEST,
                f"Request body larger than {self.max_body} bytes (raise 'max_body_bytes' in the config)",
            )
            return
        try:
            msg = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            await self._error(send, 400, PARSE_ERROR, f"Parse error: the body is not valid JSON ({exc})")
            return
        malformed = check_envelope(msg)
        if malformed is not None:
            rid = msg.get("id") if isinstance(msg, dict) else None
            await self._error(send, 400, malformed[0], malformed[1], rid if valid_id(rid) else None)
            return
        malformed = check_message(msg, body)
        if malformed is not None:
            rid = msg.get("id")
            await self._error(send, 400, malformed[0], malformed[1], rid if valid_id(rid) else None)
            return
        rid = msg.get("id")
        method = msg.get("method")
        params = msg.get("params") if isinstance(msg.get("params"), dict) else None
        modern_version = request_version(params)
        sid_raw = headers.get(b"mcp-session-id")
        header_version = headers.get(b"mcp-protocol-version")
        modern = modern_version is not None or (
            header_version is not None
            and sid_raw is None
            and method != "initialize"
            and header_version.decode("latin-1").strip() not in LEGACY_VERSIONS
        )
        client: ClientSession | None = None
        if modern:
            problem = self._check_modern(headers, msg, method, params, modern_version)
            if problem is not None:
                status, code, text, data = problem
                await self._error(send, status, code, text, rid, data)
                return
            client = ClientSession(grant=grant, owner=owner, stateless=True)
        elif sid_raw is not None and method != "initialize":
            client = self.sessions.get(sid_raw.decode("latin-1"))
            if client is None:
                await self._error(
                    send,
                    404,
                    INVALID_REQUEST,
                    "Session not found: it expired or was closed; send initialize again",
                    rid,
                )
                return
            if not self.sessions.owned_by(client, owner):
                await self._error(send, 403, INVALID_REQUEST, _NOT_YOURS, rid)
                return
            client.grant = grant  # the grant as it is now: servers and policy may have changed
            client.last_seen = time.monotonic()
            header_raw = headers.get(b"mcp-protocol-version")
            session_version = header_raw.decode("latin-1") if header_raw is not None else None
            if session_version is not None and session_version not in SUPPORTED_VERSIONS:
                await self._error(
                    send,
                    400,
                    INVALID_REQUEST,
                    f"Bad Request: unsupported MCP-Protocol-Version {session_version!r}; "
                    f"this session speaks {client.protocol_version}",
                    rid,
                    {"supported": list(SUPPORTED_VERSIONS)},
                )
                return
        elif method == "initialize" or method == "server/discover" or "id" not in msg or not isinstance(method, str):
            client = ClientSession(grant=grant, owner=owner)
        else:
            version = headers.get(b"mcp-protocol-version", b"").decode("latin-1")
            if is_modern(version) or not version:
                await self._error(
                    send,
                    400,
                    INVALID_PARAMS,
                    "Bad Request: missing _meta['io.modelcontextprotocol/protocolVersion'] (2026-07-28) "
                    "or Mcp-Session-Id (send initialize first)",
                    rid,
                )
            else:
                await self._error(
                    send, 400, INVALID_REQUEST, "Bad Request: missing Mcp-Session-Id; send initialize first", rid
                )
            return
        if "id" not in msg or not isinstance(method, str):  # notification, or a response from the client
            await self.gateway.handle(client, msg, None)
            await send({"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await self._request(send, receive, client, msg, method, modern)

    def _check_modern(
        self, headers: dict[bytes, bytes], msg: dict[str, Any], method: Any, params: dict[str, Any] | None, version: Any
    ) -> tuple[int, int, str, Any] | None:
        if version is None:
            text = (
                "Invalid params: missing _meta['io.modelcontextprotocol/protocolVersion'] (every 2026-07-28 "
                "request carries it; legacy clients send initialize first)"
            )
            return 400, INVALID_PARAMS, text, None
        header_version = headers.get(b"mcp-protocol-version")
        if header_version is None or header_version.decode("latin-1").strip() != version:
            text = "Header mismatch: MCP-Protocol-Version must equal the _meta protocol version"
            return 400, HEADER_MISMATCH, text, None
        if version not in SUPPORTED_VERSIONS or not is_modern(str(version)):
            return (
                400,
                UNSUPPORTED_PROTOCOL_VERSION,
                f"Unsupported protocol version: {version}",
                {"supported": list(SUPPORTED_VERSIONS), "requested": version},
            )
        header_method = headers.get(b"mcp-method")
        if header_method is None or header_method.decode("latin-1").strip() != method:
            return 400, HEADER_MISMATCH, "Header mismatch: Mcp-Method must equal the request's method", None
        field = _NAMED.get(str(method))
        if field is not None:
            value = params.get(field) if params else None
            header_name = headers.get(b"mcp-name")
            if header_name is None or decode_header_value(header_name.decode("utf-8", "replace")) != value:
                return 400, HEADER_MISMATCH, f"Header mismatch: Mcp-Name must equal params.{field}", None
        meta = params.get("_meta") if params else None
        if not isinstance(meta, dict) or not isinstance(meta.get(CLIENT_CAPABILITIES_KEY), dict):
            text = "Invalid params: missing _meta['io.modelcontextprotocol/clientCapabilities']"
            return 400, INVALID_PARAMS, text, None
        return None

    async def _request(
        self, send: Send, receive: Receive, client: ClientSession, msg: dict[str, Any], method: str, modern: bool
    ) -> None:
        streaming = False
        extra: list[tuple[bytes, bytes]] = []
        if method == "initialize":
            extra = [(b"mcp-session-id", client.id.encode())]

        async def stream(event: dict[str, Any]) -> None:
            nonlocal streaming
            if not streaming:
                streaming = True
                await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS + extra})
            await send(
                {
                    "type": "http.response.body",
                    "body": b"event: message\ndata: " + orjson.dumps(event) + b"\n\n",
                    "more_body": True,
                }
            )

        # Watch for the client going away (how a modern client cancels over HTTP) only once a call
        # has lasted a little: a task per quick call would cost more than the call itself.
        watch: list[asyncio.Task[None]] = []
        timer: asyncio.TimerHandle | None = None
        handler = asyncio.current_task()
        if method in _STREAMING and handler is not None:
            timer = asyncio.get_running_loop().call_later(
                _WATCH_AFTER, lambda: watch.append(asyncio.ensure_future(self._watch_disconnect(receive, handler)))
            )
        try:
            response = await self.gateway.handle(client, msg, stream)
        except asyncio.CancelledError:
            # By a legacy client's notifications/cancelled, the POST is still open and must end (as the
            # SDK's 2025-era transport does, with REQUEST_CANCELLED); a client that went away reads nothing.
            cancelled = orjson.dumps(error_response(msg.get("id"), REQUEST_CANCELLED, "Request cancelled"))
            with contextlib.suppress(Exception):
                if streaming:
                    await send(
                        {
                            "type": "http.response.body",
                            "body": b"event: message\ndata: " + cancelled + b"\n\n",
                            "more_body": False,
                        }
                    )
                else:
                    await self._reply(send, 200, cancelled)
            return
        finally:
            if timer is not None:
                timer.cancel()
            for task in watch:
                task.cancel()
        if method == "initialize" and response is not None and "result" in response:
            self.sessions.add(client)
        if response is None:
            response = error_response(msg.get("id"), INVALID_REQUEST, "no response")
        if streaming:
            await send(
                {
                    "type": "http.response.body",
                    "body": b"event: message\ndata: " + orjson.dumps(response) + b"\n\n",
                    "more_body": False,
                }
            )
            return
        status = 200
        err = response.get("error")
        if err is not None and modern:
            status = _MODERN_ERROR_STATUS.get(err.get("code"), 200)
        await self._reply(send, status, orjson.dumps(response), _JSON_HEADERS + extra if extra else _JSON_HEADERS)

    @staticmethod
    async def _watch_disconnect(receive: Receive, handler: asyncio.Task[Any]) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                event = await receive()
                if event["type"] == "http.disconnect":
                    handler.cancel()
                    return

    async def _get(self, receive: Receive, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None) -> None:
        if b"mcp-session-id" not in headers:
            await self._error(send, 405, INVALID_REQUEST, _GET_WITHOUT_SESSION, extra=[(b"allow", b"POST")])
            return
        client = self._session(headers)
        if client is None:
            await self._error(send, 404, INVALID_REQUEST, "Session not found; send initialize again")
            return
        if not self.sessions.owned_by(client, grant.key_sha256 if grant is not None else None):
            await self._error(send, 403, INVALID_REQUEST, _NOT_YOURS)
            return
        client.grant = grant
        if b"text/event-stream" not in headers.get(b"accept", b""):
            await self._error(send, 406, INVALID_REQUEST, "Not Acceptable: GET needs Accept: text/event-stream")
            return
        if client.sender is not None:
            await self._error(send, 409, INVALID_REQUEST, "Conflict: this session already has a GET stream open")
            return
        lock = asyncio.Lock()

        async def push(event: dict[str, Any]) -> None:
            async with lock:
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"event: message\ndata: " + orjson.dumps(event) + b"\n\n",
                        "more_body": True,
                    }
                )

        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_SSE_HEADERS, (b"mcp-session-id", client.id.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b": stream open\n\n", "more_body": True})
        client.sender = push
        task = asyncio.current_task()
        if task is not None:
            client.inflight[_GET_STREAM] = task  # DELETE cancels it, which ends the stream
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
            if client.inflight.get(_GET_STREAM) is task:
                client.inflight.pop(_GET_STREAM, None)

    async def _delete(self, send: Send, headers: dict[bytes, bytes], grant: GrantConfig | None) -> None:
        if b"mcp-session-id" not in headers:
            await self._error(send, 405, INVALID_REQUEST, _DELETE_WITHOUT_SESSION, extra=[(b"allow", b"POST")])
            return
        client = self._session(headers)
        if client is None:
            await self._error(send, 404, INVALID_REQUEST, "Session not found")
            return
        if not self.sessions.owned_by(client, grant.key_sha256 if grant is not None else None):
            await self._error(send, 403, INVALID_REQUEST, _NOT_YOURS)
            return
        self.sessions.drop(client)
        await self._reply(send, 200, b"", [])
