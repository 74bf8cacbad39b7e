"""Resources: which server owns a URI for a client's grant, and reads and (un)subscriptions routed to it.

Ownership comes from the listings (``uris``); an unknown URI makes the listings be read once. A
2026-07-28 server has no subscribe: its listen stream carries the updates, so a subscription only
changes which URIs the gateway watches there. A legacy server is unsubscribed only when no other
client still wants the URI's updates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portcullis.protocol import INVALID_PARAMS
from portcullis.routing.forward import Forwarder, RequestError, reach_of
from portcullis.routing.lists import Lister
from portcullis.routing.uris import Ambiguous
from portcullis.sessions.client import ClientSession, Sender
from portcullis.sessions.registry import SessionRegistry
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Resources", "ScreenRead"]

# Screens a read's result before the client has it: (client, server, URI, "resource", result) → what to send.
ScreenRead = Callable[[ClientSession, str, str, str, dict[str, Any]], dict[str, Any]]


class Resources:
    """Routes ``resources/read``, ``resources/subscribe`` and ``resources/unsubscribe`` by URI."""

    def __init__(
        self,
        pool: UpstreamPool,
        lister: Lister,
        forwarder: Forwarder,
        registry: SessionRegistry,
        screen: ScreenRead | None = None,
    ) -> None:
        self.pool = pool
        self.lister = lister
        self.forwarder = forwarder
        self.registry = registry
        self.screen = screen  # a read's contents, screened by the rule for its server and URI

    def reachable(self, client: ClientSession) -> list[str]:
        return self.lister.reachable(reach_of(client))

    def known_owner(self, client: ClientSession, uri: str) -> str | None:
        """The server that owns ``uri`` for this client's grant, from what is already known (no I/O)."""
        owner = self.lister.owners.owner(uri, self.reachable(client))
        return owner if isinstance(owner, str) else None

    async def owner(self, client: ClientSession, uri: str) -> str:
        """The server that owns ``uri`` for this client's grant (``uris``); learn the listings when unknown."""
        reachable = self.reachable(client)
        owner = self.lister.owners.owner(uri, reachable)
        ready = [s for s in reachable if self.pool.sessions[s].state == "ready"]
        if owner is None and not self.lister.owners.knows_all(ready):
            # Some listing is not in yet (or its server said it changed). Reading them once is bounded:
            # a URI nobody lists does not make every read walk every server again.
            await self.lister.learn(ready)
            owner = self.lister.owners.owner(uri, reachable)
        if isinstance(owner, Ambiguous):
            raise RequestError(
                INVALID_PARAMS, f"Resource not served: {owner.message()}", {"uri": uri, "servers": list(owner.servers)}
            )
        if owner is None:
            raise RequestError(
                INVALID_PARAMS,
                f"Resource not found: {uri} (no server this key reaches lists it; "
                "resources/list and resources/templates/list show what can be read)",
                {"uri": uri},
            )
        return owner

    async def by_uri(
        self, client: ClientSession, method: str, params: dict[str, Any], send: Sender | None
    ) -> dict[str, Any]:
        """Route a read or (un)subscription to the one server that owns the URI for this client's grant."""
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RequestError(INVALID_PARAMS, f"{method} needs params.uri (a string)")
        server = await self.owner(client, uri)
        session = self.pool.sessions[server]
        if session.state != "ready":
            raise session.unavailable()
        if "resources" not in session.capabilities:
            raise RequestError(INVALID_PARAMS, f"Resource not found: {uri}", {"uri": uri})
        if method != "resources/read" and session.era == "modern":
            # 2026-07-28 servers have no subscribe: their listen stream carries the updates.
            if method == "resources/subscribe":
                client.subscriptions.add(uri)
            else:
                client.subscriptions.discard(uri)
            session.watch_resources(self.subscribed_uris(server))
            return {}
        if method == "resources/unsubscribe" and any(
            uri in other.subscriptions and self.known_owner(other, uri) == server
            for other in self.registry.listeners()
            if other is not client
        ):
            client.subscriptions.discard(uri)  # another client still wants its updates
            return {}
        result = await self.forwarder.forward(client, server, method, params, send)
        if method == "resources/read" and self.screen is not None:
            return self.screen(client, server, uri, "resource", result)
        if method == "resources/subscribe":
            client.subscriptions.add(uri)
        elif method == "resources/unsubscribe":
            client.subscriptions.discard(uri)
        return result

    def subscribed_uris(self, server: str) -> set[str]:
        uris: set[str] = set()
        for client in self.registry.listeners():
            uris.update(u for u in client.subscriptions if self.known_owner(client, u) == server)
        return uris
