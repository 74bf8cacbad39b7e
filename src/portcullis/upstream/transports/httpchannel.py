"""The connection half of the Streamable HTTP transport: its state, and reading what the server sends.

``transports.http`` builds on this: it sends the messages and decides their headers. This module
reads the answers — a JSON body, or an SSE stream scoped to the request whose other messages go to
``on_message`` — resumes a legacy request stream the server ended early (GET with
``Last-Event-ID``), keeps the legacy standalone GET stream, and turns every failure into the
``UpstreamError`` that says what went wrong: a 404 (or a 400 about the session) to a request that
carried a session id means the legacy session expired.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from portcullis.errors import UpstreamProtocolError, UpstreamUnavailable
from portcullis.protocol.decode import lenient_message
from portcullis.upstream.transports.base import Message, Transport
from portcullis.upstream.transports.rawhttp import RawHttpPool, RawResponse
from portcullis.upstream.transports.reasons import DEFAULT_MAX_BODY, connect_reason, describe_url
from portcullis.upstream.transports.sseparse import SseEventTooLarge, SseParser

__all__ = ["ERROR_BODY_LIMIT", "HttpChannel", "Response"]

log = logging.getLogger("portcullis.upstream")

Response = aiohttp.ClientResponse | RawResponse

_ACCEPT = "application/json, text/event-stream"
_VERSION_HEADER_SINCE = "2025-06-18"  # legacy revisions before this one have no MCP-Protocol-Version header
_SESSION_ID = re.compile(r"[\x21-\x7e]{1,1024}")
ERROR_BODY_LIMIT = 64 * 1024
_MAX_RESUMES = 8  # GETs with Last-Event-ID for one request whose stream the server keeps ending
_DRAIN_LIMIT = 10.0  # seconds a finished SSE stream may take to end before its connection is dropped


def _about_session(answer: Message) -> bool:
    """Whether a JSON-RPC error says the session is unknown (a legacy server that lost it)."""
    error = answer.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return isinstance(message, str) and "session" in message.lower()


class HttpChannel(Transport):
    """One upstream's HTTP connection state and the reading of its answers and streams."""

    _loop: asyncio.AbstractEventLoop  # the loop it was opened on

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

    @property
    def alive(self) -> bool:
        return self._http is not None and not self._http.closed and self._dead is None and not self._closing

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

    def set_header(self, name: str, value: str) -> None:
        self.headers[name] = value
        self._base[name] = value

    def _legacy_headers(self, headers: dict[str, str]) -> dict[str, str]:
        if self.session_id is not None:
            headers["Mcp-Session-Id"] = self.session_id
        version = self.protocol_version
        if version is not None and version >= _VERSION_HEADER_SINCE:
            headers["MCP-Protocol-Version"] = version
        return headers

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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

    async def _deliver(self, msg: Message, related_id: int | None) -> None:
        try:
            await self.on_message(msg, related_id)
        except Exception:
            log.exception("[%s] handling a server message failed", self.server)

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

    # -- answers -------------------------------------------------------------------------------
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
            data = await self._read_body(resp, ERROR_BODY_LIMIT, method)
            msg = orjson.loads(data) if data else None
        except UpstreamProtocolError:
            msg = None
        except orjson.JSONDecodeError:
            msg = lenient_message(data)
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
            msg = lenient_message(data)  # broken Unicode in an answer is replaced, not the answer lost
            if msg is None:
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
        resp = await http.get(self.url, headers=headers, allow_redirects=False)
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
            msg = lenient_message(data)
            if msg is None:
                raise self._protocol_error(
                    f"an event that is not JSON on the stream of {method}: {data[:120]!r}"
                ) from None
        if not isinstance(msg, dict):
            raise self._protocol_error(f"an event that is not a JSON-RPC message on the stream of {method}")
        return msg

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
                async with http.get(self.url, headers=headers, allow_redirects=False) as resp:
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
