"""One write per HTTP response: a response's header block waits for its body, and both go out together.

uvicorn writes the status line and headers of a response in one ``transport.write`` and its body in
another, so every answer costs two ``write`` system calls (and, without ``TCP_NODELAY`` games, two
segments). ``CorkedTransport`` sits between uvicorn's protocol and the socket's transport: it holds a
header block and sends it with the next write, which for an ordinary response follows at once. A
response whose body comes later (a server-sent event stream) gets its headers sent on the next turn
of the event loop, so nothing waits; closing sends what is held first. Order is always kept.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["CorkedTransport"]

_LARGE = 65536  # beyond this a body is not copied to join it with its headers


class CorkedTransport:
    """A transport proxy that joins each response's header block with the write after it."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) <= _LARGE:
                self._transport.write(held + bytes(data))
            else:
                self._transport.writelines((held, data))
        elif data[:5] == b"HTTP/" and data[-4:] == b"\r\n\r\n":
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def write_now(self, data: bytes) -> None:
        """Write ``data`` as it is, after what is held (a writer that joins its own header block and body)."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        """Send a held header block now (its body did not follow in the same turn of the loop)."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
