"""One long-lived session to an upstream server: its lifecycle, the requests sent on it, ``_meta``.

The session is opened once and reused by every client (never a handshake per call). Its era is
found once by ``upstream.negotiate`` and remembered across restarts; a transport that dies puts the
session in *restarting* and ``upstream.supervisor`` reconnects it, while calls fail at once with an
error that names the server and says when it is tried again. Messages the server sends on its own
(progress, logs, questions) are routed by ``upstream.relay``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from portcullis.config.model import ServerConfig
from portcullis.errors import UpstreamError, UpstreamProtocolError, UpstreamUnavailable
from portcullis.protocol.bridge import ForwardContext
from portcullis.protocol.messages import Message, notification, request
from portcullis.protocol.meta import upstream_meta, without_reserved
from portcullis.protocol.validate import check_response
from portcullis.upstream.negotiate import Era, Negotiated, negotiate
from portcullis.upstream.relay import ServerMessages
from portcullis.upstream.supervisor import State, Supervisor
from portcullis.upstream.transports import make_transport
from portcullis.upstream.transports.base import Transport
from portcullis.upstream_auth.client_credentials import ClientCredentials
from portcullis.upstream_auth.exchange import TokenExchanger

__all__ = ["ForwardContext", "NotificationHandler", "UpstreamSession", "make_transport"]

log = logging.getLogger("portcullis.upstream")

NotificationHandler = Callable[[str, Message], Awaitable[None]]


async def _no_notifications(server: str, message: Message) -> None:
    return None


class UpstreamSession:
    """A reusable, self-healing session to one upstream server."""

    def __init__(
        self, config: ServerConfig, transport_factory: Callable[[ServerConfig], Transport] = make_transport
    ) -> None:
        self.config = config
        self.name = config.name
        self._factory = transport_factory
        self._transport: Transport | None = None
        self.state: State = "new"
        self.era: Era | None = {"legacy": "legacy", "modern": "modern"}.get(config.protocol)  # type: ignore[assignment]
        self.protocol_version: str | None = None
        self.capabilities: dict[str, Any] = {}
        self.server_info: dict[str, Any] = {}
        self.instructions: str | None = None
        self.on_notification: NotificationHandler = _no_notifications
        self.on_ready: Callable[[UpstreamSession], Awaitable[None]] | None = None
        self._next_id = 0
        self.supervisor = Supervisor(self)
        self.relay = ServerMessages(self)
        self._inflight = self.relay.inflight
        self._tokens = self.relay.tokens
        self._listen_task: asyncio.Task[None] | None = None
        self.resource_subscriptions: set[str] = set()
        self.credentials = ClientCredentials(config.name, config.auth) if config.auth is not None else None
        self.exchanger = TokenExchanger(config.name, config.token_exchange) if config.token_exchange else None

    @property
    def transport(self) -> Transport | None:
        """The connection the session is on (a fresh one after each restart)."""
        return self._transport

    @property
    def last_error(self) -> str | None:
        """Why the session last went down (``None`` once it is up again)."""
        return self.supervisor.last_error

    @property
    def restarts(self) -> int:
        """How many times the supervisor has brought the session back."""
        return self.supervisor.restarts

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect and negotiate; on failure keep retrying in the background and raise."""
        try:
            await self._connect()
        except UpstreamError as exc:
            self.supervisor.schedule(exc.reason)
            raise

    async def _connect(self, state: State = "connecting") -> None:
        self.state = state  # a restart's attempt stays "restarting" to clients and /healthz until it is ready
        transport = await self._open_transport()
        try:
            await negotiate(
                self.name,
                self.era,
                self.config.startup_wait,
                transport,
                self._message,
                self._reopen,
                self._agreed,
            )
        except BaseException:
            current = self._transport  # the probe may have restarted the server
            if current is not None:
                with contextlib.suppress(Exception):
                    await current.close()
            raise
        self.state = "ready"
        if self.era == "modern":
            self._listen_task = asyncio.get_running_loop().create_task(self._listen())
        self.supervisor.ready()
        log.info("upstream %s ready (%s era, %s)", self.name, self.era, self.protocol_version)
        if self.on_ready is not None:
            await self.on_ready(self)

    async def _open_transport(self) -> Transport:
        """A fresh connection (a fresh process, for stdio), wired to this session."""
        transport = self._factory(self.config)
        transport.on_message = self.relay.on_message
        transport.on_close = self.supervisor.lost
        self._transport = transport
        if self.credentials is not None:  # the upstream's own token (never the agent's), renewed before expiry
            await self.credentials.attach(transport)
        await transport.open()
        return transport

    async def _reopen(self, transport: Transport) -> Transport:
        with contextlib.suppress(Exception):
            await transport.close()
        return await self._open_transport()

    def _agreed(self, session: Negotiated) -> None:
        self.era = session.era
        self.protocol_version = session.protocol_version
        self.capabilities = session.capabilities
        self.server_info = session.server_info
        self.instructions = session.instructions

    async def reconnect(self) -> None:
        """Close what is left of the connection and connect again (the supervisor's restart)."""
        old = self._transport
        if old is not None:
            with contextlib.suppress(Exception):
                await old.close()
        await self._connect("restarting")

    async def _listen(self) -> None:
        """Modern servers send list_changed only on a ``subscriptions/listen`` stream: keep one open."""
        wanted = {"toolsListChanged": "tools", "promptsListChanged": "prompts", "resourcesListChanged": "resources"}
        filters: dict[str, Any] = {
            k: True
            for k, cap in wanted.items()
            if isinstance(self.capabilities.get(cap), dict) and self.capabilities[cap].get("listChanged")
        }
        if self.resource_subscriptions:
            filters["resourceSubscriptions"] = sorted(self.resource_subscriptions)
        if not filters:
            return
        with contextlib.suppress(UpstreamError, asyncio.CancelledError):
            await self.request("subscriptions/listen", {"notifications": filters}, timeout=365 * 86400.0)

    def watch_resources(self, uris: set[str]) -> None:
        """Modern servers report resource updates on the listen stream: re-open it with these URIs."""
        if uris == self.resource_subscriptions:
            return
        self.resource_subscriptions = set(uris)
        if self.era == "modern" and self.state == "ready":
            if self._listen_task is not None:
                self._listen_task.cancel()
            self._listen_task = asyncio.get_running_loop().create_task(self._listen())

    async def close(self) -> None:
        self.state = "closed"
        if self._listen_task is not None:
            self._listen_task.cancel()
        await self.supervisor.close()
        if self._transport is not None:
            await self._transport.close()
        if self.credentials is not None:
            await self.credentials.close()

    # -- requests --------------------------------------------------------------------------
    def _message(self, method: str, params: dict[str, Any] | None) -> Message:
        self._next_id += 1
        return request(self._next_id, method, params)

    def unavailable(self) -> UpstreamUnavailable:
        return self.supervisor.unavailable()

    def _adapt_params(
        self, params: dict[str, Any] | None, ctx: ForwardContext | None, rid: int
    ) -> dict[str, Any] | None:
        meta_in = params.get("_meta") if params else None
        if not meta_in and self.era != "modern":
            return params
        out = dict(params) if params else {}
        meta = without_reserved(meta_in)
        token = meta.get("progressToken")
        if token is not None:
            if ctx is not None:
                ours = f"pc-{rid}"
                self._tokens[ours] = (token, ctx)
                meta["progressToken"] = ours
            else:
                del meta["progressToken"]
        if self.era == "modern":
            # The upstream must see what the client can really do.
            if ctx is not None:
                upstream_meta(meta, ctx.client_capabilities, ctx.log_level, forwarded=True)
            else:
                upstream_meta(meta, None, None, forwarded=False)
        if meta:
            out["_meta"] = meta
        else:
            out.pop("_meta", None)
        return out

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        ctx: ForwardContext | None = None,
        timeout: float | None = None,
    ) -> Message:
        """Forward one request; return the upstream's response (``result`` or ``error``)."""
        transport = self._transport
        if self.state != "ready" or transport is None:
            raise self.unavailable()
        self._next_id += 1
        rid = self._next_id
        msg = request(rid, method, self._adapt_params(params, ctx, rid))
        self._inflight[rid] = ctx
        try:
            resp = await transport.request(msg, timeout if timeout is not None else self.config.timeout)
        finally:
            self._inflight.pop(rid, None)
            if self._tokens:  # a progress token was mapped for some call (rare): forget this one's
                self._tokens.pop(f"pc-{rid}", None)
        problem = check_response(resp)
        if problem is not None:
            raise UpstreamProtocolError(
                self.name,
                f"upstream server '{self.name}' sent {problem}",
                "the server is not speaking MCP correctly; report it to its authors",
            )
        return resp

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        transport = self._transport
        if self.state != "ready" or transport is None:
            return
        with contextlib.suppress(UpstreamError):
            await transport.notify(notification(method, params))
