"""Keeping an upstream session up: when its connection dies, reconnect in the background with backoff.

A session whose transport dies goes to *restarting*: calls fail at once with ``unavailable()``, an
error that names the server, what went wrong and when it is tried again, while the supervisor's
task reconnects (a fresh process, for stdio) after 0.5 s, 1 s, 2 s, … up to 30 s between tries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Literal, Protocol

from portcullis.errors import UpstreamError, UpstreamUnavailable

__all__ = ["State", "Supervised", "Supervisor"]

log = logging.getLogger("portcullis.upstream")

State = Literal["new", "connecting", "ready", "restarting", "closed"]
_FIRST_BACKOFF = 0.5
_MAX_BACKOFF = 30.0


class Supervised(Protocol):
    """The session a supervisor keeps up."""

    name: str
    state: State

    async def reconnect(self) -> None:
        """Close what is left of the connection, connect and negotiate again (raises on failure)."""


class Supervisor:
    """Restarts one upstream session while it is down; remembers why it went down and how often."""

    def __init__(self, session: Supervised) -> None:
        self._session = session
        self.last_error: str | None = None
        self.restarts = 0
        self._retry_at: float | None = None
        self._backoff = _FIRST_BACKOFF
        self._task: asyncio.Task[None] | None = None
        self._attempting = False  # a restart's connect is under way (its failures are the loop's to handle)

    def ready(self) -> None:
        """The session is up: forget the last failure and start the next backoff from the beginning."""
        self.last_error = None
        self._backoff = _FIRST_BACKOFF
        self._retry_at = None

    def lost(self, reason: str) -> None:
        """The connection died (``Transport.on_close``): restart unless the session is closing or connecting."""
        if self._session.state in ("closed", "connecting") or self._attempting:
            return
        log.warning("upstream %s lost: %s", self._session.name, reason)
        self.schedule(reason)

    def schedule(self, reason: str) -> None:
        """Put the session in *restarting* and make sure a restart task runs."""
        if self._session.state == "closed":
            return
        self._session.state = "restarting"
        self.last_error = reason
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._restart_loop())

    async def _restart_loop(self) -> None:
        session = self._session
        while session.state == "restarting":
            delay = self._backoff
            self._retry_at = time.monotonic() + delay
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
            await asyncio.sleep(delay)
            if session.state != "restarting":
                return
            self._attempting = True
            try:
                await session.reconnect()
                self.restarts += 1
                return
            except UpstreamError as exc:
                session.state = "restarting"
                self.last_error = exc.reason
                log.warning("upstream %s restart failed: %s", session.name, exc.reason)
            except Exception as exc:  # never let the loop die
                session.state = "restarting"
                self.last_error = repr(exc)
            finally:
                self._attempting = False

    def unavailable(self) -> UpstreamUnavailable:
        """The error a call gets while the session is not ready: why, and when it is tried again."""
        retry = max(0.0, self._retry_at - time.monotonic()) if self._retry_at is not None else None
        state = self._session.state
        reason = f"{state} after: {self.last_error}" if self.last_error else state
        return UpstreamUnavailable(self._session.name, reason, retry, may_have_run=False)  # nothing was sent

    async def close(self) -> None:
        """Stop restarting (the session is closing)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
