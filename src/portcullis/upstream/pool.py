"""All upstream sessions of a gateway, started together and looked up by server name.

Servers can be added and removed while the gateway runs (a changed ``servers:`` section): a new
session starts in the background, a removed one is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any

from portcullis.config.model import ServerConfig
from portcullis.errors import UpstreamError, UpstreamProtocolError
from portcullis.upstream.session import NotificationHandler, UpstreamSession

__all__ = ["ReadyHandler", "UpstreamPool"]

log = logging.getLogger("portcullis.upstream")

_MAX_PAGES = 1000

ReadyHandler = Callable[[UpstreamSession], Awaitable[None]]


class UpstreamPool:
    """Open every configured server once; a server that fails to start keeps retrying in the background."""

    def __init__(self, servers: Mapping[str, ServerConfig]) -> None:
        self.sessions: dict[str, UpstreamSession] = {name: UpstreamSession(cfg) for name, cfg in servers.items()}
        self.start_errors: dict[str, str] = {}
        self._on_notification: NotificationHandler | None = None
        self._on_ready: ReadyHandler | None = None
        self._starting: dict[str, asyncio.Task[None]] = {}

    def set_notification_handler(self, handler: NotificationHandler) -> None:
        self._on_notification = handler
        for session in self.sessions.values():
            session.on_notification = handler

    def set_ready_handler(self, handler: ReadyHandler) -> None:
        """Called each time a server becomes ready (first start, restart, or added while running)."""
        self._on_ready = handler
        for session in self.sessions.values():
            session.on_ready = handler

    async def start_one(self, name: str) -> None:
        """Start one server; a failure is logged and kept in ``start_errors`` (it retries in the background)."""
        session = self.sessions[name]
        try:
            await session.start()
        except UpstreamError as exc:
            self.start_errors[session.name] = exc.message
            log.error(
                "upstream %s failed to start: %s (retrying in the background; if it persists, fix server '%s' "
                "in the config: its command, args or url)",
                session.name,
                exc.message,
                session.name,
            )
        else:
            self.start_errors.pop(session.name, None)

    async def start(self, grace: float | None = None) -> None:
        """Start every server; wait for all of them, or at most ``grace`` seconds: the ones still starting
        then go on in the background (and are ready when they are)."""
        tasks = [self._start_in_background(name) for name in self.sessions]
        if not tasks:
            return
        _, still = await asyncio.wait(tasks, timeout=grace)
        for task in still:
            name = task.get_name()
            session = self.sessions.get(name)
            wait = session.config.startup_wait if session is not None else 0.0
            log.warning(
                "upstream %s is still starting (it may take up to %gs); the gateway serves meanwhile and "
                "lists its tools once it is ready",
                name,
                wait,
            )

    def _start_in_background(self, name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self.start_one(name), name=name)
        self._starting[name] = task
        task.add_done_callback(
            lambda done: self._starting.pop(name, None) if self._starting.get(name) is done else None
        )
        return task

    def add(self, config: ServerConfig) -> UpstreamSession | None:
        """Add a server while running (in place of the one of that name, keeping its position) and start it in
        the background; returns the session it replaces, for the caller to close."""
        old = self.sessions.get(config.name)
        if old is not None:
            self._forget_start(config.name)
        session = UpstreamSession(config)
        if self._on_notification is not None:
            session.on_notification = self._on_notification
        if self._on_ready is not None:
            session.on_ready = self._on_ready
        self.sessions[config.name] = session
        self._start_in_background(config.name)
        return old

    def detach(self, name: str) -> UpstreamSession | None:
        """Forget a server at once (no await: routing never sees it half-gone); the caller closes the session."""
        session = self.sessions.pop(name, None)
        self._forget_start(name)
        return session

    def _forget_start(self, name: str) -> None:
        self.start_errors.pop(name, None)
        task = self._starting.pop(name, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        for task in list(self._starting.values()):
            task.cancel()
        await asyncio.gather(*(s.close() for s in self.sessions.values()), return_exceptions=True)

    async def __aenter__(self) -> UpstreamPool:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def get(self, name: str) -> UpstreamSession | None:
        return self.sessions.get(name)

    async def list_all(self, server: str, method: str, key: str) -> list[dict[str, Any]]:
        """Every item of a paginated list method of one server, all pages."""
        session = self.sessions[server]
        if session.state != "ready":
            raise session.unavailable()
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            resp = await session.request(method, {"cursor": cursor} if cursor else None)
            if "error" in resp:
                raise UpstreamProtocolError(
                    server,
                    f"upstream server '{server}' answered {method} with an error: {resp['error'].get('message')}",
                )
            result = resp["result"]
            page = result.get(key) or []
            items.extend(item for item in page if isinstance(item, dict))
            cursor = result.get("nextCursor")
            if not cursor:
                return items
        raise UpstreamProtocolError(server, f"upstream server '{server}' paginated {method} past {_MAX_PAGES} pages")
