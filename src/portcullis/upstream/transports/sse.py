"""The HTTP+SSE transport of protocol 2024-11-05 (deprecated, still served by many servers).

``open()`` GETs the SSE URL and waits for the ``endpoint`` event, which names the URL to POST
messages to. Each message is a POST answered ``202 Accepted``; every response and every server
message arrives on the one SSE stream, so responses resolve futures by id (an id→future map, many
requests in flight, no lock) and other messages reach ``on_message`` with ``related_id`` None.
Losing the stream fails every pending request at once and calls ``on_close``: reconnecting (and
initializing again) is the session layer's job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import orjson

from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.decode import lenient_message
from portcullis.protocol.messages import notification
from portcullis.upstream.transports.base import Message, Transport, fail_pending
from portcullis.upstream.transports.reasons import DEFAULT_MAX_BODY, connect_reason, describe_url
from portcullis.upstream.transports.sseparse import SseEventTooLarge, SseParser
from portcullis.upstream_auth.context import CALL_HEADERS

__all__ = ["SseTransport"]

log = logging.getLogger("portcullis.upstream")

_ERROR_BODY_LIMIT = 64 * 1024


class SseTransport(Transport):
    """JSON-RPC to one upstream over the 2024-11-05 HTTP+SSE transport."""

    def __init__(
        self,
        server: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        connect_timeout: float = 10.0,
        endpoint_timeout: float = 10.0,
        post_timeout: float = 30.0,
        max_connections: int = 64,
        keepalive_timeout: float = 4.0,
    ) -> None:
        super().__init__(server)
        self.url = url
        self.headers = dict(headers or {})
        self.max_body = max_body
        self.connect_timeout = connect_timeout
        self.endpoint_timeout = endpoint_timeout
        self.post_timeout = post_timeout
        self.max_connections = max_connections
        self.keepalive_timeout = keepalive_timeout
        self.endpoint: str | None = None
        self._where = describe_url(url)
        self._post_headers = {**self.headers, "Content-Type": "application/json"}
        self._http: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[Any, asyncio.Future[Message]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._closing = False
        self._dead: str | None = None

    def set_header(self, name: str, value: str) -> None:
        self.headers[name] = value
        self._post_headers[name] = value

    @property
    def alive(self) -> bool:
        return self._reader is not None and not self._reader.done() and self._dead is None and not self._closing

    # -- lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=self.keepalive_timeout)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout)
        self._http = http = aiohttp.ClientSession(
            connector=connector, timeout=timeout, trust_env=False, skip_auto_headers=("User-Agent",)
        )
        self._closing = False
        self._dead = None
        self.endpoint = None
        try:
            async with asyncio.timeout(self.endpoint_timeout):
                resp = await http.get(
                    self.url, headers={**self.headers, "Accept": "text/event-stream"}, allow_redirects=False
                )
                try:
                    if resp.status != 200 or resp.content_type != "text/event-stream":
                        raise UpstreamProtocolError(
                            self.server,
                            f"upstream server '{self.server}' answered the SSE request to {self._where} "
                            f"with HTTP {resp.status} ({resp.content_type})",
                            "check the server's URL, and that it speaks the HTTP+SSE transport ('transport: sse')",
                        )
                    parser = SseParser(self.max_body)
                    self.endpoint = await self._await_endpoint(resp, parser)
                except BaseException:
                    resp.close()
                    raise
        except TimeoutError:
            await http.close()
            raise UpstreamUnavailable(
                self.server, f"{self._where} sent no 'endpoint' event within {self.endpoint_timeout:g}s"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            await http.close()
            raise UpstreamUnavailable(self.server, f"cannot connect to {self._where}: {connect_reason(exc)}") from None
        except aiohttp.ClientError as exc:
            await http.close()
            raise UpstreamUnavailable(self.server, f"the SSE stream of {self._where} failed: {exc!r}") from None
        except BaseException:
            await http.close()
            raise
        self._reader = asyncio.get_running_loop().create_task(self._read(resp, parser))

    async def _await_endpoint(self, resp: aiohttp.ClientResponse, parser: SseParser) -> str:
        """Read the stream up to the ``endpoint`` event; return the absolute URL it names."""
        async for chunk in resp.content.iter_any():
            for event in parser.feed(chunk):
                if event.event == "endpoint":
                    return self._endpoint_url(event.data.decode("utf-8", "replace").strip())
                log.warning("[%s] ignored a %r event before the endpoint event", self.server, event.event)
        raise UpstreamUnavailable(self.server, f"{self._where} closed the SSE stream before sending its endpoint")

    def _endpoint_url(self, value: str) -> str:
        url = urljoin(self.url, value)
        mine, theirs = urlsplit(self.url), urlsplit(url)
        if (mine.scheme, mine.hostname, mine.port) != (theirs.scheme, theirs.hostname, theirs.port):
            raise UpstreamProtocolError(
                self.server,
                f"upstream server '{self.server}' named an endpoint on another origin ({describe_url(url)})",
                "the gateway only posts messages to the origin it was configured with",
            )
        return url

    async def close(self) -> None:
        self._closing = True
        self._fail_pending("the gateway is closing the connection")
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    # -- the stream ----------------------------------------------------------------------------
    async def _read(self, resp: aiohttp.ClientResponse, parser: SseParser) -> None:
        reason = "the server closed the SSE stream"
        try:
            async for chunk in resp.content.iter_any():
                for event in parser.feed(chunk):
                    if event.event == "message" and event.data:
                        await self._dispatch(event.data)
        except SseEventTooLarge:
            reason = f"the server sent an event larger than {self.max_body} bytes"
        except aiohttp.ClientError as exc:
            reason = f"the SSE stream broke: {exc!r}"
        except Exception as exc:  # the reader must never die silently
            reason = f"reading the SSE stream failed: {exc!r}"
        finally:
            resp.close()
        self._lost(reason)

    async def _dispatch(self, data: bytes) -> None:
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError:
            msg = lenient_message(data)  # broken Unicode in a message is replaced, not the message lost
            if msg is None:
                log.warning("[%s] ignored an SSE event that is not JSON: %.200r", self.server, data)
                return
        if not isinstance(msg, dict):
            return
        if "method" not in msg:
            fut = self._pending.pop(msg.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(msg)
            return
        try:
            await self.on_message(msg, None)
        except Exception:
            log.exception("[%s] handling a server message failed", self.server)

    def _lost(self, reason: str) -> None:
        if self._closing or self._dead is not None:
            return
        self._dead = reason
        self._fail_pending(reason)
        self.on_close(reason)

    def _fail_pending(self, reason: str) -> None:
        fail_pending(self._pending, self.server, reason)

    # -- sending -------------------------------------------------------------------------------
    async def _post(self, message: Message, what: str) -> None:
        http, endpoint = self._http, self.endpoint
        if http is None or endpoint is None or self._closing:
            raise UpstreamUnavailable(self.server, "the SSE connection is not open", may_have_run=False)
        if self._dead is not None:
            raise UpstreamUnavailable(self.server, self._dead, may_have_run=False)
        try:
            per_call = CALL_HEADERS.get()  # this call's own credential (upstream_auth), if any
            headers = {**self._post_headers, **per_call} if per_call else self._post_headers
            async with http.post(endpoint, data=orjson.dumps(message), headers=headers, allow_redirects=False) as resp:
                if 200 <= resp.status < 300:
                    await resp.read()
                    return
                body = await resp.content.read(_ERROR_BODY_LIMIT)
        except aiohttp.ClientConnectorError as exc:
            reason = f"cannot connect to {self._where}: {connect_reason(exc)}"
            self._lost(reason)
            raise UpstreamUnavailable(self.server, reason, may_have_run=False) from None
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(self.server, f"sending {what} to {self._where} failed: {exc!r}") from None
        detail = body[:200].decode("utf-8", "replace")
        if resp.status == 404:  # the server no longer knows our stream's session
            reason = f"the server no longer knows this SSE session (HTTP 404: {detail})"
            self._lost(reason)
            raise UpstreamUnavailable(self.server, reason)
        raise UpstreamProtocolError(
            self.server,
            f"upstream server '{self.server}' refused {what} with HTTP {resp.status}: {detail}",
            "check that the server speaks MCP over the HTTP+SSE transport",
        )

    async def request(self, message: Message, timeout: float) -> Message:
        rid = message["id"]
        method = str(message.get("method"))
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            async with asyncio.timeout(timeout):
                await self._post(message, method)
                return await fut
        except TimeoutError:
            self._cancel_upstream(rid, "timeout")
            raise UpstreamTimeout(self.server, method, timeout) from None
        except asyncio.CancelledError:
            self._cancel_upstream(rid, "cancelled by the client")
            raise
        finally:
            if self._pending.get(rid) is fut:
                del self._pending[rid]

    def _cancel_upstream(self, rid: Any, reason: str) -> None:
        if not self.alive:
            return
        note = notification("notifications/cancelled", {"requestId": rid, "reason": reason})

        async def send() -> None:
            with contextlib.suppress(Exception):
                await self.notify(note)

        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(send())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def notify(self, message: Message) -> None:
        await self._one_way(message, str(message.get("method")))

    async def respond(self, message: Message) -> None:
        await self._one_way(message, f"the answer to {message.get('id')!r}")

    async def _one_way(self, message: Message, what: str) -> None:
        try:
            async with asyncio.timeout(self.post_timeout):
                await self._post(message, what)
        except TimeoutError:
            raise UpstreamTimeout(self.server, what, self.post_timeout) from None
