"""Newline-delimited messages cut from a byte stream as the bytes arrive.

Both stdio ends of the gateway speak one JSON-RPC message per line: the client's stdin
(``edge.stdio``) and a spawned server's stdout (``upstream.transports.stdio``). ``LineCutter`` is
fed each read from a protocol's ``data_received`` and hands every whole line to ``on_line`` in that
same callback, so no reader task is woken per message (asyncio's ``StreamReader.readline`` would
wake one, and copy the buffer twice). A line longer than the limit is dropped, up to its newline, and
``on_too_large`` is called once for it.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LineCutter"]


class LineCutter:
    """Cuts the bytes given to ``feed`` into lines (each with its ``\\n``), handed to ``on_line``."""

    __slots__ = ("limit", "on_line", "on_too_large", "partial", "skipping")

    def __init__(self, on_line: Callable[[bytes], object], on_too_large: Callable[[], object], limit: int) -> None:
        self.on_line = on_line
        self.on_too_large = on_too_large
        self.limit = limit
        self.partial = bytearray()
        self.skipping = False  # inside a line over the limit: dropped up to its newline

    def feed(self, data: bytes) -> None:
        if self.partial or self.skipping:
            data = self._joined(data)
        start = 0
        on_line = self.on_line
        while (end := data.find(b"\n", start)) >= 0:
            on_line(data[start : end + 1])
            start = end + 1
        if start < len(data):
            self.partial += data[start:]
            if len(self.partial) > self.limit:
                self.partial.clear()
                self.skipping = True
                self.on_too_large()

    def _joined(self, data: bytes) -> bytes:
        """``data`` after what an earlier read left unfinished (or without the rest of a dropped line)."""
        if self.skipping:
            cut = data.find(b"\n")
            if cut < 0:
                return b""
            self.skipping = False
            return data[cut + 1 :]
        self.partial += data
        joined = bytes(self.partial)
        self.partial.clear()
        return joined

    def finish(self) -> None:
        """The end of the stream: an unfinished last line (no newline) is handed over as it is."""
        if self.partial and not self.skipping:
            self.on_line(bytes(self.partial))
        self.partial.clear()
        self.skipping = False
