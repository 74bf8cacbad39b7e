"""What the gateway sends one client on an open event stream, written in order by a task of its own.

Whoever hands a message to a client's stream — an upstream's progress or log during a call, a
broadcast of ``list_changed`` to every listener — must not wait for that client to read it: one
client that stops reading would otherwise hold up the upstream's messages (every other client's
answers from that server wait behind them) or the broadcast to everyone after it. An ``Outbox``
takes the message at once and writes it when the client has read what came before. Notifications
waiting beyond ``limit`` bytes (after the first) are dropped, counted (a client that does not read loses progress and
log lines, never an answer); requests (an upstream's question to the client) are always kept.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from portcullis.edge.sse import sse_event, sse_start

__all__ = ["OUTBOX_BYTES", "EventStream", "Outbox"]

log = logging.getLogger("portcullis.edge")

OUTBOX_BYTES = 1 << 20  # notifications waiting for one slow client, at most (then they are dropped)

Write = Callable[[bytes], Awaitable[None]]


class Outbox:
    """Messages for one client stream, taken at once and written in order by a task of their own."""

    __slots__ = ("_pump", "_queue", "_size", "_write", "broken", "dropped", "limit")

    def __init__(self, write: Write, limit: int = OUTBOX_BYTES) -> None:
        self._write = write
        self.limit = limit
        self._queue: collections.deque[bytes] = collections.deque()
        self._size = 0
        self._pump: asyncio.Task[None] | None = None
        self.dropped = 0  # notifications not written: the client read too slowly
        self.broken = False  # a write failed (the client went away): nothing more is written

    def put(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for the client; a notification over the limit is dropped instead."""
        if self.broken:
            return
        data = orjson.dumps(message)
        if self._queue and self._size + len(data) > self.limit and "id" not in message:
            if not self.dropped:
                log.warning(
                    "a client is not reading its event stream: notifications for it are dropped (%s)",
                    message.get("method"),
                )
            self.dropped += 1
            return
        self._queue.append(data)
        self._size += len(data)
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._run())

    async def flush(self) -> None:
        """Wait until everything queued so far is written (or the stream broke)."""
        while self._pump is not None:
            await asyncio.wait((self._pump,))  # its end, however it ends; a cancellation of ours still raises

    def close(self) -> None:
        """Stop writing (the stream ends): what is still queued is dropped."""
        self.broken = True
        self._queue.clear()
        self._size = 0
        if self._pump is not None:
            self._pump.cancel()

    async def _run(self) -> None:
        queue = self._queue
        try:
            while queue:
                data = queue.popleft()
                self._size -= len(data)
                await self._write(data)
        except asyncio.CancelledError:
            self.broken = True
            raise
        except Exception:  # the client went away: the request's own handler notices and ends
            self.broken = True
            queue.clear()
            self._size = 0
        finally:
            self._pump = None


class EventStream:
    """The event stream of one request's response: begun by the first message sent before its answer
    (progress, log, a question), each taken at once through an ``Outbox``; then the answer ends it."""

    __slots__ = ("_extra", "_outbox", "_send", "started")

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]], extra: list[tuple[bytes, bytes]]) -> None:
        self._send = send  # the ASGI send of the response
        self._extra = extra  # headers of the response, should it begin here
        self._outbox: Outbox | None = None
        self.started = False  # the SSE response has begun

    async def put(self, message: dict[str, Any]) -> None:
        """The request's ``Sender``: an upstream relaying progress never waits for this client to read it."""
        if self._outbox is None:
            self._outbox = Outbox(self._write)
        self._outbox.put(message)

    async def _write(self, data: bytes) -> None:
        if not self.started:
            self.started = True
            await sse_start(self._send, self._extra)
        await sse_event(self._send, data)

    async def flush(self) -> None:
        """Wait until what was put so far is written (what came before the answer goes first)."""
        if self._outbox is not None:
            await self._outbox.flush()

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.close()

    async def end(self, answer: dict[str, Any]) -> bool:
        """Send ``answer`` as the stream's last event; ``False`` when no stream began (answer it as JSON)."""
        outbox = self._outbox
        if outbox is None:
            return False
        if outbox.broken:
            return True  # the client went away while it was sent what came before: nobody to answer
        if not self.started:
            return False  # everything put was dropped: the answer goes as JSON
        outbox.close()  # a late notification is never written after the answer
        await sse_event(self._send, answer, more=False)
        return True
