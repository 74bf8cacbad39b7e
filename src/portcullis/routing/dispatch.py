"""``Gateway``: one object that answers every MCP message a client sends, in either era.

Transports (``edge.http``, ``edge.stdio``) parse bytes and hand each message here with the
client's session and a ``send`` for that request's own stream; the answer (or ``None`` for a
notification) goes back the same way. Lifecycle (``initialize``, ``server/discover``), lists,
calls and routing by name or URI live here; the call path itself is in ``calls``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from portcullis.config.model import GatewayConfig
from portcullis.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from portcullis.gateway.eras import for_client
from portcullis.pipeline.calls import Caller, CallError
from portcullis.pipeline.guard import AllowAll, CallGuard
from portcullis.policy.grants import grant_reaches
from portcullis.protocol import (
    GATEWAY_INFO,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LATEST_LEGACY,
    LEGACY_VERSIONS,
    METHOD_NOT_FOUND,
    SERVER_INFO_KEY,
    SUBSCRIPTION_ID_KEY,
    SUPPORTED_VERSIONS,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
    JsonRpcError,
    Message,
    error_response,
)
from portcullis.routing.cursors import CursorCodec
from portcullis.routing.lists import Lister, ListError
from portcullis.routing.names import Namer
from portcullis.routing.uris import Ambiguous
from portcullis.sessions.client import ClientSession, Sender
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Gateway", "RequestError"]

log = logging.getLogger("portcullis.gateway")

CAPABILITIES: dict[str, Any] = {
    "tools": {"listChanged": True},
    "prompts": {"listChanged": True},
    "resources": {"subscribe": True, "listChanged": True},
    "completions": {},
    "logging": {},
}
_LIST_CHANGED = {
    "notifications/tools/list_changed": "toolsListChanged",
    "notifications/prompts/list_changed": "promptsListChanged",
    "notifications/resources/list_changed": "resourcesListChanged",
}
_ROUTED_BY_NAME = {"prompts/get"}
_REMOVED_IN_MODERN = frozenset(
    {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"}
)


_FILTER_KEYS = frozenset({"toolsListChanged", "promptsListChanged", "resourcesListChanged", "resourceSubscriptions"})


RequestError = JsonRpcError  # the one JSON-RPC error type (portcullis.protocol.errors)


class Gateway:
    """Answers client messages using the upstream pool, the lister and the caller."""

    def __init__(self, config: GatewayConfig, pool: UpstreamPool, guard: CallGuard | None = None) -> None:
        self.config = config
        self.pool = pool
        self.namer = Namer(tuple(pool.sessions), config.prefix_tools)
        self.guard: CallGuard = guard or AllowAll()
        self.lister = Lister(pool, self.namer, CursorCodec(), config.list_page_size)
        self.caller = Caller(pool, self.namer, self.guard)
        self.clients: dict[str, ClientSession] = {}
        self.listeners: dict[str, tuple[ClientSession, Sender, dict[str, Any], Any]] = {}
        self.on_list_changed: list[Callable[[str], None]] = []  # e.g. the catalogue refresher
        self.instructions = self._instructions()
        pool.set_notification_handler(self._on_upstream_notification)

    def set_servers(self) -> None:
        """The pool's servers changed while running (config reload): route and list by the new set."""
        self.namer = Namer(tuple(self.pool.sessions), self.config.prefix_tools)
        self.caller.namer = self.namer
        self.lister.set_servers(list(self.pool.sessions), self.namer)
        self.instructions = self._instructions()

    def set_guard(self, guard: CallGuard) -> None:
        self.guard = guard
        self.caller.guard = guard

    def _instructions(self) -> str:
        names = ", ".join(self.pool.sessions) or "none"
        return (
            f"Portcullis gateway in front of MCP servers: {names}. Tool names are '<server>__<tool>'. "
            "A call denied by policy returns isError with the reason and what to do."
        )

    # -- entry point -----------------------------------------------------------------------
    async def handle(self, client: ClientSession, msg: Message, send: Sender | None) -> Message | None:
        """Answer one message from ``client``; ``None`` when no response is due."""
        method = msg.get("method")
        if "id" not in msg:
            if isinstance(method, str):
                await self._notification(client, method, msg.get("params"))
            elif "result" in msg or "error" in msg:
                pass  # a response without id: nothing to match
            return None
        rid = msg["id"]
        if not isinstance(method, str):
            if "method" not in msg and ("result" in msg or "error" in msg):
                if not client.resolve(msg):  # a late answer (the question was withdrawn): never answer a response
                    log.info("ignored a response from the client that nobody waits for (id %r)", rid)
                return None
            return error_response(rid, INVALID_REQUEST, "Invalid request: 'method' must be a string")
        params = msg.get("params")
        if params is not None and not isinstance(params, dict):
            return error_response(rid, INVALID_PARAMS, "Invalid params: 'params' must be an object")
        try:
            result = await self._dispatch(client, method, params or {}, send, rid)
        except JsonRpcError as exc:
            return exc.response(rid)
        except UpstreamUnavailable as exc:  # the same codes as tools/call (calls.py) for every routed method
            return error_response(
                rid, UPSTREAM_UNAVAILABLE, str(exc), {"server": exc.server, "retryAfter": exc.retry_after}
            )
        except UpstreamTimeout as exc:
            return error_response(rid, UPSTREAM_TIMEOUT, str(exc), {"server": exc.server})
        except UpstreamError as exc:
            return error_response(rid, INTERNAL_ERROR, str(exc), {"server": exc.server})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not take the gateway down: answer and log it
            log.exception("internal error on %s", method)
            return error_response(rid, INTERNAL_ERROR, f"internal gateway error: {exc!r}")
        if result is None:
            return None
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    def _modern_meta(self, client: ClientSession, params: dict[str, Any]) -> None:
        """Read a modern request's ``_meta`` into the client (each request carries it)."""
        meta = client_meta(params, client.initialized)
        if meta is None:
            return
        client.protocol_version = meta.protocol_version
        client.capabilities = meta.capabilities
        if meta.client_info is not None:
            client.client_info = meta.client_info
        if meta.log_level is not None:
            client.log_level = meta.log_level

    async def _dispatch(
        self, client: ClientSession, method: str, params: dict[str, Any], send: Sender | None, rid: Any
    ) -> dict[str, Any] | None:
        if method in _REMOVED_IN_MODERN and carries_modern_meta(params):
            raise RequestError(METHOD_NOT_FOUND, f"Method not found: {method} (removed in protocol 2026-07-28)")
        if method == "initialize":
            return self._initialize(client, params)
        if method == "ping":
            return {}
        if method == "server/discover":
            return self._discover(client, params)
        self._modern_meta(client, params)
        modern = client.era == "modern"
        if method == "tools/call":
            task = asyncio.current_task()
            if task is not None:
                client.inflight[rid] = task
            try:
                return await self.caller.call(client, params, send)
            finally:
                client.inflight.pop(rid, None)
        if method in ("tools/list", "prompts/list", "resources/list", "resources/templates/list"):
            guard = self.guard

            def keep(server: str, tool: str) -> bool:
                return not guard.hidden(client, server, tool)

            def named(server: str, tool: str) -> bool:
                return guard.listed_by_policy(client, server, tool)

            page = await self.lister.page(
                method, params.get("cursor"), reach=self._reach(client), keep=keep, named=named
            )
            return for_client(modern, method, page)
        if method in _ROUTED_BY_NAME:
            return await self._by_name(client, method, params, send)
        if method in ("resources/read", "resources/subscribe", "resources/unsubscribe"):
            return await self._by_uri(client, method, params, send)
        if method == "completion/complete":
            return await self._complete(client, params, send)
        if method == "logging/setLevel":
            level = params.get("level")
            if not isinstance(level, str):
                raise RequestError(INVALID_PARAMS, "logging/setLevel needs params.level")
            client.log_level = level
            return {}
        if method == "subscriptions/listen":
            return await self._listen(client, params, send, rid)
        raise RequestError(METHOD_NOT_FOUND, f"Method not found: {method}")

    # -- lifecycle -------------------------------------------------------------------------
    def _initialize(self, client: ClientSession, params: dict[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in LEGACY_VERSIONS else LATEST_LEGACY
        client.protocol_version = version
        caps = params.get("capabilities")
        client.capabilities = caps if isinstance(caps, dict) else {}
        info = params.get("clientInfo")
        client.client_info = info if isinstance(info, dict) else {}
        client.initialized = True
        return {
            "protocolVersion": version,
            "capabilities": CAPABILITIES,
            "serverInfo": GATEWAY_INFO,
            "instructions": self.instructions,
        }

    def _discover(self, client: ClientSession, params: dict[str, Any]) -> dict[str, Any]:
        if carries_modern_meta(params):
            self._modern_meta(client, params)
        return {
            "resultType": "complete",
            "supportedVersions": list(SUPPORTED_VERSIONS),
            "capabilities": CAPABILITIES,
            "serverInfo": GATEWAY_INFO,
            "instructions": self.instructions,
            "ttlMs": 0,
            "cacheScope": "private",
            "_meta": {SERVER_INFO_KEY: GATEWAY_INFO},
        }

    async def _notification(self, client: ClientSession, method: str, params: Any) -> None:
        if method == "notifications/cancelled" and isinstance(params, dict):
            rid = params.get("requestId")
            task = client.inflight.get(rid) if isinstance(rid, (str, int)) else None
            if task is not None:
                task.cancel()
            return
        if method == "notifications/progress" and isinstance(params, dict):
            token = params.get("progressToken")  # the client's progress on a question an upstream asked it
            route = client.progress_routes.get(token) if isinstance(token, (str, int)) else None
            if route is not None:
                await route(params)
            return
        if method == "notifications/roots/list_changed":
            for session in self.pool.sessions.values():
                await session.notify(method)

    # -- routing ---------------------------------------------------------------------------
    async def _forward(
        self, client: ClientSession, server: str, method: str, params: dict[str, Any], send: Sender | None
    ) -> dict[str, Any]:
        from portcullis.protocol.bridge import Bridge

        reach = self._reach(client)
        if reach is not None and not reach(server):
            raise RequestError(INVALID_PARAMS, f"Unknown {method.split('/')[0].rstrip('s')} on server '{server}'")
        session = self.pool.sessions[server]
        resp = await session.request(method, params, ctx=Bridge(client, send))
        if "error" in resp:
            err = resp["error"]
            raise RequestError(err["code"], err["message"], err.get("data"))
        return for_client(client.era == "modern", method, resp["result"])

    @staticmethod
    def _reach(client: ClientSession) -> Callable[[str], bool] | None:
        """Which servers a client's grant may reach (``None``: all of them)."""
        grant = client.grant
        if grant is None or "*" in grant.servers:
            return None
        return lambda server: grant_reaches(grant, server)

    def _reachable(self, client: ClientSession) -> list[str]:
        return self.lister.reachable(self._reach(client))

    def _known_owner(self, client: ClientSession, uri: str) -> str | None:
        """The server that owns ``uri`` for this client's grant, from what is already known (no I/O)."""
        owner = self.lister.owners.owner(uri, self._reachable(client))
        return owner if isinstance(owner, str) else None

    async def _owner(self, client: ClientSession, uri: str) -> str:
        """The server that owns ``uri`` for this client's grant (``uris``); learn the listings when unknown."""
        reachable = self._reachable(client)
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

    async def _by_name(
        self, client: ClientSession, method: str, params: dict[str, Any], send: Sender | None
    ) -> dict[str, Any]:
        name = params.get("name")
        route = self.namer.split(name) if isinstance(name, str) else None
        if route is None:
            raise RequestError(INVALID_PARAMS, f"Unknown prompt: {name}")
        server, upstream_name = route
        return await self._forward(client, server, method, {**params, "name": upstream_name}, send)

    async def _by_uri(
        self, client: ClientSession, method: str, params: dict[str, Any], send: Sender | None
    ) -> dict[str, Any]:
        """Route a read or (un)subscription to the one server that owns the URI for this client's grant."""
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RequestError(INVALID_PARAMS, f"{method} needs params.uri (a string)")
        server = await self._owner(client, uri)
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
            session.watch_resources(self._subscribed_uris(server))
            return {}
        if method == "resources/unsubscribe" and any(
            uri in other.subscriptions and self._known_owner(other, uri) == server
            for other in self.clients.values()
            if other is not client
        ):
            client.subscriptions.discard(uri)  # another client still wants its updates
            return {}
        result = await self._forward(client, server, method, params, send)
        if method == "resources/subscribe":
            client.subscriptions.add(uri)
        elif method == "resources/unsubscribe":
            client.subscriptions.discard(uri)
        return result

    def _subscribed_uris(self, server: str) -> set[str]:
        uris: set[str] = set()
        for client in self.clients.values():
            uris.update(u for u in client.subscriptions if self._known_owner(client, u) == server)
        return uris

    async def _complete(self, client: ClientSession, params: dict[str, Any], send: Sender | None) -> dict[str, Any]:
        ref = params.get("ref")
        if not isinstance(ref, dict):
            raise RequestError(INVALID_PARAMS, "completion/complete needs params.ref")
        if ref.get("type") == "ref/prompt":
            route = self.namer.split(str(ref.get("name")))
            if route is None:
                raise RequestError(INVALID_PARAMS, f"Unknown prompt: {ref.get('name')}")
            server, name = route
            return await self._forward(
                client, server, "completion/complete", {**params, "ref": {**ref, "name": name}}, send
            )
        server = await self._owner(client, str(ref.get("uri")))
        return await self._forward(client, server, "completion/complete", params, send)

    # -- notifications to clients ------------------------------------------------------------
    async def _listen(
        self, client: ClientSession, params: dict[str, Any], send: Sender | None, rid: Any
    ) -> dict[str, Any]:
        """A modern ``subscriptions/listen``: notifications flow on this request's stream until it ends."""
        if send is None:
            raise RequestError(INVALID_REQUEST, "subscriptions/listen needs a streaming transport")
        raw_filters = params.get("notifications")
        filters: dict[str, Any] = raw_filters if isinstance(raw_filters, dict) else {}
        honoured = {k: v for k, v in filters.items() if k in _FILTER_KEYS and v}
        key = f"{client.id}:{rid}"
        registered = client.id not in self.clients  # its subscriptions count while it listens
        if registered:
            self.clients[client.id] = client
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
                    await self._by_uri(client, "resources/unsubscribe", {"uri": uri}, None)
            if registered:
                self.clients.pop(client.id, None)
        return {"resultType": "complete", "_meta": {SUBSCRIPTION_ID_KEY: rid}}

    async def _subscribe_all(self, client: ClientSession, uris: Any) -> list[str]:
        """Subscribe upstream to each URI a listen stream asks for; the ones no server owns are not honoured."""
        honoured: list[str] = []
        for uri in uris if isinstance(uris, list) else []:
            if not isinstance(uri, str):
                continue
            try:
                await self._by_uri(client, "resources/subscribe", {"uri": uri}, None)
            except (RequestError, UpstreamError) as exc:
                log.info("listen: not subscribing to %s: %s", uri, exc)
                continue
            honoured.append(uri)
        return honoured

    async def _on_upstream_notification(self, server: str, msg: Message) -> None:
        method = msg.get("method")
        if method in _LIST_CHANGED:
            if method == "notifications/tools/list_changed":
                for hook in self.on_list_changed:
                    hook(server)
            elif method == "notifications/resources/list_changed":
                self.lister.owners.stale(server)
            await self.broadcast({"jsonrpc": "2.0", "method": method}, _LIST_CHANGED[str(method)], server=server)
        elif method == "notifications/resources/updated":
            params = msg.get("params") or {}
            await self.broadcast(
                {"jsonrpc": "2.0", "method": method, "params": params},
                "resourceSubscriptions",
                uri=params.get("uri"),
                server=server,
            )

    async def tools_changed(self, server: str) -> None:
        """What agents may see of ``server``'s tools changed (e.g. a tool was approved): tell those it reaches."""
        await self.broadcast(
            {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}, "toolsListChanged", server=server
        )

    def _hears(self, client: ClientSession, server: str | None, uri: Any) -> bool:
        """Whether a notification from ``server`` (about ``uri``) may reach ``client``: only when its grant
        reaches the server, and for a resource update only when that server owns the URI for its grant."""
        if server is None:
            return True
        reach = self._reach(client)
        if reach is not None and not reach(server):
            return False
        return uri is None or (isinstance(uri, str) and self._known_owner(client, uri) == server)

    async def broadcast(self, msg: Message, filter_key: str, uri: Any = None, server: str | None = None) -> None:
        """Send a notification from ``server`` to every client that listens for it and may hear it, in its era's way."""
        for client in list(self.clients.values()):
            if client.sender is None or client.era == "modern" or not client.initialized:
                continue  # a legacy client hears notifications once it has initialized
            if uri is not None and uri not in client.subscriptions:
                continue
            if not self._hears(client, server, uri):
                continue
            with contextlib.suppress(Exception):
                await client.sender(msg)
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
