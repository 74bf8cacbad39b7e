"""Start some servers once, list all their tools, and close them: what the catalogue commands run on.

Each server is started (waiting as long as its ``startup_timeout`` allows) and listed concurrently;
a server that cannot be started or listed is reported with the reason, never silently left out.
A ``DiscoveryListener`` hears about each server as it goes (the CLI's progress display).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from portcullis.config.model import ServerConfig
from portcullis.errors import UpstreamError
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Discovery", "DiscoveryListener", "discover_tools"]


class DiscoveryListener(Protocol):
    """Told what happens to each server while tools are discovered."""

    def starting(self, server: str, wait: float) -> None: ...

    def listed(self, server: str, tools: int) -> None: ...

    def failed(self, server: str, reason: str) -> None: ...


@dataclass
class Discovery:
    """The tools of every server that could be listed (config order), and why the others could not."""

    tools: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.failures


class _Silent:
    def starting(self, server: str, wait: float) -> None:
        return None

    def listed(self, server: str, tools: int) -> None:
        return None

    def failed(self, server: str, reason: str) -> None:
        return None


async def discover_tools(servers: Mapping[str, ServerConfig], listener: DiscoveryListener | None = None) -> Discovery:
    """Start each of ``servers``, list all its tools (every page), and close it again."""
    heard = listener or _Silent()
    pool = UpstreamPool(servers)
    listed: dict[str, list[dict[str, Any]]] = {}
    found = Discovery()

    async def one(name: str) -> None:
        session = pool.sessions[name]
        heard.starting(name, session.config.startup_wait)
        try:
            await session.start()
            listed[name] = await pool.list_all(name, "tools/list", "tools")
        except UpstreamError as exc:
            found.failures[name] = exc.reason
            heard.failed(name, exc.reason)
            await session.close()  # no retrying in the background: this command reports and ends
            return
        heard.listed(name, len(listed[name]))

    try:
        await asyncio.gather(*(one(name) for name in servers))
    finally:
        await pool.close()
    # in the config's order, not the order the servers happened to answer or fail in (a report reads the same
    # on every run)
    found.tools = {name: listed[name] for name in servers if name in listed}
    found.failures = {name: found.failures[name] for name in servers if name in found.failures}
    return found
