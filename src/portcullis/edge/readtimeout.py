"""Close HTTP connections that send their request too slowly (a "slowloris" trickling headers or body).

uvicorn bounds the idle time between requests (keep-alive) but not the time a request takes to
arrive, so one client trickling a byte at a time could hold connections forever. This protocol (the
one ``portcullis serve`` runs) gives each request ``read_timeout`` seconds from its first byte (or
from the connection opening) until its last byte; a request not complete by then has its connection
closed. A response that streams for long (SSE) is not affected: its request was read long before.
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
    """uvicorn's httptools protocol with a deadline on reading each request.

    The deadline is a number set as a request begins; one timer watches it and is re-armed only when it
    fires early, so a request costs no timer of its own (a ``call_later`` and a ``cancel`` per request
    were a measurable part of a call's HTTP cost)."""

    read_timeout: float = DEFAULT_READ_TIMEOUT
    _read_timer: asyncio.TimerHandle | None = None
    _deadline: float | None = None  # when the request being read must have arrived; None: not reading

    def _arm(self) -> None:
        self._deadline = self.loop.time() + self.read_timeout
        if self._read_timer is None:
            self._read_timer = self.loop.call_at(self._deadline, self._read_timed_out)

    def _disarm(self) -> None:
        self._deadline = None

    def _stop_timer(self) -> None:
        self._deadline = None
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        deadline = self._deadline
        if deadline is None:  # no request being read: the next one arms the timer again
            return
        if self.loop.time() < deadline:  # a later request's deadline: watch that one
            self._read_timer = self.loop.call_at(deadline, self._read_timed_out)
            return
        if not self.transport.is_closing():
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.info(
                "closed the connection of %s: its request did not arrive within %gs (read_timeout)",
                client,
                self.read_timeout,
            )
            self.transport.close()

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

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)


def protocol_with_read_timeout(seconds: float) -> type[ReadTimeoutProtocol]:
    """The protocol class for uvicorn's ``http=`` with this read timeout."""
    return type("PortcullisHttpProtocol", (ReadTimeoutProtocol,), {"read_timeout": seconds})
