"""Notifications to clients: ``subscriptions/listen`` streams (2026-07-28) and the legacy session channels.

A notification from a server reaches a client only when the client's grant reaches that server, and a
resource update only when that server owns the URI for its grant. A legacy client hears notifications
on its session channel once it has initialized; a modern client hears the kinds its listen stream
asked for, tagged with the stream's subscription id. A legacy client's GET stream may be open on
another replica of a fleet: its notifications are relayed there (``SessionRegistry.relay``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from portcullis.errors import UpstreamError
from portcullis.protocol import INVALID_REQUEST, SUBSCRIPTION_ID_KEY, Message
from portcullis.routing.forward import RequestError, reach_of
from portcullis.routing.resources import Resources
from portcullis.sessions.client import ClientSession, Sender
from portcullis.sessions.registry import SessionRegistry

__all__ = ["Subscriptions"]

log = logging.getLogger("portcullis.gateway")

LIST_CHANGED = {
    "notifications/tools/list_changed": "toolsListChanged",
    "notifications/prompts/list_changed": "promptsListChanged",
    "notifications/resources/list_changed": "resourcesListChanged",
}
_FILTER_KEYS = frozenset({"toolsListChanged", "promptsListChanged", "resourcesListChanged", "resourceSubscriptions"})


class Subscriptions:
    """Listen streams, and the fan-out of upstream notifications to the clients that may hear them."""

    def __init__(
        self,
        resources: Resources,
        registry: SessionRegistry,
        on_tools_list_changed: Callable[[str], None] | None = None,
    ) -> None:
        self.resources = resources
        self.registry = registry
        self.listeners: dict[str, tuple[ClientSession, Sender, dict[str, Any], Any]] = {}
        # told when an upstream says its tools changed (the catalogue refresher reads them again)
        self.on_tools_list_changed = on_tools_list_changed

    async def listen(
        self, client: ClientSession, params: dict[str, Any], send: Sender | None, rid: Any
    ) -> dict[str, Any]:
        """A modern ``subscriptions/listen``: notifications flow on this request's stream until it ends."""
        if send is None:
            raise RequestError(INVALID_REQUEST, "subscriptions/listen needs a streaming transport")
        raw_filters = params.get("notifications")
        filters: dict[str, Any] = raw_filters if isinstance(raw_filters, dict) else {}
        honoured = {k: v for k, v in filters.items() if k in _FILTER_KEYS and v}
        key = f"{client.id}:{rid}"
        registered = self.registry.attach(client)  # its subscriptions count while it listens
        try:
            if "resourceSubscriptions" in honoured:
                honoured["resourceSubscriptions"] = await self._subscribe_all(client, honoured["resourceSubscriptions"])
                if not honoured["resourceSubscriptions"]:
                    del honoured["resourceSubscriptions"]
            self.listeners[key] = (client, send, honoured, rid)
            with contextlib.suppress(Exception):
                await send(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/subscriptions/acknowledged",
                        "params": {"notifications": honoured, "_meta": {SUBSCRIPTION_ID_KEY: rid}},
                    }
                )
            await asyncio.Event().wait()  # until the client goes away (the task is cancelled)
        finally:
            self.listeners.pop(key, None)
            for uri in list(client.subscriptions):
                with contextlib.suppress(Exception):
                    await self.resources.by_uri(client, "resources/unsubscribe", {"uri": uri}, None)
            if registered:
                self.registry.detach(client)
        return {"resultType": "complete", "_meta": {SUBSCRIPTION_ID_KEY: rid}}

    async def _subscribe_all(self, client: ClientSession, uris: Any) -> list[str]:
        """Subscribe upstream to each URI a listen stream asks for; the ones no server owns are not honoured."""
        honoured: list[str] = []
        for uri in uris if isinstance(uris, list) else []:
            if not isinstance(uri, str):
                continue
            try:
                await self.resources.by_uri(client, "resources/subscribe", {"uri": uri}, None)
            except (RequestError, UpstreamError) as exc:
                log.info("listen: not subscribing to %s: %s", uri, exc)
                continue
            honoured.append(uri)
        return honoured

    async def on_upstream_notification(self, server: str, msg: Message) -> None:
        method = msg.get("method")
        if method in LIST_CHANGED:
            if method == "notifications/tools/list_changed":
                if self.on_tools_list_changed is not None:
                    self.on_tools_list_changed(server)
            elif method == "notifications/resources/list_changed":
                self.resources.lister.owners.stale(server)
            message = {"jsonrpc": "2.0", "method": method}
            await self.broadcast(message, LIST_CHANGED[str(method)], server=server, relay=True)
        elif method == "notifications/resources/updated":
            params = msg.get("params") or {}
            await self.broadcast(
                {"jsonrpc": "2.0", "method": method, "params": params},
                "resourceSubscriptions",
                uri=params.get("uri"),
                server=server,
                relay=True,
            )

    def _hears(self, client: ClientSession, server: str | None, uri: Any) -> bool:
        """Whether a notification from ``server`` (about ``uri``) may reach ``client``: only when its grant
        reaches the server, and for a resource update only when that server owns the URI for its grant."""
        if server is None:
            return True
        reach = reach_of(client)
        if reach is not None and not reach(server):
            return False
        return uri is None or (isinstance(uri, str) and self.resources.known_owner(client, uri) == server)

    async def broadcast(
        self, msg: Message, filter_key: str, uri: Any = None, server: str | None = None, relay: bool = False
    ) -> None:
        """Send a notification from ``server`` to every client that listens for it and may hear it, in its era's way.

        ``relay``: what only this replica heard (its own upstream connection said so) also goes to the
        legacy GET streams other replicas of the fleet hold; what every replica learns for itself (a
        reload, an approval read from the shared pins) does not, so that a stream hears it once."""
        for client in self.registry.listeners():
            if client.era == "modern" or not client.initialized:
                continue  # a legacy client hears notifications once it has initialized
            elsewhere = relay and self.registry.relays(client)  # its GET stream may be open on another replica
            if (client.sender is None and not elsewhere) or (uri is not None and uri not in client.subscriptions):
                continue
            if not self._hears(client, server, uri):
                continue
            with contextlib.suppress(Exception):
                if client.sender is not None:
                    await client.sender(msg)
                else:
                    await self.registry.relay(client, msg)
        for client, send, filters, sub_id in list(self.listeners.values()):
            wanted = filters.get(filter_key)
            if filter_key == "resourceSubscriptions":
                if not isinstance(wanted, list) or uri not in wanted:
                    continue
            elif not wanted:
                continue
            if not self._hears(client, server, uri):
                continue
            params = dict(msg.get("params") or {})
            params["_meta"] = {**(params.get("_meta") or {}), SUBSCRIPTION_ID_KEY: sub_id}
            with contextlib.suppress(Exception):
                await send({"jsonrpc": "2.0", "method": msg["method"], "params": params})
