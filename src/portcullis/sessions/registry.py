"""The one registry of client sessions: which clients hear notifications, and the legacy HTTP sessions.

Two views of the same clients, kept together so that adding or dropping one updates both:

- ``listeners()``: every client that may hear a notification now: a stdio pipe's client, a legacy
  HTTP session, a modern client while its ``subscriptions/listen`` stream is open (``attach``/``detach``).
- ``get(session_id)``: the legacy HTTP sessions (``Mcp-Session-Id``), opened by ``open`` after a
  successful ``initialize``. Each agent key holds at most ``per_key`` of them (anonymous callers count
  as one key); opening one more drops the key's session idle the longest (one with nothing in flight if
  there is any), so a client that never deletes its sessions cannot grow the gateway's memory without
  bound. Sessions idle for an hour without a GET stream are pruned; sessions whose key is no longer in
  the grants are dropped when the grants change (``drop_unowned``).

Dropping a session cancels its in-flight requests and ends its GET stream. Who may use a session is
``edge.auth``'s question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection

from portcullis.sessions.client import ClientSession

__all__ = ["DEFAULT_SESSIONS_PER_KEY", "SessionRegistry"]

log = logging.getLogger("portcullis.http")

DEFAULT_SESSIONS_PER_KEY = 100
_IDLE = 3600.0  # seconds without a request (and without a GET stream) after which a session is pruned
_PRUNE_EVERY = 60.0


class SessionRegistry:
    """Every client session of a running gateway."""

    def __init__(self, per_key: int = DEFAULT_SESSIONS_PER_KEY) -> None:
        self._sessions: dict[str, ClientSession] = {}  # legacy HTTP sessions, by Mcp-Session-Id
        self._clients: dict[str, ClientSession] = {}  # the clients that hear notifications
        self.per_key = per_key
        self._last_prune = time.monotonic()

    def __len__(self) -> int:
        return len(self._sessions)

    # -- clients that hear notifications ---------------------------------------------------
    def listeners(self) -> list[ClientSession]:
        """The clients that may hear a notification now (a copy: safe to await while iterating)."""
        return list(self._clients.values())

    def attach(self, client: ClientSession) -> bool:
        """Let ``client`` hear notifications; ``False`` when it already did (then ``detach`` is not its caller's)."""
        if client.id in self._clients:
            return False
        self._clients[client.id] = client
        return True

    def detach(self, client: ClientSession) -> None:
        self._clients.pop(client.id, None)

    # -- legacy HTTP sessions --------------------------------------------------------------
    def get(self, session_id: str) -> ClientSession | None:
        return self._sessions.get(session_id)

    def open(self, client: ClientSession) -> None:
        """Register a session that has just been initialised, within its key's cap."""
        self._prune()
        mine = [c for c in self._sessions.values() if c.owner == client.owner]
        while len(mine) >= max(self.per_key, 1):
            victim = min(mine, key=lambda c: (bool(c.inflight), c.last_seen))
            mine.remove(victim)
            self.drop(victim)
            who = f"grant '{victim.grant.name}'" if victim.grant is not None else "anonymous callers"
            log.info(
                "%s reached its cap of %d sessions: dropped the one idle longest (%s)", who, self.per_key, victim.label
            )
        self._sessions[client.id] = client
        self._clients[client.id] = client

    def drop(self, client: ClientSession) -> None:
        """Forget a session and stop everything it has running (its GET stream included)."""
        self._sessions.pop(client.id, None)
        self._clients.pop(client.id, None)
        for task in list(client.inflight.values()):
            task.cancel()

    def end_streams(self, key: tuple[str, ...]) -> int:
        """Cancel every session's task under ``key`` (the GET streams, when the gateway stops: they are
        not calls, and would hold the drain to its end); how many there were."""
        tasks = [task for c in self._sessions.values() if (task := c.inflight.get(key)) is not None]
        for task in tasks:
            task.cancel()
        return len(tasks)

    def drop_unowned(self, owners: Collection[str]) -> int:
        """After a change of grants: drop the sessions whose key is not one of ``owners`` (anonymous ones
        included, since a gateway with grants has no anonymous callers); how many were dropped."""
        stale = [c for c in self._sessions.values() if c.owner not in owners]
        for client in stale:
            self.drop(client)
        return len(stale)

    def _prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < _PRUNE_EVERY:
            return
        self._last_prune = now
        for client in list(self._sessions.values()):
            if now - client.last_seen > _IDLE and client.sender is None:
                self.drop(client)
