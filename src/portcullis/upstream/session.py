"""One long-lived session to an upstream server: era negotiation, ``_meta``, progress and restarts.

The session is opened once and reused by every client (never a handshake per call). Its era is
found once — a ``server/discover`` probe, falling back to ``initialize`` on any error or timeout
(notes/protocol-and-sdk.md §1.1) — and remembered across restarts; ``protocol: modern|legacy`` skips
the probe. The probe waits as long as the server may take to start (``startup_timeout``, by default
its ``timeout``: a first ``npx -y`` or ``uvx`` run downloads packages), and a probe that times out
restarts the server before ``initialize`` is tried: a modern server that is merely slow would refuse
``initialize`` on the connection where it has already read ``server/discover``. A transport that
dies puts the session in *restarting*: calls fail at once with an error that names the server and
says when it is tried again, while a background task reconnects with exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from portcullis.config.model import ServerConfig
from portcullis.errors import UpstreamError, UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol.bridge import ForwardContext
from portcullis.protocol.constants import INTERNAL_ERROR, LATEST_LEGACY, METHOD_NOT_FOUND, MODERN_VERSION
from portcullis.protocol.messages import (
    Message,
    error_response,
    notification,
    reply_error,
    request,
    result_response,
)
from portcullis.protocol.meta import CLIENT_CAPABILITIES, CLIENT_INFO, MODERN_META, upstream_meta, without_reserved
from portcullis.protocol.validate import check_response
from portcullis.upstream.transport import Transport

__all__ = ["ForwardContext", "NotificationHandler", "UpstreamSession", "make_transport"]

log = logging.getLogger("portcullis.upstream")

Era = Literal["legacy", "modern"]
State = Literal["new", "connecting", "ready", "restarting", "closed"]
NotificationHandler = Callable[[str, Message], Awaitable[None]]

_MAX_BACKOFF = 30.0


def make_transport(config: ServerConfig) -> Transport:
    """The transport a server's config asks for."""
    if config.transport == "stdio":
        from portcullis.upstream.stdio import StdioTransport

        assert config.command is not None
        return StdioTransport(config.name, config.command, config.args, config.env, config.cwd)
    if config.transport == "sse":
        from portcullis.upstream.sse import SseTransport

        assert config.url is not None
        return SseTransport(config.name, config.url, config.headers)
    from portcullis.upstream.http import StreamableHttpTransport

    assert config.url is not None
    return StreamableHttpTransport(config.name, config.url, config.headers)


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
        self.last_error: str | None = None
        self.restarts = 0
        self._next_id = 0
        self._inflight: dict[int, ForwardContext | None] = {}
        self._tokens: dict[str, tuple[Any, ForwardContext]] = {}
        self._answering: dict[str | int, asyncio.Task[None]] = {}  # server→client requests being answered
        self._retry_at: float | None = None
        self._restart_task: asyncio.Task[None] | None = None
        self._backoff = 0.5
        self._listen_task: asyncio.Task[None] | None = None
        self.resource_subscriptions: set[str] = set()

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect and negotiate; on failure keep retrying in the background and raise."""
        try:
            await self._connect()
        except UpstreamError as exc:
            self._schedule_restart(exc.reason)
            raise

    async def _connect(self) -> None:
        self.state = "connecting"
        transport = await self._open_transport()
        try:
            await self._negotiate(transport)
        except BaseException:
            current = self._transport  # the probe may have restarted the server
            if current is not None:
                with contextlib.suppress(Exception):
                    await current.close()
            raise
        self.state = "ready"
        if self.era == "modern":
            self._listen_task = asyncio.get_running_loop().create_task(self._listen())
        self.last_error = None
        self._backoff = 0.5
        self._retry_at = None
        log.info("upstream %s ready (%s era, %s)", self.name, self.era, self.protocol_version)
        if self.on_ready is not None:
            await self.on_ready(self)

    async def _open_transport(self) -> Transport:
        """A fresh connection (a fresh process, for stdio), wired to this session."""
        transport = self._factory(self.config)
        transport.on_message = self._on_message
        transport.on_close = self._on_close
        self._transport = transport
        await transport.open()
        return transport

    async def _reopen(self, transport: Transport) -> Transport:
        with contextlib.suppress(Exception):
            await transport.close()
        return await self._open_transport()

    async def _negotiate(self, transport: Transport) -> Transport:
        """Open the session in the server's era (probing it once); returns the connection it is open on."""
        wait = self.config.startup_wait
        if self.era != "legacy":
            resp: Message | None = None
            try:
                resp = await transport.request(self._message("server/discover", {"_meta": dict(MODERN_META)}), wait)
            except UpstreamTimeout:
                if self.era == "modern":
                    raise UpstreamUnavailable(
                        self.name,
                        f"it did not answer server/discover within {wait:g}s "
                        "(raise its 'startup_timeout' if it starts slowly)",
                    ) from None
                # Slow to start, or a legacy server that ignores unknown methods: the other era is tried on a
                # fresh process, since a modern server refuses initialize after it has read server/discover.
                log.info(
                    "upstream %s did not answer server/discover within %gs: restarting it to try initialize",
                    self.name,
                    wait,
                )
                transport = await self._reopen(transport)
            except UpstreamUnavailable:
                if self.era == "modern":
                    raise
                # Some legacy servers die on an unknown first message: start them afresh.
                transport = await self._reopen(transport)
            except UpstreamError:
                if self.era == "modern":
                    raise
            result = resp.get("result") if isinstance(resp, dict) else None
            if isinstance(result, dict) and MODERN_VERSION in (result.get("supportedVersions") or []):
                self.era = "modern"
                self.protocol_version = MODERN_VERSION
                self.capabilities = result.get("capabilities") or {}
                self.server_info = result.get("serverInfo") or {}
                self.instructions = result.get("instructions")
                transport.set_protocol_version(MODERN_VERSION)
                return transport
            if self.era == "modern":
                raise UpstreamProtocolError(
                    self.name,
                    f"upstream server '{self.name}' does not speak {MODERN_VERSION}",
                    "set 'protocol: auto' or 'legacy' for this server",
                )
        try:
            resp = await transport.request(
                self._message(
                    "initialize",
                    {
                        "protocolVersion": LATEST_LEGACY,
                        "capabilities": CLIENT_CAPABILITIES,
                        "clientInfo": CLIENT_INFO,
                    },
                ),
                wait,
            )
        except UpstreamTimeout:
            raise UpstreamUnavailable(
                self.name,
                f"it did not answer initialize within {wait:g}s (raise its 'startup_timeout' if it starts slowly)",
            ) from None
        if "error" in resp or not isinstance(resp.get("result"), dict):
            err = resp.get("error") or {}
            raise UpstreamProtocolError(
                self.name, f"upstream server '{self.name}' refused initialize: {err.get('message', 'no result')}"
            )
        result = resp["result"]
        self.era = "legacy"
        self.protocol_version = str(result.get("protocolVersion") or LATEST_LEGACY)
        self.capabilities = result.get("capabilities") or {}
        self.server_info = result.get("serverInfo") or {}
        self.instructions = result.get("instructions")
        transport.set_protocol_version(self.protocol_version)
        await transport.notify(notification("notifications/initialized"))
        return transport

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

    def _on_close(self, reason: str) -> None:
        if self.state in ("closed", "connecting"):
            return
        log.warning("upstream %s lost: %s", self.name, reason)
        self._schedule_restart(reason)

    def _schedule_restart(self, reason: str) -> None:
        if self.state == "closed":
            return
        self.state = "restarting"
        self.last_error = reason
        if self._restart_task is None or self._restart_task.done():
            self._restart_task = asyncio.get_running_loop().create_task(self._restart_loop())

    async def _restart_loop(self) -> None:
        while self.state == "restarting":
            delay = self._backoff
            self._retry_at = time.monotonic() + delay
            self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
            await asyncio.sleep(delay)
            if self.state != "restarting":
                return
            old = self._transport
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.close()
            try:
                await self._connect()
                self.restarts += 1
                return
            except UpstreamError as exc:
                self.state = "restarting"
                self.last_error = exc.reason
                log.warning("upstream %s restart failed: %s", self.name, exc.reason)
            except Exception as exc:  # never let the loop die
                self.state = "restarting"
                self.last_error = repr(exc)

    async def close(self) -> None:
        self.state = "closed"
        if self._listen_task is not None:
            self._listen_task.cancel()
        if self._restart_task is not None:
            self._restart_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._restart_task
        if self._transport is not None:
            await self._transport.close()

    # -- requests --------------------------------------------------------------------------
    def _message(self, method: str, params: dict[str, Any] | None) -> Message:
        self._next_id += 1
        return request(self._next_id, method, params)

    def unavailable(self) -> UpstreamUnavailable:
        retry = max(0.0, self._retry_at - time.monotonic()) if self._retry_at is not None else None
        state = "restarting" if self.state == "restarting" else self.state
        reason = f"{state} after: {self.last_error}" if self.last_error else state
        return UpstreamUnavailable(self.name, reason, retry, may_have_run=False)  # nothing was sent

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

    # -- messages from the server ------------------------------------------------------------
    async def _on_message(self, msg: Message, related_id: int | None) -> None:
        method = msg.get("method")
        if not isinstance(method, str):
            return
        if "id" in msg:
            await self._on_server_request(msg, related_id)
            return
        if method == "notifications/cancelled":
            qid = (msg.get("params") or {}).get("requestId")
            asking = self._answering.pop(qid, None) if isinstance(qid, (str, int)) else None
            if asking is not None:  # the server withdrew a question: withdraw it from the client too
                asking.cancel(str((msg.get("params") or {}).get("reason") or f"cancelled by '{self.name}'"))
                return
        if method == "notifications/progress":
            params = msg.get("params") or {}
            entry = self._tokens.get(str(params.get("progressToken")))
            if entry is not None:
                original, ctx = entry
                await ctx.progress({**params, "progressToken": original})
            return
        if method == "notifications/message":
            asker = self._context_for(related_id)
            if asker is not None:
                await asker.log(msg.get("params") or {})
                return
        await self.on_notification(self.name, msg)

    def _context_for(self, related_id: int | None) -> ForwardContext | None:
        if related_id is not None and self._inflight.get(related_id) is not None:
            return self._inflight[related_id]
        # stdio carries no relation: the call still waiting is the one asking — when every call in flight
        # comes from one client. With several, a guess could show one client's question (or log) to another.
        waiting = [ctx for ctx in self._inflight.values() if ctx is not None]
        if len({id(getattr(ctx, "client", ctx)) for ctx in waiting}) != 1:
            return None
        return waiting[-1]

    async def _on_server_request(self, msg: Message, related_id: int | None) -> None:
        transport = self._transport
        if transport is None:
            return
        if msg.get("method") == "ping":
            await transport.respond(result_response(msg["id"], {}))
            return
        ctx = self._context_for(related_id)
        if ctx is None:
            text = f"no client is waiting on a call that could answer {msg['method']}"
            if len({id(getattr(c, "client", c)) for c in self._inflight.values() if c is not None}) > 1:
                text = (
                    f"the gateway cannot tell which of several clients' calls sent {msg['method']} "
                    "(stdio does not relate it to a request), so it asks none of them"
                )
            await transport.respond(error_response(msg["id"], METHOD_NOT_FOUND, text))
            return

        # The client's progress on this question (its _meta.progressToken is the server's) goes back here.
        token = ((msg.get("params") or {}).get("_meta") or {}).get("progressToken")
        routes = getattr(ctx, "progress_routes", None)
        if not isinstance(token, (str, int)) or not isinstance(routes, dict):
            routes = None

        async def relay_progress(params: dict[str, Any]) -> None:
            await self.notify("notifications/progress", params)

        async def answer() -> None:
            assert ctx is not None and transport is not None
            if routes is not None:
                routes[token] = relay_progress
            try:
                reply = await ctx.server_request(msg)
            except Exception as exc:
                reply = reply_error(INTERNAL_ERROR, f"the client could not answer: {exc}")
            finally:
                if routes is not None and routes.get(token) is relay_progress:
                    del routes[token]
            out: Message = {"jsonrpc": "2.0", "id": msg["id"]}
            if "error" in reply:
                out["error"] = reply["error"]
            else:
                out["result"] = reply.get("result", {})
            with contextlib.suppress(UpstreamError):
                await transport.respond(out)

        qid = msg["id"]
        task = asyncio.get_running_loop().create_task(answer())
        if isinstance(qid, (str, int)):  # kept so that the server can withdraw its question
            self._answering[qid] = task
            task.add_done_callback(
                lambda done: self._answering.pop(qid, None) if self._answering.get(qid) is done else None
            )
