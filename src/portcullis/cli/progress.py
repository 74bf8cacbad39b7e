"""Progress on stderr while the catalogue commands wait for servers to start and list their tools.

On a terminal one status line is redrawn (a spinner, how many servers are done, which ones are still
awaited and for how long); each server's outcome is printed above it as it comes. Elsewhere (a pipe,
a CI log) plain lines: one when a server is started, one when it is listed or fails, and one every
``_PLAIN_EVERY`` seconds naming the servers still awaited. stdout is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import TextIO

__all__ = ["ServerProgress", "showing_progress"]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_TICK = 0.1
_PLAIN_EVERY = 10.0


class ServerProgress:
    """A ``DiscoveryListener`` that shows what it hears on ``stream``."""

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = (self.stream.isatty() and os.environ.get("TERM") != "dumb") if tty is None else tty
        self.total = total
        self.waiting: dict[str, tuple[float, float]] = {}  # server → (started at, how long it may take)
        self.done = 0
        self._frame = 0
        self._last_plain = time.monotonic()
        self._drawn = False

    # -- what discovery reports ----------------------------------------------------------------
    def starting(self, server: str, wait: float) -> None:
        self.waiting[server] = (time.monotonic(), wait)
        if not self.tty:
            self._line(f"starting server '{server}' (waiting up to {wait:g}s for it)")

    def listed(self, server: str, tools: int) -> None:
        self._finish(
            server,
            f"✓ {server}: {tools} tool{'s' if tools != 1 else ''}"
            if self.tty
            else f"server '{server}': {tools} tool{'s' if tools != 1 else ''}",
        )

    def failed(self, server: str, reason: str) -> None:
        self._finish(server, f"✗ {server}: {reason}" if self.tty else f"server '{server}' failed: {reason}")

    # -- drawing ---------------------------------------------------------------------------------
    def _finish(self, server: str, text: str) -> None:
        self.waiting.pop(server, None)
        self.done += 1
        self._line(text)

    def _line(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.stream.flush()
        self._draw()

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[2K")
            self._drawn = False

    def _status(self) -> str:
        now = time.monotonic()
        awaited = ", ".join(f"{name} {now - since:.0f}s/{wait:g}s" for name, (since, wait) in self.waiting.items())
        return f"{_SPINNER[self._frame % len(_SPINNER)]} {self.done}/{self.total} servers listed; waiting for {awaited}"

    def _draw(self) -> None:
        if self.tty and self.waiting:
            self.stream.write("\r\x1b[2K" + self._status()[:200])
            self.stream.flush()
            self._drawn = True

    def tick(self) -> None:
        """Redraw the status line (terminal), or name who is still awaited now and then (plain)."""
        self._frame += 1
        if self.tty:
            self._draw()
            return
        now = time.monotonic()
        if self.waiting and now - self._last_plain >= _PLAIN_EVERY:
            self._last_plain = now
            names = ", ".join(f"'{name}' ({now - since:.0f}s)" for name, (since, _) in self.waiting.items())
            self._line(f"still waiting for {names}")

    def close(self) -> None:
        self._clear()
        self.stream.flush()


@contextlib.asynccontextmanager
async def showing_progress(total: int, stream: TextIO | None = None) -> AsyncIterator[ServerProgress]:
    """A ``ServerProgress`` whose display is kept moving until the block ends."""
    progress = ServerProgress(total, stream)

    async def ticking() -> None:
        while True:
            await asyncio.sleep(_TICK)
            progress.tick()

    ticker = asyncio.get_running_loop().create_task(ticking())
    try:
        yield progress
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        progress.close()
