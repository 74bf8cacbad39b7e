"""An incremental parser for Server-Sent Events (the WHATWG ``text/event-stream`` format).

Both HTTP transports read SSE: Streamable HTTP answers a POST with one, and the 2024-11-05 HTTP+SSE
transport lives on one. Bytes arrive in arbitrary chunks; ``SseParser.feed`` returns the events that a
chunk completes and keeps the rest. Lines may end in ``\\n``, ``\\r\\n`` or ``\\r`` (a CRLF even split across
chunks). ``data`` stays ``bytes`` so that ``orjson.loads`` can read it without a decode. One event
larger than ``max_event`` bytes raises ``SseEventTooLarge``, so a broken or hostile server cannot make
the gateway buffer without bound.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SseEvent", "SseEventTooLarge", "SseParser"]


class SseEventTooLarge(ValueError):
    """One event (or one line) is larger than the parser's limit."""


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One dispatched event: its type (``message`` unless named), its data, and the stream's last event id.

    The server's reconnection delay (``retry:``) is kept on the parser, as ``SseParser.retry`` (ms).
    """

    event: str
    data: bytes
    id: str | None


class SseParser:
    """Feed it chunks, get complete events back."""

    def __init__(self, max_event: int = 16 * 1024 * 1024) -> None:
        self.max_event = max_event
        self.last_id: str | None = None
        self.retry: int | None = None
        self._partial: list[bytes] = []  # the start of a line whose end has not arrived
        self._partial_len = 0
        self._data: list[bytes] = []
        self._size = 0
        self._event = ""
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """Parse ``chunk`` (any slice of the stream) and return the events it completed."""
        if self._skip_lf:  # the previous chunk ended in CR: a LF starting this one belongs to it
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            self._skip_lf = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.find(b"\n")
        if end == -1:  # no line ends here: keep the piece without copying what came before
            self._partial.append(chunk)
            self._partial_len += len(chunk)
            if self._partial_len + self._size > self.max_event:
                raise SseEventTooLarge(f"an event is larger than {self.max_event} bytes")
            return []
        if self._partial:
            head = len(chunk)
            self._partial.append(chunk)
            buf = b"".join(self._partial)
            end += len(buf) - head
            self._partial, self._partial_len = [], 0
        else:
            buf = chunk
        events: list[SseEvent] = []
        start = 0
        while end != -1:
            self._line(buf[start:end], events)
            start = end + 1
            end = buf.find(b"\n", start)
        if start < len(buf):
            rest = buf[start:]
            if len(rest) + self._size > self.max_event:
                raise SseEventTooLarge(f"an event is larger than {self.max_event} bytes")
            self._partial.append(rest)
            self._partial_len = len(rest)
        return events

    def _line(self, line: bytes, events: list[SseEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[0] == 0x3A:  # ":" a comment (keep-alive)
            return
        colon = line.find(b":")
        if colon == -1:
            name, value = line, b""
        else:
            name = line[:colon]
            value = line[colon + 1 :]
            if value[:1] == b" ":
                value = value[1:]
        if name == b"data":
            self._size += len(value) + 1
            if self._size > self.max_event:
                raise SseEventTooLarge(f"an event is larger than {self.max_event} bytes")
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self.last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)

    def _dispatch(self, events: list[SseEvent]) -> None:
        data, name = self._data, self._event
        self._data, self._size, self._event = [], 0, ""
        if not data or (len(data) == 1 and not data[0]):  # empty data is not dispatched (WHATWG)
            return
        payload = data[0] if len(data) == 1 else b"\n".join(data)
        events.append(SseEvent(name or "message", payload, self.last_id))
