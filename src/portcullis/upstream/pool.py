"""All upstream sessions of a gateway, started together and looked up by server name."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from portcullis.config.model import ServerConfig
from portcullis.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from portcullis.upstream.session import NotificationHandler, UpstreamSession

__all__ = ["UpstreamPool"]

log = logging.getLogger("portcullis.upstream")

_MAX_PAGES = 1000


class UpstreamPool:
    """Open every configured server once; a server that fails to start keeps retrying in the background."""

    def __init__(self, servers: Mapping[str, ServerConfig]) -> None:
        self.sessions: dict[str, UpstreamSession] = {name: UpstreamSession(cfg) for name, cfg in servers.items()}
        self.start_errors: dict[str, str] = {}

    def set_notification_handler(self, handler: NotificationHandler) -> None:
        for session in self.sessions.values():
            session.on_notification = handler

    async def start(self) -> None:
        async def one(session: UpstreamSession) -> None:
            try:
                await session.start()
            except UpstreamError as exc:
                self.start_errors[session.name] = exc.message
                log.error("upstream %s failed to start: %s (retrying in the background)", session.name, exc.message)

        await asyncio.gather(*(one(s) for s in self.sessions.values()))

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sessions.values()), return_exceptions=True)

    async def __aenter__(self) -> UpstreamPool:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
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
                raise UpstreamProtocolError(server, f"upstream server '{server}' answered {method} with an error: "
                                                    f"{resp['error'].get('message')}")
            result = resp["result"]
            page = result.get(key) or []
            items.extend(item for item in page if isinstance(item, dict))
            cursor = result.get("nextCursor")
            if not cursor:
                return items
        raise UpstreamProtocolError(server, f"upstream server '{server}' paginated {method} past {_MAX_PAGES} pages")

    async def list_all_tools(self) -> dict[str, list[dict[str, Any]]]:
        """Every tool of every ready server (servers that are down are left out and logged)."""
        out: dict[str, list[dict[str, Any]]] = {}

        async def one(name: str) -> None:
            try:
                out[name] = await self.list_all(name, "tools/list", "tools")
            except (UpstreamError, UpstreamUnavailable) as exc:
                log.error("cannot list tools of %s: %s", name, exc.message)

        await asyncio.gather(*(one(n) for n in self.sessions))
        return {n: out[n] for n in self.sessions if n in out}
