"""A minimal keep-alive HTTP/1.1 POST client for the upstream hot path.

Why by hand: a ``tools/call`` forwarded to a Streamable HTTP upstream is one small POST answered by
one small JSON body, and aiohttp's general machinery costs ~200 µs of CPU per request on this class
of machine (measured: aiohttp 290–420 µs per sequential call against a raw echo, a raw socket
100–140 µs) — most of the gateway's whole latency budget. This module does only what that POST
needs: a pool of plain-TCP keep-alive connections, the request written in one piece, the response
parsed by httptools (the C parser uvicorn uses; it handles chunked bodies, so SSE answers stream
through too). The response object offers the small subset of ``aiohttp.ClientResponse`` that
``transports.http`` reads (status, headers, content type and length, ``read``, ``content.iter_any``,
``release``/``close``). HTTPS, proxies, redirects and GET streams stay on aiohttp.

Per call it keeps to the least: one parser per connection (llhttp reads one response after another), the
content type and length read once when the headers are in, and a body already whole returned by ``read``
without starting an iterator (an async generator is registered with the loop, and let go, on every use).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

import httptools

__all__ = ["RawHttpPool", "RawResponse"]

_IDLE_LIMIT = 4.0  # seconds; shorter than the 5 s keep-alive of uvicorn and Node, so a reused connection is live


class _Headers(dict[str, str]):
    """Response headers, looked up case-insensitively (keys are stored lower-case)."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())


class RawResponse:
    """One response, its body arriving as the connection reads it."""

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self.status = 0
        self.reason = ""
        self.headers = _Headers()
        self.keep_alive = False
        self.content_type = "application/octet-stream"  # as aiohttp gives it: lower-case, without parameters
        self.content_length: int | None = None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._eof = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.headers_done: asyncio.Future[None] = connection.loop.create_future()

    @property
    def content(self) -> RawResponse:
        return self

    def _headers_complete(self, status: int, keep_alive: bool) -> None:
        """The status line and headers are in: what ``content_type`` and ``content_length`` say is read once."""
        self.status = status
        self.keep_alive = keep_alive
        headers = self.headers
        kind = dict.get(headers, "content-type")
        if kind is not None:
            self.content_type = kind.split(";", 1)[0].strip().lower()
        length = dict.get(headers, "content-length")
        if length is not None and length.isdigit():
            self.content_length = int(length)
        if not self.headers_done.done():
            self.headers_done.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._wake()

    def finish(self) -> None:
        self._eof = True
        self._wake()

    def fail(self, exc: BaseException) -> None:
        if self._eof:
            return
        self._error = exc
        if not self.headers_done.done():
            self.headers_done.set_exception(exc)
        self._wake()

    def at_eof(self) -> bool:
        return self._eof and not self._chunks

    async def iter_any(self) -> AsyncIterator[bytes]:
        while True:
            if self._chunks:
                yield self._chunks.popleft()
                continue
            if self._eof:
                return
            if self._error is not None:
                raise self._error
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
            self._waiter = None

    async def read(self) -> bytes:
        chunks = self._chunks
        if self._eof:  # the whole body is in (the usual case): no iterator to start and end
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            chunks.clear()
            return data
        parts = [chunk async for chunk in self.iter_any()]
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def release(self) -> None:
        """Give the connection back for reuse (when the whole body was read and the server keeps it)."""
        if self.at_eof() and self.keep_alive:
            self._connection.release()
        else:
            self._connection.close()

    def close(self) -> None:
        """Abandon the response (and its connection)."""
        self._connection.close()


class _Connection(asyncio.Protocol):
    def __init__(self, pool: RawHttpPool) -> None:
        self.pool = pool
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)  # one per connection: llhttp reads response after response
        self.response: RawResponse | None = None
        self.closed = False
        self.idle_since = 0.0
        self.lost: asyncio.Future[None] = self.loop.create_future()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio subclasses

    def data_received(self, data: bytes) -> None:
        if self.response is None:  # bytes nobody asked for: the connection cannot be trusted
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.response.fail(ConnectionError(f"malformed HTTP response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.response is not None:
            self.response.fail(exc or ConnectionResetError("the server closed the connection"))
        if not self.lost.done():
            self.lost.set_result(None)

    # httptools callbacks
    def on_status(self, status: bytes) -> None:
        if self.response is not None:
            self.response.reason = status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.response is not None:
            self.response.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        response = self.response
        if response is not None:
            parser = self.parser
            response._headers_complete(parser.get_status_code(), parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        if self.response is not None:
            self.response.feed(body)

    def on_message_complete(self) -> None:
        if self.response is not None:
            self.response.finish()

    # pool side
    def release(self) -> None:
        self.response = None
        self.idle_since = time.monotonic()
        self.pool.idle.append(self)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()


class RawHttpPool:
    """Keep-alive connections to one ``host:port``, used for POSTs to one path."""

    def __init__(self, host: str, port: int, path: str, connect_timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.connect_timeout = connect_timeout
        self.idle: list[_Connection] = []
        host_header = f"[{host}]" if ":" in host else host
        self._head = f"POST {path} HTTP/1.1\r\nHost: {host_header}:{port}\r\n".encode("latin-1")

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.connect_timeout):
            _, protocol = await loop.create_connection(lambda: _Connection(self), self.host, self.port)
        return protocol

    def _reusable(self) -> _Connection | None:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed and now - connection.idle_since < _IDLE_LIMIT:
                return connection
            connection.close()
        return None

    async def post(self, body: bytes, headers: Mapping[str, str]) -> RawResponse:
        """Send one POST; return once the response's status and headers are in (the body streams)."""
        lines = "".join([f"{name}: {value}\r\n" for name, value in headers.items()]).encode("latin-1")
        request = b"%b%bContent-Length: %d\r\n\r\n%b" % (self._head, lines, len(body), body)
        # No retry on a reused connection that fails: a tools/call is not idempotent. An idle connection
        # the server closed is seen (connection_lost) before reuse, and idle ones are dropped before the
        # usual 5 s server keep-alive ends, so only a close racing this very write can fail a call.
        connection = self._reusable() or await self._connect()
        return await self._send(connection, request)

    @staticmethod
    async def _send(connection: _Connection, request: bytes) -> RawResponse:
        response = RawResponse(connection)
        connection.response = response
        assert connection.transport is not None
        connection.transport.write(request)
        try:
            await response.headers_done
        except BaseException:
            connection.close()  # cancelled or failed: closing the connection is how the server learns of it
            raise
        return response

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()
