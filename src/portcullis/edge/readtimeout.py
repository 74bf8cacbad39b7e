"""Close HTTP connections that send their request too slowly (a "slowloris" trickling headers or body),
or that sit idle between requests past the keep-alive timeout.

uvicorn bounds the idle time between requests (keep-alive) but not the time a request takes to
arrive, so one client trickling a byte at a time could hold connections forever. This protocol (the
one ``portcullis serve`` runs) gives each request ``read_timeout`` seconds from its first byte (or
from the connection opening) until its last byte; a request not complete by then has its connection
closed. A response that streams for long (SSE) is not affected: its request was read long before.

Both limits are deadlines watched by one timer per connection. uvicorn arms a keep-alive timer after
every response and cancels it when the next request's bytes come (a ``call_later`` and a ``cancel``
per request, a measurable part of a call's HTTP cost); here a request or a response only moves a
number, and the timer is re-armed when it fires before the deadline it finds (or when a deadline
comes nearer than the timer). What a client sees is unchanged: an idle connection is closed
``timeout_keep_alive`` seconds after its last response, quietly, as uvicorn does.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from portcullis.corking import CorkedTransport

__all__ = ["DEFAULT_READ_TIMEOUT", "ReadTimeoutProtocol", "protocol_with_read_timeout"]

log = logging.getLogger("portcullis.http")

DEFAULT_READ_TIMEOUT = 30.0


class ReadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on reading each request, and its keep-alive
    timeout kept by the same timer."""

    read_timeout: float = DEFAULT_READ_TIMEOUT
    _timer: asyncio.TimerHandle | None = None
    _timer_at = 0.0  # when the timer fires
    _read_deadline: float | None = None  # when the request being read must have arrived; None: none is
    _idle_deadline: float | None = None  # when an idle connection closes (keep-alive); None: not idle

    def _watch(self, deadline: float) -> None:
        """Have the timer fire by ``deadline``."""
        timer = self._timer
        if timer is None or deadline < self._timer_at:
            if timer is not None:
                timer.cancel()
            self._timer_at = deadline
            self._timer = self.loop.call_at(deadline, self._timed_out)

    def _arm(self) -> None:
        self._read_deadline = deadline = self.loop.time() + self.read_timeout
        if self._timer is None or deadline < self._timer_at:  # else the timer fires first and finds it
            self._watch(deadline)

    def _disarm(self) -> None:
        self._read_deadline = None

    def _stop_timer(self) -> None:
        self._read_deadline = self._idle_deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        read, idle = self._read_deadline, self._idle_deadline
        if read is None and idle is None:  # nothing to watch: the next deadline arms the timer again
            return
        first = min(d for d in (read, idle) if d is not None)
        if self.loop.time() < first:  # a later deadline: watch that one
            self._watch(first)
            return
        self._read_deadline = self._idle_deadline = None
        if self.transport.is_closing():
            return
        if first != idle:
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.info(
                "closed the connection of %s: its request did not arrive within %gs (read_timeout)",
                client,
                self.read_timeout,
            )
        self.transport.close()

    def _unset_keepalive_if_required(self) -> None:
        self._idle_deadline = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = CorkedTransport(transport, self.loop)  # type: ignore[assignment]  # one write per response
        self._arm()  # until the first request has fully arrived

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        """uvicorn's, with the keep-alive timeout as a deadline instead of a timer of its own."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        flow = self.flow
        if flow.read_paused:
            flow.resume_reading()
        if self.pipeline:  # a pipelined request waits: its turn has come
            self._idle_deadline = None
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self._idle_deadline = deadline = self.loop.time() + self.timeout_keep_alive
            if self._timer is None or deadline < self._timer_at:
                self._watch(deadline)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)


def protocol_with_read_timeout(seconds: float) -> type[ReadTimeoutProtocol]:
    """The protocol class for uvicorn's ``http=`` with this read timeout."""
    return type("PortcullisHttpProtocol", (ReadTimeoutProtocol,), {"read_timeout": seconds})
