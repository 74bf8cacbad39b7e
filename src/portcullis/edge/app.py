"""The ASGI app of ``portcullis serve``: ``/mcp``, ``/healthz``, the extra routes and the lifespan.

``/mcp``, ``/healthz`` and ``/metrics`` sit behind the same Origin/Host guard (DNS rebinding);
``/metrics`` also asks for its token when ``metrics_token_sha256`` is set. The OAuth discovery paths
answer 404 with a sentence: this gateway takes agent keys and has no OAuth sign-in to offer.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import orjson

from portcullis.config.model import GatewayConfig
from portcullis.edge.health import HealthSettings, health_status
from portcullis.edge.http import McpHttpApp
from portcullis.edge.origin import FORBIDDEN_MESSAGE, OriginPolicy
from portcullis.edge.sse import Receive, Scope, Send
from portcullis.errors import PortcullisError
from portcullis.oauth.metadata import metadata_document, metadata_paths
from portcullis.protocol import INVALID_REQUEST
from portcullis.upstream.pool import UpstreamPool

__all__ = ["GatewayApp", "Lifecycle"]

log = logging.getLogger("portcullis")

ExtraApp = Any  # an ASGI app (e.g. a Starlette router) serving the routes other than /mcp


class Lifecycle(Protocol):
    """What the app starts and stops around serving (``assemble.Runtime``)."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def audit_backlog(self) -> Any:
        """The audit spool's backlog (``None`` when nothing is spooled or there is no audit trail)."""

    def routes(self) -> ExtraApp:
        """The routes besides ``/mcp`` and ``/healthz`` (``/metrics``, the approvals API), once open."""


_GUARDED = frozenset({"/mcp", "/mcp/", "/healthz", "/metrics"})
_OAUTH_DISCOVERY = (
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
)
_NO_OAUTH = orjson.dumps(
    {
        "error": "not_found",
        "error_description": (
            "this gateway does not offer OAuth sign-in: configure the client with an agent key from 'portcullis keys "
            "create NAME', sent as the header 'Authorization: Bearer <key>'"
        ),
    }
)

_NOT_HERE = orjson.dumps(
    {
        "error": "not_found",
        "error_description": (
            "this gateway is an OAuth protected resource, not an authorization server: its metadata at "
            "/.well-known/oauth-protected-resource names the authorization server to sign in with"
        ),
    }
)


class GatewayApp:
    """The ASGI application of ``portcullis serve``."""

    def __init__(
        self, config: GatewayConfig, pool: UpstreamPool, origins: OriginPolicy, mcp: McpHttpApp, runtime: Lifecycle
    ) -> None:
        self.config = config
        self.pool = pool
        self.origins = origins
        self.mcp = mcp
        self.runtime = runtime
        self.extra: ExtraApp | None = None
        self.health_settings = HealthSettings.from_config(config.health, str(config.path or "<config>"))
        self.started = False
        self.startup_error: Exception | None = None

    async def startup(self) -> None:
        if self.started:  # ``portcullis serve`` starts the gateway before uvicorn's lifespan asks again
            return
        await self.runtime.open()
        self.extra = self.runtime.routes()
        self.started = True

    def begin_drain(self) -> None:
        """The gateway is stopping (SIGTERM): it no longer accepts connections, calls in flight finish.
        Server→client streams are not calls: they end now, so they do not hold the drain."""
        ended = self.mcp.end_streams()
        log.info("stopping: no new connections; calls in flight finish (up to %gs)", self.config.drain_timeout)
        if ended:
            log.info("stopping: %d server-to-client stream(s) closed", ended)

    async def shutdown(self) -> None:
        await self.runtime.close()

    def health(self) -> tuple[int, dict[str, Any]]:
        """``/healthz``: the HTTP status (503 when ``health.fail_when`` says so) and the body."""
        code, head = health_status({name: s.state for name, s in self.pool.sessions.items()}, self.health_settings)
        return code, {
            **head,
            "servers": {
                name: {
                    "state": s.state,
                    "era": s.era,
                    "protocolVersion": s.protocol_version,
                    "restarts": s.restarts,
                    "lastError": s.last_error,
                }
                for name, s in self.pool.sessions.items()
            },
            **self._audit_health(),
        }

    def _audit_health(self) -> dict[str, Any]:
        """``audit.spooled``: records waiting in the local spool while the audit database is away."""
        backlog = self.runtime.audit_backlog()
        return {} if backlog is None else {"audit": {"spooled": backlog}}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path in _GUARDED and not self.origins.allows(dict(scope["headers"])):
                await _send_json(
                    send,
                    403,
                    orjson.dumps(
                        {"jsonrpc": "2.0", "id": None, "error": {"code": INVALID_REQUEST, "message": FORBIDDEN_MESSAGE}}
                    ),
                )
                return
            if path.startswith(_OAUTH_DISCOVERY):
                oauth = self.config.oauth
                if oauth is not None and path in metadata_paths(oauth):
                    await _send_json(send, 200, metadata_document(oauth))
                else:
                    await _send_json(send, 404, _NO_OAUTH if oauth is None else _NOT_HERE)
                return
            if path == "/mcp" or path == "/mcp/":
                await self.mcp(scope, receive, send)
                return
            if path == "/healthz":
                code, body = self.health()
                await _send_json(send, code, orjson.dumps(body))
                return
            if self.extra is not None:
                await self.extra(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Not found. The MCP endpoint is /mcp\n"})
            return
        if kind == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    try:
                        await self.startup()
                    except Exception as exc:
                        # A store that cannot be reached (and such): `serve` tells it as the CLI tells errors.
                        self.startup_error = exc
                        message = "" if isinstance(exc, PortcullisError) else repr(exc)
                        await send({"type": "lifespan.startup.failed", "message": message})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await self.shutdown()
                    await send({"type": "lifespan.shutdown.complete"})
                    return


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
