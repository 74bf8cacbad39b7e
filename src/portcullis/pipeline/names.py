"""Names seen by agents: ``<server>__<name>`` (the MCP name alphabet; clients reject ``.`` and ``/``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SEPARATOR", "Namer"]

SEPARATOR = "__"


@dataclass(frozen=True)
class Namer:
    """Turns upstream names into exposed names and back."""

    servers: tuple[str, ...]
    prefix: bool = True

    def expose(self, server: str, name: str) -> str:
        return f"{server}{SEPARATOR}{name}" if self.prefix else name

    def split(self, exposed: str) -> tuple[str, str] | None:
        """``(server, name)`` for an exposed name, or ``None`` when no server owns it."""
        if not self.prefix:
            return (self.servers[0], exposed) if self.servers else None
        server, sep, name = exposed.partition(SEPARATOR)
        if not sep or not name or server not in self.servers:
            return None
        return server, name
