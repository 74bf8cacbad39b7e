"""The Streamable HTTP transport to an upstream MCP server, in both protocol eras.

Every JSON-RPC message is one POST on a keep-alive ``aiohttp`` session (one per upstream, made in
``open()``); the answer is a JSON body or an SSE stream scoped to that request, parsed as it
arrives, whose other messages (progress, logging, server→client requests) go to ``on_message``
with the request's id as ``related_id``. Many requests are in flight at once; nothing serialises
them. What goes into the headers depends on the era (notes/protocol-and-sdk.md §1.1, §1.4):

- legacy (≤ 2025-11-25): the ``Mcp-Session-Id`` captured from the ``initialize`` answer rides on
  every later request, ``MCP-Protocol-Version`` from 2025-06-18 on; after
  ``notifications/initialized`` a standalone GET stream carries the server's own messages
  (``related_id`` None); a 404 to a request with a session id means the session expired; ``close()``
  sends DELETE. Cancelling a request sends ``notifications/cancelled``. A request stream that the
  server ends before answering is resumed with a GET carrying ``Last-Event-ID`` (2025-11-25 polling).
- modern (2026-07-28): no session; each POST carries ``MCP-Protocol-Version`` (the ``_meta``
  version of the message), ``Mcp-Method``, ``Mcp-Name`` and the ``Mcp-Param-*`` headers a tool's
  ``inputSchema`` declares with ``x-mcp-header``. Closing a request's stream cancels it.

The era of each message is read from its own ``_meta`` first, so the session layer's
``server/discover`` probe is already modern before ``set_protocol_version`` is called.

Errors: unreachable (refused, DNS, reset) → ``UpstreamUnavailable`` at once; no answer in time →
``UpstreamTimeout``; a non-2xx status with a JSON-RPC error body → that error, returned as the
response; any other non-2xx, bad JSON or an oversized body → ``UpstreamProtocolError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.constants import is_modern
from portcullis.protocol.headers import encode_header_value, param_header_map, param_headers
from portcullis.protocol.messages import notification
from portcullis.protocol.meta import request_version
from portcullis.upstream.rawhttp import RawHttpPool, RawResponse
from portcullis.upstream.reasons import DEFAULT_MAX_BODY, connect_reason, describe_url, os_reason
from portcullis.upstream.sseparse import SseEventTooLarge, SseParser
from portcullis.upstream.transport import Message, Transport

__all__ = ["StreamableHttpTransport"]

log = logging.getLogger("portcullis.upstream")

Response = aiohttp.ClientResponse | RawResponse

_ACCEPT = "application/json, text/event-stream"
_VERSION_HEADER_SINCE = "2025-06-18"  # legacy revisions before this one have no MCP-Protocol-Version header
_NAME_PARAM = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
_SESSION_ID = re.compile(r"[\x21-\x7e]{1,1024}")
_ERROR_BODY_LIMIT = 64 * 1024
_MAX_RESUMES = 8  # GETs with Last-Event-ID for one request whose stream the server keeps ending
_DRAIN_LIMIT = 10.0  # seconds a finished SSE stream may take to end before its connection is dropped


def _about_session(answer: Message) -> bool:
    """Whether a JSON-RPC error says the session is unknown (a legacy server that lost it)."""
    error = answer.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return isinstance(message, str) and "session" in message.lower()


class StreamableHttpTransport(Transport):
    """JSON-RPC to one upstream over Streamable HTTP (POST per message, JSON or SSE answers)."""

    def __init__(
        self,
        server: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        connect_timeout: float = 10.0,
        max_connections: int = 256,
        keepalive_timeout: float = 4.0,
        notify_timeout: float = 10.0,
    ) -> None:
        super().__init__(server)
        self.url = url
        self.headers = dict(headers or {})
        self.max_body = max_body
        self.connect_timeout = connect_timeout
        self.max_connections = max_connections
        # Shorter than the idle timeout of common servers (uvicorn and Node: 5 s), so a pooled
        # connection is never reused just as the server closes it.
        self.keepalive_timeout = keepalive_timeout
        self.notify_timeout = notify_timeout
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        self._where = describe_url(url)
        self._base = {**self.headers, "Accept": _ACCEPT, "Content-Type": "application/json"}
        self._http: aiohttp.ClientSession | None = None
        self._raw: RawHttpPool | None = None
        self._modern = False
        self._closing = False
        self._dead: str | None = None
        self._get_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._tool_headers: dict[str, dict[tuple[str, ...], str]] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._http is not None and not self._http.closed and self._dead is None and not self._closing

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=self.keepalive_timeout)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout)
        self._http = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            auto_decompress=True,
            trust_env=False,
            skip_auto_headers=("User-Agent",),
        )
        parts = urlsplit(self.url)
        if parts.scheme == "http" and parts.hostname and not parts.username:
            # Plain HTTP POSTs take the fast path (see upstream.rawhttp); HTTPS and streams use aiohttp.
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            self._raw = RawHttpPool(parts.hostname, parts.port or 80, path, self.connect_timeout)
        self._closing = False
        self._dead = None

    def set_protocol_version(self, version: str | None) -> None:
        self.protocol_version = version
        self._modern = is_modern(version)
        if self._modern:
            self.session_id = None

    async def close(self) -> None:
        self._closing = True
        if self._get_task is not None:
            self._get_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._get_task
            self._get_task = None
        http = self._http
        if http is not None and not http.closed:
            if self.session_id is not None and self._dead is None:
                await self._delete_session(http)
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            await http.close()
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        self.session_id = None

    async def _delete_session(self, http: aiohttp.ClientSession) -> None:
        """End the legacy session (the server may answer 405: it keeps sessions until they expire)."""
        headers = self._legacy_headers({**self.headers})
        try:
            async with asyncio.timeout(2.0):
                async with http.delete(self.url, headers=headers) as resp:
                    await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.debug("[%s] DELETE of the session failed: %r", self.server, exc)

    def _lost(self, reason: str) -> None:
        """The upstream is gone (or forgot our session): fail from now on and tell the session once."""
        if self._closing or self._dead is not None:
            return
        self._dead = reason
        if self._get_task is not None and self._get_task is not asyncio.current_task():
            self._get_task.cancel()
        self.on_close(reason)

    def _expired(self, detail: str) -> UpstreamUnavailable:
        """The server no longer knows our legacy session: the session layer must initialize again."""
        self.session_id = None
        reason = f"its session expired ({detail}); it must be initialized again"
        self._lost(reason)
        return UpstreamUnavailable(self.server, reason)

    def _client(self) -> aiohttp.ClientSession:
        http = self._http
        if http is None or http.closed or self._closing:
            raise UpstreamUnavailable(self.server, "the HTTP connection is not open", may_have_run=False)
        if self._dead is not None:
            raise UpstreamUnavailable(self.server, self._dead, may_have_run=False)
        return http

    # -- headers -------------------------------------------------------------------------------
    def _legacy_headers(self, headers: dict[str, str]) -> dict[str, str]:
        if self.session_id is not None:
            headers["Mcp-Session-Id"] = self.session_id
        version = self.protocol_version
        if version is not None and version >= _VERSION_HEADER_SINCE:
            headers["MCP-Protocol-Version"] = version
        return headers

    def _headers_for(self, message: Message) -> dict[str, str]:
        headers = dict(self._base)
        params = message.get("params")
        version = self.protocol_version
        meta_version = request_version(params) if isinstance(params, dict) else None
        if isinstance(meta_version, str):
            version = meta_version
        if not is_modern(version):
            return self._legacy_headers(headers)
        assert version is not None
        headers["MCP-Protocol-Version"] = version
        method = message.get("method")
        if isinstance(method, str):
            headers["Mcp-Method"] = encode_header_value(method)
            key = _NAME_PARAM.get(method)
            if key is not None and isinstance(params, dict):
                name = params.get(key)
                if isinstance(name, str):
                    headers["Mcp-Name"] = encode_header_value(name)
                    mapping = self._tool_headers.get(name) if method == "tools/call" else None
                    if mapping:
                        headers.update(param_headers(mapping, params.get("arguments")))
        return headers

    def _learn_tools(self, response: Message) -> None:
        result = response.get("result")
        tools = result.get("tools") if isinstance(result, dict) else None
        if isinstance(tools, list):
            self.remember_tools(tools)

    def remember_tools(self, tools: list[Any]) -> None:
        """Note which tools declare ``x-mcp-header`` arguments, whose values modern calls mirror as headers.

        Every modern ``tools/list`` answer that passes through is read this way; a caller holding a
        catalogue from elsewhere (an earlier connection) may feed it here too.
        """
        for tool in tools:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                mapping = param_header_map(tool.get("inputSchema"))
                if mapping:
                    self._tool_headers[tool["name"]] = mapping
                else:
                    self._tool_headers.pop(tool["name"], None)

    # -- requests ------------------------------------------------------------------------------
    async def request(self, message: Message, timeout: float) -> Message:
        http = self._client()
        rid = message["id"]
        method = str(message.get("method"))
        headers = self._headers_for(message)
        body = orjson.dumps(message)
        try:
            async with asyncio.timeout(timeout):
                response = await self._exchange(http, body, headers, rid, method)
        except TimeoutError:
            self._cancel_upstream(rid, "timeout", headers)
            raise UpstreamTimeout(self.server, method, timeout) from None
        except asyncio.CancelledError:
            self._cancel_upstream(rid, "cancelled by the client", headers)
            raise
        if method == "tools/list" and "MCP-Protocol-Version" in headers and "Mcp-Method" in headers:
            self._learn_tools(response)
        return response

    async def _exchange(
        self, http: aiohttp.ClientSession, body: bytes, headers: dict[str, str], rid: Any, method: str
    ) -> Message:
        resp: Response
        try:
            resp = await (
                self._raw.post(body, headers)
                if self._raw is not None
                else http.post(self.url, data=body, headers=headers)
            )
        except OSError as exc:  # the raw pool's connection failures (refused, unreachable, timed out)
            reason = f"cannot connect to {self._where}: {os_reason(exc)}"
            self._lost(reason)
            # Refused: nothing was sent. Any other failure may come after the request went out.
            raise UpstreamUnavailable(
                self.server, reason, may_have_run=not isinstance(exc, ConnectionRefusedError)
            ) from None
        except aiohttp.ClientConnectorError as exc:
            reason = f"cannot connect to {self._where}: {connect_reason(exc)}"
            self._lost(reason)
            raise UpstreamUnavailable(self.server, reason, may_have_run=False) from None
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(self.server, f"sending {method} to {self._where} failed: {exc!r}") from None
        try:
            response = await self._read_answer(resp, rid, method, headers)
        except BaseException as exc:
            resp.close()  # abandoning the stream is also how a modern request is cancelled
            if isinstance(exc, (aiohttp.ClientError, ConnectionError)):
                raise UpstreamUnavailable(
                    self.server, f"the answer to {method} from {self._where} broke off: {exc!r}"
                ) from None
            raise
        self._finish(resp)
        return response

    def _finish(self, resp: Response) -> None:
        """Let the connection go back to the pool: at once if the body is done, else after it ends."""
        if resp.content.at_eof():
            resp.release()
            return

        async def drain() -> None:
            try:
                async with asyncio.timeout(_DRAIN_LIMIT):
                    async for _chunk in resp.content.iter_any():
                        pass
                resp.release()
            except BaseException:
                resp.close()
                raise

        self._spawn(drain())

    async def _read_answer(self, resp: Response, rid: Any, method: str, headers: dict[str, str]) -> Message:
        status = resp.status
        if method == "initialize" and "Mcp-Method" not in headers:
            sid = resp.headers.get("Mcp-Session-Id")
            if sid is not None and _SESSION_ID.fullmatch(sid):
                self.session_id = sid
        if status == 404 and "Mcp-Session-Id" in headers:
            raise self._expired(f"HTTP 404 to {method} with the session id")
        if status >= 300 or status < 200:
            answer = await self._error_answer(resp, rid, method)
            if status == 400 and "Mcp-Session-Id" in headers and _about_session(answer):
                # Some servers (the TypeScript SDK 1.x) answer an unknown session with 400, not 404.
                raise self._expired(f"HTTP 400 to {method}: {answer['error'].get('message')}")
            return answer
        if resp.content_type == "text/event-stream":
            return await self._read_stream(resp, rid, method, "Mcp-Method" in headers)
        if status == 202:
            raise self._protocol_error(f"accepted {method} (HTTP 202) without answering it")
        data = await self._read_body(resp, self.max_body, method)
        return self._response_in(data, rid, method)

    async def _error_answer(self, resp: Response, rid: Any, method: str) -> Message:
        status = resp.status
        try:
            data = await self._read_body(resp, _ERROR_BODY_LIMIT, method)
            msg = orjson.loads(data) if data else None
        except (UpstreamProtocolError, orjson.JSONDecodeError):
            msg = None
        if isinstance(msg, dict) and "method" not in msg and isinstance(msg.get("error"), dict):
            if msg.get("id") is None:
                msg["id"] = rid
            return msg
        if status in (502, 503, 504):
            raise UpstreamUnavailable(self.server, f"{self._where} answered {method} with HTTP {status}")
        hint = (
            "check the server's 'headers' (credentials) in the config"
            if status in (401, 403)
            else "check the server's URL in the config and that it speaks MCP over Streamable HTTP"
        )
        raise UpstreamProtocolError(
            self.server,
            f"upstream server '{self.server}' answered {method} with HTTP {status} {resp.reason or ''}".rstrip(),
            hint,
        )

    async def _read_body(self, resp: Response, limit: int, method: str) -> bytes:
        length = resp.content_length
        if length is not None:
            if length > limit:
                raise self._too_large(method, limit)
            return await resp.read()
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise self._too_large(method, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _response_in(self, data: bytes, rid: Any, method: str) -> Message:
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise self._protocol_error(f"an answer to {method} that is not JSON: {data[:120]!r}") from None
        items = msg if isinstance(msg, list) else [msg]
        for item in items:
            if isinstance(item, dict) and "method" not in item and item.get("id") == rid:
                return item
        raise self._protocol_error(f"an answer to {method} that is not its JSON-RPC response: {data[:120]!r}")

    async def _read_stream(self, resp: Response, rid: Any, method: str, modern: bool) -> Message:
        """The response on a request's SSE stream; legacy streams that end early are resumed by GET."""
        parser = SseParser(self.max_body)
        found = await self._read_events(resp, parser, rid, method)
        resumes = 0
        while found is None:
            # 2025-11-25 lets a server end a request's stream before answering and replay the rest to a
            # GET with Last-Event-ID; the modern era has no resumption.
            if modern or parser.last_id is None or resumes >= _MAX_RESUMES:
                raise UpstreamUnavailable(self.server, f"the server ended the stream of {method} without answering it")
            resumes += 1
            await asyncio.sleep(min((parser.retry or 0) / 1000, 5.0))
            resumed = SseParser(self.max_body)
            resumed.last_id, resumed.retry = parser.last_id, parser.retry
            parser = resumed
            found = await self._resume(parser, rid, method)
        return found

    async def _resume(self, parser: SseParser, rid: Any, method: str) -> Message | None:
        http = self._client()
        assert parser.last_id is not None
        headers = self._legacy_headers({**self.headers, "Accept": "text/event-stream", "Last-Event-ID": parser.last_id})
        resp = await http.get(self.url, headers=headers)
        try:
            if resp.status == 404 and "Mcp-Session-Id" in headers:
                raise self._expired(f"HTTP 404 when resuming the stream of {method}")
            if resp.status != 200 or resp.content_type != "text/event-stream":
                raise UpstreamUnavailable(
                    self.server,
                    f"the server ended the stream of {method} and refused to resume it (HTTP {resp.status})",
                )
            found = await self._read_events(resp, parser, rid, method)
        except BaseException:
            resp.close()
            raise
        self._finish(resp)
        return found

    async def _read_events(self, resp: Response, parser: SseParser, rid: Any, method: str) -> Message | None:
        """Deliver the stream's messages until the response to ``rid`` (returned) or the end (None)."""
        try:
            async for chunk in resp.content.iter_any():
                for event in parser.feed(chunk):
                    if event.event != "message" or not event.data:
                        continue
                    msg = self._parse_event(event.data, method)
                    if "method" in msg:
                        await self._deliver(msg, rid)
                    elif msg.get("id") == rid:
                        return msg
                    else:
                        log.warning(
                            "[%s] ignored a response to id %r on the stream of request %r",
                            self.server,
                            msg.get("id"),
                            rid,
                        )
        except SseEventTooLarge:
            raise self._too_large(method, self.max_body) from None
        return None

    def _parse_event(self, data: bytes, method: str) -> Message:
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise self._protocol_error(f"an event that is not JSON on the stream of {method}: {data[:120]!r}") from None
        if not isinstance(msg, dict):
            raise self._protocol_error(f"an event that is not a JSON-RPC message on the stream of {method}")
        return msg

    async def _deliver(self, msg: Message, related_id: int | None) -> None:
        try:
            await self.on_message(msg, related_id)
        except Exception:
            log.exception("[%s] handling a server message failed", self.server)

    def _cancel_upstream(self, rid: Any, reason: str, headers: dict[str, str]) -> None:
        """Legacy: tell the server with ``notifications/cancelled``; modern: the closed stream said it."""
        if "Mcp-Method" in headers or not self.alive:
            return
        note = notification("notifications/cancelled", {"requestId": rid, "reason": reason})

        async def send() -> None:
            with contextlib.suppress(Exception):
                await self.notify(note)

        self._spawn(send())

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _protocol_error(self, what: str) -> UpstreamProtocolError:
        return UpstreamProtocolError(
            self.server,
            f"upstream server '{self.server}' sent {what}",
            "check that the URL is the server's MCP endpoint",
        )

    def _too_large(self, method: str, limit: int) -> UpstreamProtocolError:
        return UpstreamProtocolError(
            self.server,
            f"upstream server '{self.server}' sent an answer to {method} larger than {limit} bytes",
            "ask for less (pagination, a smaller resource) or raise the body limit",
        )

    # -- one-way messages ----------------------------------------------------------------------
    async def notify(self, message: Message) -> None:
        await self._post_one_way(message)
        if message.get("method") == "notifications/initialized" and not self._modern and self._get_task is None:
            self._get_task = asyncio.get_running_loop().create_task(self._standalone_stream())

    async def respond(self, message: Message) -> None:
        await self._post_one_way(message)

    async def _post_one_way(self, message: Message) -> None:
        http = self._client()
        headers = self._headers_for(message)
        what = str(message.get("method") or f"the answer to {message.get('id')!r}")
        try:
            async with asyncio.timeout(self.notify_timeout):
                async with http.post(self.url, data=orjson.dumps(message), headers=headers) as resp:
                    if resp.status == 404 and "Mcp-Session-Id" in headers:
                        raise self._expired(f"HTTP 404 to {what} with the session id")
                    if not 200 <= resp.status < 300:
                        detail = (await self._read_body(resp, _ERROR_BODY_LIMIT, what))[:200]
                        if resp.status == 400 and "Mcp-Session-Id" in headers and b"session" in detail.lower():
                            raise self._expired(f"HTTP 400 to {what}: {detail.decode('utf-8', 'replace')}")
                        raise UpstreamProtocolError(
                            self.server,
                            f"upstream server '{self.server}' refused {what} with HTTP {resp.status}: "
                            f"{detail.decode('utf-8', 'replace')}",
                        )
                    if resp.content_type != "text/event-stream":
                        await self._read_body(resp, _ERROR_BODY_LIMIT, what)
        except TimeoutError:
            raise UpstreamTimeout(self.server, what, self.notify_timeout) from None
        except aiohttp.ClientConnectorError as exc:
            reason = f"cannot connect to {self._where}: {connect_reason(exc)}"
            self._lost(reason)
            raise UpstreamUnavailable(self.server, reason) from None
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(self.server, f"sending {what} to {self._where} failed: {exc!r}") from None

    # -- the legacy standalone stream ----------------------------------------------------------
    async def _standalone_stream(self) -> None:
        """GET stream for the server's own messages; reopened when it ends, dropped on 405."""
        last_id: str | None = None
        retry_ms: int | None = None
        failures = 0
        while self.alive and failures < 8:
            http = self._http
            assert http is not None
            headers = self._legacy_headers({**self.headers, "Accept": "text/event-stream"})
            if last_id is not None:
                headers["Last-Event-ID"] = last_id
            try:
                async with http.get(self.url, headers=headers) as resp:
                    if resp.status == 405:
                        log.debug("[%s] the server offers no standalone stream (HTTP 405)", self.server)
                        return
                    if resp.status == 404 and "Mcp-Session-Id" in headers:
                        self._expired("HTTP 404 on the standalone stream")
                        return
                    if resp.status != 200 or resp.content_type != "text/event-stream":
                        log.warning("[%s] the server refused the standalone stream (HTTP %d)", self.server, resp.status)
                        return
                    failures = 0
                    parser = SseParser(self.max_body)
                    async for chunk in resp.content.iter_any():
                        for event in parser.feed(chunk):
                            if event.event == "message" and event.data:
                                await self._standalone_event(event.data)
                    last_id, retry_ms = parser.last_id or last_id, parser.retry or retry_ms
            except aiohttp.ClientConnectorError as exc:
                self._lost(f"cannot connect to {self._where}: {connect_reason(exc)}")
                return
            except (aiohttp.ClientError, SseEventTooLarge, UpstreamProtocolError) as exc:
                failures += 1
                log.info("[%s] the standalone stream broke: %r", self.server, exc)
            # A broken stream is retried at once (a dead server then shows as a refused connection);
            # after that, the server's ``retry:`` or an exponential backoff.
            if failures == 1:
                delay = 0.0
            elif retry_ms is not None:
                delay = retry_ms / 1000
            else:
                delay = 0.25 * 2 ** min(failures, 7)
            await asyncio.sleep(min(delay, 30.0))
        if failures:
            log.warning("[%s] gave up the standalone stream after %d failures", self.server, failures)

    async def _standalone_event(self, data: bytes) -> None:
        try:
            msg = self._parse_event(data, "the standalone stream")
        except UpstreamProtocolError as exc:
            log.warning("%s", exc.message)
            return
        if "method" in msg:
            await self._deliver(msg, None)
