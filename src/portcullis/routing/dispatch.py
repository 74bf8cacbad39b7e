"""``Gateway``: one object that answers every MCP message a client sends, in either era, by its method.

The fronts (``edge.http``, ``edge.stdio``) parse bytes and hand each message here with the client's
session and a ``send`` for that request's own stream; the answer (or ``None`` for a notification) goes
back the same way. Lifecycle is in ``lifecycle``, lists in ``lists``, resources in ``resources``,
notifications in ``subscriptions``; ``tools/call`` goes on to the call pipeline (``pipeline``).

A ``tools/call`` is the hot path: it goes from ``_handle`` straight to the pipeline (no coroutine of its
own between them), and ``handle`` hands back ``_handle``'s coroutine rather than awaiting it in one more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from functools import partial
from typing import Any

from portcullis import tracing
from portcullis._plumbing.hooks import Hook
from portcullis._plumbing.tasks import KeptLoop
from portcullis.config.model import GatewayConfig
from portcullis.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from portcullis.pipeline.forward import ForwardOptions
from portcullis.pipeline.guard import CallGuard
from portcullis.pipeline.names import Namer
from portcullis.pipeline.pipeline import CallPipeline
from portcullis.protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
    JsonRpcError,
    Message,
    error_response,
)
from portcullis.protocol.eras import for_client
from portcullis.routing.cursors import CursorCodec
from portcullis.routing.forward import Forwarder, RequestError, reach_of
from portcullis.routing.lifecycle import carries_modern_meta, discover, initialize, read_modern_meta
from portcullis.routing.lists import Lister, ToolCatalogue
from portcullis.routing.resources import Resources
from portcullis.routing.subscriptions import Subscriptions
from portcullis.screening.hook import screen_read_result
from portcullis.sessions.client import ClientSession, Sender
from portcullis.sessions.registry import SessionRegistry
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Gateway", "RequestError"]

log = logging.getLogger("portcullis.gateway")

_LISTS = frozenset({"tools/list", "prompts/list", "resources/list", "resources/templates/list"})
_BY_URI = frozenset({"resources/read", "resources/subscribe", "resources/unsubscribe"})
_REMOVED_IN_MODERN = frozenset(
    {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"}
)


class Gateway:
    """Answers client messages using the upstream pool, the lister, the resources and the call pipeline."""

    def __init__(
        self,
        config: GatewayConfig,
        pool: UpstreamPool,
        registry: SessionRegistry,
        guard: CallGuard,
        *,
        catalogue: ToolCatalogue | None = None,
        forward: ForwardOptions | None = None,
        tool_views: Hook[str] | None = None,
    ) -> None:
        """``catalogue``: where tool listings go before agents see them; ``forward``: the forward step's
        options (screening, token exchange); ``tool_views``: fired when what agents may see of a server's
        tools changed, so that they are told ``list_changed``."""
        self.config = config
        self.pool = pool
        self.registry = registry
        self.namer = Namer(tuple(pool.sessions), config.prefix_tools)
        self.guard = guard
        self.lister = Lister(pool, self.namer, CursorCodec(), config.list_page_size, catalogue)
        self.caller = CallPipeline(pool, self.namer, guard, forward or ForwardOptions(screening=config.screening))
        self.forwarder = Forwarder(pool)
        self.resources = Resources(pool, self.lister, self.forwarder, registry, self._screened)
        # an upstream's own list_changed: the catalogue reads its tools again (and agents were told)
        relisted = None if catalogue is None else partial(catalogue.notify_list_changed, announced=True)
        self.subscriptions = Subscriptions(self.resources, registry, relisted)
        self.instructions = self._instructions()
        self._notices: set[asyncio.Task[None]] = set()
        self._loop = KeptLoop()  # the loop calls last ran on
        pool.set_notification_handler(self.subscriptions.on_upstream_notification)
        if tool_views is not None:
            tool_views.connect(self.announce_tools_changed)

    def set_servers(self) -> None:
        """The pool's servers changed while running (config reload): route and list by the new set."""
        self.namer = Namer(tuple(self.pool.sessions), self.config.prefix_tools)
        self.caller.namer = self.namer
        self.lister.set_servers(list(self.pool.sessions), self.namer)
        self.instructions = self._instructions()

    def _instructions(self) -> str:
        names = ", ".join(self.pool.sessions) or "none"
        return (
            f"Portcullis gateway in front of MCP servers: {names}. Tool names are '<server>__<tool>'. "
            "A call denied by policy returns isError with the reason and what to do."
        )

    # -- entry point -----------------------------------------------------------------------
    def handle(self, client: ClientSession, msg: Message, send: Sender | None) -> Coroutine[Any, Any, Message | None]:
        """Answer one message from ``client`` (awaited); ``None`` when no response is due."""
        if tracing.tracer is not None:
            return tracing.tracer.request(self._handle, client, msg, send)
        return self._handle(client, msg, send)

    async def _handle(self, client: ClientSession, msg: Message, send: Sender | None) -> Message | None:
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
        result: dict[str, Any] | None
        try:
            if method == "tools/call":  # the hot path: straight to the pipeline, no coroutine between
                params = params or {}
                read_modern_meta(client, params)
                task = self._loop.current_task()
                if task is not None:
                    client.inflight[rid] = task  # notifications/cancelled cancels it
                try:
                    result = await self.caller.call(client, params, send)
                finally:
                    client.inflight.pop(rid, None)
            else:
                result = await self._dispatch(client, method, params or {}, send, rid)
        except JsonRpcError as exc:
            return exc.response(rid)
        except UpstreamUnavailable as exc:  # the same codes as tools/call (pipeline) for every routed method
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

    async def _dispatch(
        self, client: ClientSession, method: str, params: dict[str, Any], send: Sender | None, rid: Any
    ) -> dict[str, Any] | None:
        """Every method but ``tools/call`` (``_handle`` sends that one to the pipeline itself)."""
        if method in _REMOVED_IN_MODERN and carries_modern_meta(params):
            raise RequestError(METHOD_NOT_FOUND, f"Method not found: {method} (removed in protocol 2026-07-28)")
        if method == "initialize":
            return initialize(client, params, self.instructions)
        if method == "ping":
            return {}
        if method == "server/discover":
            return discover(client, params, self.instructions)
        read_modern_meta(client, params)
        if method in _LISTS:
            return await self._list(client, method, params)
        if method == "prompts/get":
            return await self._by_name(client, method, params, send)
        if method in _BY_URI:
            return await self.resources.by_uri(client, method, params, send)
        if method == "completion/complete":
            return await self._complete(client, params, send)
        if method == "logging/setLevel":
            level = params.get("level")
            if not isinstance(level, str):
                raise RequestError(INVALID_PARAMS, "logging/setLevel needs params.level")
            client.log_level = level
            return {}
        if method == "subscriptions/listen":
            return await self.subscriptions.listen(client, params, send, rid)
        raise RequestError(METHOD_NOT_FOUND, f"Method not found: {method}")

    async def _list(self, client: ClientSession, method: str, params: dict[str, Any]) -> dict[str, Any]:
        guard = self.guard

        def keep(server: str, tool: str) -> bool:
            return not guard.hidden(client, server, tool)

        def named(server: str, tool: str) -> bool:
            return guard.listed_by_policy(client, server, tool)

        page = await self.lister.page(method, params.get("cursor"), reach=reach_of(client), keep=keep, named=named)
        return for_client(client.era == "modern", method, page)

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

    async def _by_name(
        self, client: ClientSession, method: str, params: dict[str, Any], send: Sender | None
    ) -> dict[str, Any]:
        name = params.get("name")
        route = self.namer.split(name) if isinstance(name, str) else None
        if route is None:
            raise RequestError(INVALID_PARAMS, f"Unknown prompt: {name}")
        server, upstream_name = route
        result = await self.forwarder.forward(client, server, method, {**params, "name": upstream_name}, send)
        return self._screened(client, server, upstream_name, "prompt", result)

    def _screened(
        self, client: ClientSession, server: str, name: str, what: str, result: dict[str, Any]
    ) -> dict[str, Any]:
        """A resource read or a prompt, screened as the client's tool results are (its grant's policy's
        screening, else the config's)."""
        forward = self.caller.forward
        settings = forward.policy_screening(client.grant) or forward.screening
        return screen_read_result(settings, server, name, what, result)

    async def _complete(self, client: ClientSession, params: dict[str, Any], send: Sender | None) -> dict[str, Any]:
        ref = params.get("ref")
        if not isinstance(ref, dict):
            raise RequestError(INVALID_PARAMS, "completion/complete needs params.ref")
        if ref.get("type") == "ref/prompt":
            route = self.namer.split(str(ref.get("name")))
            if route is None:
                raise RequestError(INVALID_PARAMS, f"Unknown prompt: {ref.get('name')}")
            server, name = route
            return await self.forwarder.forward(
                client, server, "completion/complete", {**params, "ref": {**ref, "name": name}}, send
            )
        server = await self.resources.owner(client, str(ref.get("uri")))
        return await self.forwarder.forward(client, server, "completion/complete", params, send)

    # -- notifications to clients ------------------------------------------------------------
    def announce_tools_changed(self, server: str) -> None:
        """``tools_changed`` in a task of its own (from a synchronous hook)."""
        task = asyncio.create_task(self.tools_changed(server))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def tools_changed(self, server: str) -> None:
        """What agents may see of ``server``'s tools changed (e.g. a tool was approved): tell those it reaches."""
        await self.subscriptions.broadcast(
            {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}, "toolsListChanged", server=server
        )
