"""The raw JSON-RPC channel to one upstream server, whatever carries it (stdio, Streamable HTTP, SSE).

A transport moves parsed JSON-RPC messages (``dict``) and nothing else: it knows no MCP semantics
beyond what its wire needs (HTTP headers derived from the message, a legacy session id). Era
negotiation, ``_meta`` and restarts live in ``upstream.negotiate``, ``upstream.session`` and
``upstream.supervisor``.

Contract for implementations:

- ``open()`` connects or spawns; failure raises ``UpstreamUnavailable`` naming the server.
- ``request(message, timeout)`` sends a request and returns the response message (``result`` or
  ``error``). The caller (the one ``UpstreamSession`` that owns the transport) sets ``message['id']``
  to an int unique on this transport; the transport never changes it. Many
  requests are in flight at once; nothing serialises them. On timeout it raises ``UpstreamTimeout``
  (and sends ``notifications/cancelled`` upstream); when the connection dies every pending request
  fails at once with ``UpstreamUnavailable``.
- Every message from the server that is not a response (notifications, server→client requests) is
  passed to ``on_message(message, related_id)``, where ``related_id`` is the transport id of the
  request whose stream carried it, when the wire tells (HTTP), else ``None`` (stdio).
- ``notify(message)`` sends a notification; ``respond(message)`` answers a server→client request.
- ``on_close`` is called once when the connection is lost without ``close()`` having been called.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from portcullis.errors import UpstreamUnavailable
from portcullis.protocol.messages import Message

__all__ = ["CloseHandler", "Message", "MessageHandler", "Transport", "fail_pending"]

MessageHandler = Callable[[Message, "int | None"], Awaitable[None]]
CloseHandler = Callable[[str], None]


def fail_pending(pending: dict[int, asyncio.Future[Message]], server: str, reason: str) -> None:
    """Fail every request still waiting on a connection that is gone (and forget them)."""
    waiting = list(pending.values())
    pending.clear()
    for fut in waiting:
        if not fut.done():
            fut.set_exception(UpstreamUnavailable(server, reason))


async def _ignore(message: Message, related_id: int | None) -> None:
    return None


class Transport(ABC):
    """A JSON-RPC connection to one upstream server."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.on_message: MessageHandler = _ignore
        self.on_close: CloseHandler = lambda reason: None

    @abstractmethod
    async def open(self) -> None:
        """Connect or spawn the server."""

    @abstractmethod
    async def request(self, message: Message, timeout: float) -> Message:
        """Send a request (its ``id`` set by the caller) and wait for its response."""

    @abstractmethod
    async def notify(self, message: Message) -> None:
        """Send a notification."""

    @abstractmethod
    async def respond(self, message: Message) -> None:
        """Answer a server→client request."""

    @abstractmethod
    async def close(self) -> None:
        """Close the connection (terminating a spawned server)."""

    @property
    @abstractmethod
    def alive(self) -> bool:
        """Whether the connection is up."""

    def set_header(self, name: str, value: str) -> None:  # noqa: B027 - optional hook
        """Send ``name: value`` on every later request (an upstream credential renewed; HTTP only)."""

    def set_protocol_version(self, version: str | None) -> None:  # noqa: B027 - optional hook
        """The negotiated era, for transports whose headers depend on it (HTTP)."""
