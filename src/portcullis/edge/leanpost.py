"""The lean path of ``POST /mcp``: uvicorn's connection handling, without its per-request ASGI machinery.

Every ``tools/call`` over HTTP is a ``POST /mcp``, and measured with a trivial app, uvicorn's request
cycle cost about 40 µs of CPU per request on the 2-core benchmark machine (a scope dict with a copy of
the app state, an ``asyncio.Event``, two regular-expression checks per response header, a status line
and header list joined anew, the response's header block and body written apart and joined again by
``corking``), against about 20 µs for this path. ``McpProtocol`` is uvicorn's httptools protocol (the
parser stays httptools, the connection, keep-alive, pipelining, flow control, shutdown and the read
timeout stay uvicorn's and ``edge.readtimeout``'s) with one change: a ``POST`` to ``/mcp`` or ``/mcp/``
gets a ``LeanCycle`` instead of uvicorn's ``RequestResponseCycle`` and goes straight to
``McpHttpApp``, which does every check it always did (Origin/Host, the key, the body size, the
protocol headers). ``LeanCycle`` speaks the same ASGI ``receive``/``send`` as uvicorn's cycle: the
body as it arrives, ``http.disconnect`` when the client goes, a whole response in one write, a
streamed (SSE) response chunked. Every other request (``GET``/``DELETE /mcp``, the console, the API,
``/healthz``) takes uvicorn's own cycle and the ASGI app, unchanged.

Past uvicorn's ASGI messages, the cycle is an ``edge.sse.LeanSend``: a whole JSON answer comes to it in
one call (``whole``) and leaves as one ``bytes`` formatted at once, and a call's wish to be cancelled when
its client goes is kept as a time, acted on only if the connection is lost (uvicorn's way is a timer
and a task per call). uvicorn's request scope (a dict, a copy of the app state) is built only for the
requests that take its cycle.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT, FlowControl
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from portcullis._plumbing.tasks import named_task
from portcullis.corking import CorkedTransport
from portcullis.edge.app import GatewayApp
from portcullis.edge.http import McpHttpApp
from portcullis.edge.readtimeout import ReadTimeoutProtocol
from portcullis.edge.sse import JSON_HEADERS, SSE_HEADERS, LeanSend

__all__ = ["LeanCycle", "McpProtocol", "lean_protocol"]

log = logging.getLogger("portcullis.http")

_MCP_PATHS = (b"/mcp", b"/mcp/")
_TASK_NAME = "POST /mcp"
_BAD_VALUE = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")  # what uvicorn refuses in a header value (no CR/LF: no splitting)
_SAFE = frozenset(id(h) for h in (*JSON_HEADERS, *SSE_HEADERS))  # the constant headers need no check
_DISCONNECT = {"type": "http.disconnect"}
_JSON_BLOCK = b"content-type: application/json\r\n"  # JSON_HEADERS, as a header block
_ERROR_500 = b"%b" % STATUS_LINE[500] + (
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)


class LeanCycle(LeanSend):
    """One ``POST /mcp`` request and its response (the attributes are those uvicorn's protocol reads);
    called, it is the request's ASGI ``send``.

    It is also its own ``message_event`` (an ``asyncio.Event`` in uvicorn's cycle): ``set`` when body
    arrives, the response ends or the client goes; a waiter clears it as it wakes (one object less per
    request than a separate event)."""

    __slots__ = (
        "body",
        "chunked",
        "disconnected",
        "flag",
        "flow",
        "held",
        "keep_alive",
        "more_body",
        "protocol",
        "response_complete",
        "response_started",
        "task",
        "transport",
        "waiters",
        "waiting_for_100_continue",
        "watch_from",
    )

    def __init__(self, protocol: McpProtocol, keep_alive: bool, expect_100: bool) -> None:
        self.protocol = protocol
        self.transport: CorkedTransport = protocol.transport  # type: ignore[assignment]
        self.flow: FlowControl = protocol.flow
        self.flag = False  # the event is set
        self.waiters: list[asyncio.Future[None]] | None = None
        self.keep_alive = keep_alive
        self.waiting_for_100_continue = expect_100
        self.disconnected = False
        self.body = bytearray()
        self.more_body = True
        self.response_started = False
        self.response_complete = False
        self.chunked = False
        self.held: bytes | None = None  # a whole response's header block, written with its body
        self.task: asyncio.Task[None] | None = None  # the request's, once started
        self.watch_from: float | None = None  # cancel the task if the client goes from then on (None: do not)

    @property
    def message_event(self) -> LeanCycle:
        return self

    def set(self) -> None:
        self.flag = True
        waiters, self.waiters = self.waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        if not self.flag:
            waiter: asyncio.Future[None] = self.protocol.loop.create_future()
            if self.waiters is None:
                self.waiters = []
            self.waiters.append(waiter)
            await waiter
        self.flag = False

    async def run(self, app: McpHttpApp, headers: dict[bytes, bytes]) -> None:
        try:
            await app.serve("POST", headers, self.receive, self)
        except BaseException as exc:
            log.error("Exception in ASGI application\n", exc_info=exc)
            self._abort()
        else:
            if not self.response_complete and not self.disconnected:
                log.error("the /mcp handler returned without completing its response")
                self._abort()

    def _abort(self) -> None:
        """A response that cannot be completed: a 500 if nothing was sent yet; the connection closes."""
        if not self.response_started and not self.disconnected:
            self.transport.write_now(_ERROR_500)
        self.transport.close()

    async def receive(self) -> dict[str, Any]:
        if self.waiting_for_100_continue and not self.transport.is_closing():
            self.transport.write_now(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.waiting_for_100_continue = False
        if not self.disconnected and not self.response_complete:
            if self.more_body or not self.body:
                self.flow.resume_reading()
                await self.wait()
            else:
                self.flag = False
        if self.disconnected or self.response_complete:
            return _DISCONNECT
        body = bytes(self.body)
        self.body = bytearray()
        return {"type": "http.request", "body": body, "more_body": self.more_body}

    async def __call__(self, message: dict[str, Any]) -> None:
        await self.send(message)

    def body_now(self) -> bytes | None:
        if self.more_body or self.waiting_for_100_continue or self.disconnected or self.response_complete:
            return None
        self.flag = False
        body = bytes(self.body)
        self.body = bytearray()
        return body

    def whole(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
        if self.disconnected:  # as ``send``: nothing more is written
            return True
        if self.response_started or self.flow.write_paused:  # ``send`` raises, or waits for the client
            return False
        defaults = self.protocol.server_state.default_headers
        if headers is JSON_HEADERS and not defaults:
            self.response_started = True
            block = _JSON_BLOCK
        else:
            pairs = (*defaults, *headers)
            if any(name == b"content-length" for name, _ in pairs):
                return False
            self.response_started = True
            block = _header_block(pairs)
        self.waiting_for_100_continue = False
        close = b"" if self.keep_alive else b"connection: close\r\n"
        self.transport.write_now(
            b"%bcontent-length: %d\r\n%b\r\n%b" % (STATUS_LINE[status] + block, len(body), close, body)
        )
        self._complete()
        return True

    def watch_disconnect(self, after: float) -> None:
        self.watch_from = self.protocol.loop.time() + after

    def unwatch(self) -> None:
        self.watch_from = None

    def client_gone(self) -> None:
        """The connection was lost before the response completed: cancel a watching request (now, or once
        it has run as long as it asked)."""
        when = self.watch_from
        if when is None or self.task is None:
            return
        loop = self.protocol.loop
        if loop.time() >= when:
            self.task.cancel()
        else:
            loop.call_at(when, self._cancel_if_watching)

    def _cancel_if_watching(self) -> None:
        if self.watch_from is not None and self.task is not None:
            self.task.cancel()

    async def send(self, message: dict[str, Any]) -> None:
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        if not self.response_started:
            self._start(message)
        elif not self.response_complete:
            self._body(message)
        else:
            raise RuntimeError(f"Unexpected ASGI message {message['type']!r} sent, after the response completed.")

    def _start(self, message: dict[str, Any]) -> None:
        if message["type"] != "http.response.start":
            raise RuntimeError(f"Expected ASGI message 'http.response.start', but got {message['type']!r}.")
        self.response_started = True
        self.waiting_for_100_continue = False
        pairs = (*self.protocol.server_state.default_headers, *message.get("headers", ()))
        content = [STATUS_LINE[message["status"]], _header_block(pairs)]
        length = any(name == b"content-length" for name, _ in pairs)
        if not self.keep_alive:
            content.append(b"connection: close\r\n")
        if not length:
            self.chunked = True
            content.append(b"transfer-encoding: chunked\r\n")
        content.append(b"\r\n")
        head = b"".join(content)
        if self.chunked:  # a stream: its headers go now, its events as they come
            self.transport.write_now(head)
        else:
            self.held = head

    def _body(self, message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body":
            raise RuntimeError(f"Expected ASGI message 'http.response.body', but got {message['type']!r}.")
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if self.chunked:
            data = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + (b"" if more else b"0\r\n\r\n")
        else:
            data = body
        held = self.held
        if held is not None:
            self.held = None
            data = held + data
        if data:
            self.transport.write_now(data)
        if not more:
            self._complete()

    def _complete(self) -> None:
        self.response_complete = True
        self.set()
        if not self.keep_alive:
            self.transport.close()
        self.protocol.on_response_complete()


def _header_block(pairs: tuple[tuple[bytes, bytes], ...]) -> bytes:
    """``name: value`` lines of these headers; a value uvicorn would refuse raises ``RuntimeError``."""
    content: list[bytes] = []
    for pair in pairs:
        name, value = pair
        if id(pair) not in _SAFE and _BAD_VALUE.search(value):
            raise RuntimeError("Invalid HTTP header value.")
        content += (name, b": ", value, b"\r\n")
    return b"".join(content)


class McpProtocol(ReadTimeoutProtocol):
    """uvicorn's httptools protocol (with the read timeout) that serves ``POST /mcp`` on a ``LeanCycle``."""

    mcp: McpHttpApp | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if isinstance(self.app, GatewayApp):
            self.mcp = self.app.mcp

    def on_message_begin(self) -> None:
        """uvicorn's, without the request's scope (``_scope`` makes it for a request that takes uvicorn's cycle)."""
        self.url = b""
        self.expect_100_continue = False
        self.headers = []
        self._arm()

    def _scope(self) -> None:
        headers, url, expect = self.headers, self.url, self.expect_100_continue
        HttpToolsProtocol.on_message_begin(self)
        self.headers, self.url, self.expect_100_continue = headers, url, expect
        self.scope["headers"] = headers

    def on_headers_complete(self) -> None:
        parser = self.parser
        mcp = self.mcp
        if (
            mcp is None
            or self.url not in _MCP_PATHS
            or parser.get_method() != b"POST"
            or parser.get_http_version() != "1.1"
            or self.limit_concurrency is not None
            or self.access_log
            or parser.should_upgrade()
        ):
            self._scope()
            super().on_headers_complete()
            return
        existing = self.cycle
        cycle = LeanCycle(self, parser.should_keep_alive(), self.expect_100_continue)
        self.cycle = cycle  # type: ignore[assignment]
        headers = dict(self.headers)
        if existing is None or existing.response_complete:
            self._start_lean(cycle, cycle.run(mcp, headers))
        else:  # pipelined behind a response still going: uvicorn's queue starts it in turn
            self.flow.pause_reading()
            self.pipeline.appendleft((cycle, lambda: cycle.run(mcp, headers)))  # type: ignore[arg-type, misc]

    def _start_lean(self, cycle: LeanCycle, work: Coroutine[Any, Any, None]) -> None:
        task = cycle.task = named_task(self.loop, work, _TASK_NAME)
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if not isinstance(cycle, LeanCycle):
            super().on_body(body)
            return
        if cycle.response_complete:
            return
        cycle.body += body
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.set()

    def on_message_complete(self) -> None:
        cycle = self.cycle
        if not isinstance(cycle, LeanCycle):
            super().on_message_complete()
            return
        self._read_deadline = None  # read whole: the read timeout is met
        if not cycle.response_complete:
            cycle.more_body = False
            cycle.set()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        if isinstance(cycle, LeanCycle):  # a pipelined lean request, its turn come
            self._start_lean(cycle, app())
            return
        super()._start_asgi_task(cycle, app)

    def connection_lost(self, exc: Exception | None) -> None:
        cycle = self.cycle
        if isinstance(cycle, LeanCycle) and not cycle.response_complete:
            cycle.disconnected = True
            cycle.client_gone()
        super().connection_lost(exc)


def lean_protocol(read_timeout: float) -> type[McpProtocol]:
    """The protocol class for uvicorn's ``http=``: the lean ``POST /mcp`` and this read timeout."""
    return type("PortcullisHttpProtocol", (McpProtocol,), {"read_timeout": read_timeout})
