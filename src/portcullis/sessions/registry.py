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

In a fleet (replicas behind a load balancer), a legacy session's id is sealed (``sessions.seal``,
``issue``): a replica that does not hold the session opens its id and adopts it (``find``, then
``open``), with its log level and subscriptions from the fleet's store (``sessions.fleet``). ``end``
ends a session on every replica; ``relay`` sends a notification to a GET stream held by another
replica. ``per_key`` then counts the sessions each replica holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection
from typing import Any

from portcullis.sessions.client import ClientSession
from portcullis.sessions.fleet import KEEP, FleetMessage, LocalSessionSync, SessionState, SessionSync
from portcullis.sessions.seal import SealedSession, SessionSeal

__all__ = ["DEFAULT_SESSIONS_PER_KEY", "SessionRegistry"]

log = logging.getLogger("portcullis.http")

DEFAULT_SESSIONS_PER_KEY = 100
_IDLE = 3600.0  # seconds without a request (and without a GET stream) after which a session is pruned
_PRUNE_EVERY = 60.0


class SessionRegistry:
    """Every client session of a running gateway."""

    def __init__(
        self, per_key: int = DEFAULT_SESSIONS_PER_KEY, seal: SessionSeal | None = None, sync: SessionSync | None = None
    ) -> None:
        self._sessions: dict[str, ClientSession] = {}  # legacy HTTP sessions, by Mcp-Session-Id
        self._labels: dict[str, ClientSession] = {}  # the same, by label (how the fleet names them)
        self.seal = seal or SessionSeal()
        self.sync: SessionSync = sync or LocalSessionSync()
        self._ending: set[asyncio.Task[None]] = set()
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
            self._end_everywhere(victim)
            who = f"grant '{victim.grant.name}'" if victim.grant is not None else "anonymous callers"
            log.info(
                "%s reached its cap of %d sessions: dropped the one idle longest (%s)", who, self.per_key, victim.label
            )
        self._sessions[client.id] = client
        self._labels[client.label] = client
        self._clients[client.id] = client

    def issue(self, client: ClientSession) -> str:
        """Open a session that has just been initialised under a new sealed id (any replica of the fleet
        can adopt it); the id."""
        grant = client.grant.name if client.grant is not None else None
        state = SealedSession(client.owner, grant, client.protocol_version, client.capabilities, client.client_info)
        client.rename(self.seal.seal(state))
        self.open(client)
        return client.id

    async def find(self, session_id: str) -> ClientSession | None:
        """The session ``session_id`` names: held here, or adopted from its sealed id (not yet held:
        ``open`` it once its owner is checked); ``None`` when unknown, forged, too old or ended.
        Raises ``StoreUnavailable`` when the fleet's store cannot say whether it was ended."""
        client = self._sessions.get(session_id)
        if client is not None or not self.sync.shared:
            return client  # a single gateway issued every session it may serve: an id it does not hold is gone
        sealed = self.seal.unseal(session_id)
        if sealed is None or (sealed.issued and time.time() - sealed.issued > KEEP):
            return None
        client = ClientSession(
            id=session_id,
            owner=sealed.owner,
            protocol_version=sealed.protocol_version,
            capabilities=sealed.capabilities,
            client_info=sealed.client_info,
            initialized=True,
        )
        state = await self.sync.recover(client.label)
        if state is None:
            return None
        client.log_level = state.log_level
        client.subscriptions = set(state.subscriptions)
        return client

    async def share(self, client: ClientSession) -> None:
        """The client changed its log level or subscriptions: tell the fleet."""
        await self.sync.save(client.label, SessionState(client.log_level, frozenset(client.subscriptions)))

    async def end(self, client: ClientSession) -> None:
        """``DELETE``: end the session here and on every replica."""
        self.drop(client)
        await self.sync.end(client.label)

    def _end_everywhere(self, client: ClientSession) -> None:
        """A session dropped for the cap: no replica may adopt it again (in the background: ``open`` is sync)."""
        if self.sync.shared:
            task = asyncio.get_running_loop().create_task(self.sync.end(client.label))
            self._ending.add(task)
            task.add_done_callback(self._ending.discard)

    def relays(self, client: ClientSession) -> bool:
        """Whether a notification for ``client`` goes through the fleet (its GET stream may be elsewhere)."""
        return self.sync.shared and client.sender is None and self._sessions.get(client.id) is client

    async def relay(self, client: ClientSession, message: dict[str, Any]) -> None:
        await self.sync.deliver(client.label, message)

    async def on_fleet_message(self, message: FleetMessage) -> None:
        """What another replica said about a session this one may hold."""
        client = self._labels.get(message.label)
        if client is None:
            return
        if message.kind == "end":
            self.drop(client)
        elif message.kind == "state" and message.state is not None:
            client.log_level = message.state.log_level
            client.subscriptions = set(message.state.subscriptions)
        elif message.kind == "deliver" and message.message is not None and client.sender is not None:
            await client.sender(message.message)

    def drop(self, client: ClientSession) -> None:
        """Forget a session and stop everything it has running (its GET stream included)."""
        self._sessions.pop(client.id, None)
        if self._labels.get(client.label) is client:
            del self._labels[client.label]
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
