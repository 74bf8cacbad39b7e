"""Assemble a running gateway from a config: upstream pool, guard, HTTP app and lifecycle.

``/mcp``, ``/healthz`` and ``/metrics`` sit behind the same Origin/Host guard (DNS rebinding);
``/metrics`` also asks for its token when ``metrics_token_sha256`` is set. The OAuth discovery paths
answer 404 with a sentence: this gateway takes agent keys and has no OAuth sign-in to offer.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import orjson

from portcullis.assemble import Runtime
from portcullis.config.model import GatewayConfig, ServerConfig
from portcullis.edge.health import HealthSettings, health_status
from portcullis.edge.http import McpHttpApp, Receive, Scope, Send
from portcullis.edge.origin import FORBIDDEN_MESSAGE, OriginPolicy
from portcullis.errors import PortcullisError
from portcullis.pipeline.guard import CallGuard
from portcullis.routing.dispatch import Gateway
from portcullis.upstream.pool import UpstreamPool

__all__ = ["GatewayApp", "demo_server", "with_demo"]

log = logging.getLogger("portcullis")

ExtraApp = Any  # an ASGI app (e.g. a Starlette router) serving the routes other than /mcp
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


def demo_server() -> ServerConfig:
    """The demo upstream shipped in the package, run with this Python."""
    return ServerConfig(name="demo", transport="stdio", command=sys.executable, args=("-m", "portcullis.demo"))


DEMO_POLICY = Path(__file__).resolve().parent.parent / "demo" / "policy.json"


def with_demo(config: GatewayConfig) -> GatewayConfig:
    """Add the demo upstream; without a policy of its own the config gets the demo's policy."""
    from dataclasses import replace

    policy = config.policy if config.policy or config.grants else str(DEMO_POLICY)
    return replace(config, servers={**config.servers, "demo": demo_server()}, policy=policy)


class GatewayApp:
    """The ASGI application of ``portcullis serve``."""

    def __init__(self, config: GatewayConfig, guard: CallGuard | None = None, extra: ExtraApp | None = None) -> None:
        self.config = config
        self.pool = UpstreamPool(config.servers)
        self.gateway = Gateway(config, self.pool, guard)
        host, _ = config.host_port
        # With a guard given (tests, benchmarks) the gateway runs bare: no policy, audit or approvals.
        self.runtime = Runtime(config, self.pool, self.gateway) if guard is None else None
        authenticate = self.runtime.authenticate if self.runtime is not None else None
        self.origins = OriginPolicy(host, config.allowed_origins)
        self.mcp = McpHttpApp(self.gateway, self.origins, config.max_body_bytes, authenticate, config.sessions_per_key)
        if self.runtime is not None:
            sessions = self.mcp.sessions

            def drop_revoked(fresh: GatewayConfig) -> None:
                sessions.drop_unowned({g.key_sha256 for g in fresh.grants})

            self.runtime.on_grants_changed.append(drop_revoked)
        self.extra = extra
        self.health_settings = HealthSettings.from_config(config.health, str(config.path or "<config>"))
        self.started = False
        self.startup_error: Exception | None = None

    async def startup(self) -> None:
        if self.started:  # ``portcullis serve`` starts the gateway before uvicorn's lifespan asks again
            return
        if self.runtime is not None:
            await self.runtime.open()
            if self.extra is None:
                self.extra = self._routes(self.runtime)
        else:
            await self.pool.start()
        self.started = True

    def begin_drain(self) -> None:
        """The gateway is stopping (SIGTERM): it no longer accepts connections, calls in flight finish.
        Server→client streams are not calls: they end now, so they do not hold the drain."""
        ended = self.mcp.end_streams()
        log.info("stopping: no new connections; calls in flight finish (up to %gs)", self.config.drain_timeout)
        if ended:
            log.info("stopping: %d server-to-client stream(s) closed", ended)

    async def shutdown(self) -> None:
        if self.runtime is not None:
            await self.runtime.close()
        else:
            await self.pool.close()

    def _routes(self, runtime: Runtime) -> ExtraApp:
        """``/metrics`` and the approvals REST API (for the console), as a Starlette router."""
        from starlette.routing import Router

        from portcullis.approvals.rest import approval_routes
        from portcullis.metrics import metrics_route

        routes = [metrics_route(runtime.metrics, runtime.update_gauges, lambda: runtime.config.metrics_token_sha256)]
        if runtime.approvals is not None:
            routes.extend(approval_routes(runtime.approvals, runtime.admin_tokens))
        return Router(routes=routes)

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
        audit = self.runtime.audit if self.runtime is not None else None
        backlog = audit.backlog() if audit is not None else None
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
                await _send_json(send, 404, _NO_OAUTH)
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
