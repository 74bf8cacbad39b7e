"""What the replicas of a fleet tell each other about legacy sessions, through Redis (``store: redis://``).

A sealed session id (``sessions.seal``) lets any replica adopt a session it has never seen; what a
session's client changes later lives here, shared:

- its mutable state (log level, resource subscriptions): a hash ``<prefix>sess:<label>`` with a TTL,
  read when a replica adopts the session (in the same round trip as the tombstone), written when the
  client changes it, and published so that replicas already holding the session update their copy;
- its end: ``DELETE`` on any replica leaves a tombstone ``<prefix>sess-end:<label>`` (so no replica
  adopts it again) and is published, so every replica drops its copy (a GET stream it holds ends);
- what must reach its GET stream: a replica with a notification for a session whose stream is open on
  another replica publishes it; the replica holding the stream sends it.

Keys and messages name a session by its ``label`` (a digest of the id), never by the id, a bearer
secret. Without Redis, ``LocalSessionSync`` does nothing: one process holds all of its sessions. The
Redis side is ``sessions.fleet_redis`` (imported only when the store is Redis: an optional backend).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from portcullis._plumbing.store_url import is_redis_url

__all__ = ["FleetMessage", "LocalSessionSync", "SessionState", "SessionSync", "open_session_sync"]

KEEP = 30 * 86400  # seconds a session's shared state and tombstone are kept (sealed ids are adopted this long)


@dataclass(frozen=True)
class SessionState:
    """The mutable part of a legacy session, as shared by the fleet."""

    log_level: str | None = None
    subscriptions: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FleetMessage:
    """One message between replicas: ``kind`` is ``state``, ``end`` or ``deliver``."""

    kind: str
    label: str
    state: SessionState | None = None
    message: dict[str, Any] | None = None


Handler = Callable[[FleetMessage], Awaitable[None]]


class SessionSync(Protocol):
    shared: bool

    async def recover(self, label: str) -> SessionState | None:
        """The shared state of a session to adopt; ``None`` when it was ended (a tombstone)."""
        ...

    async def save(self, label: str, state: SessionState) -> None: ...

    async def end(self, label: str) -> None: ...

    async def deliver(self, label: str, message: dict[str, Any]) -> None: ...

    async def run(self, handler: Handler) -> None:
        """Hand every message from the other replicas to ``handler`` until cancelled."""
        ...

    async def close(self) -> None: ...


class LocalSessionSync:
    """A single gateway: nothing to share."""

    shared = False

    async def recover(self, label: str) -> SessionState | None:
        return SessionState()

    async def save(self, label: str, state: SessionState) -> None:
        return None

    async def end(self, label: str) -> None:
        return None

    async def deliver(self, label: str, message: dict[str, Any]) -> None:
        return None

    async def run(self, handler: Handler) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        return None


def open_session_sync(store: str) -> SessionSync:
    """The session sync of a counter store: Redis shares it with the fleet; anything else is one process."""
    if is_redis_url(store):
        from portcullis.sessions.fleet_redis import RedisSessionSync

        return RedisSessionSync(store)
    return LocalSessionSync()
