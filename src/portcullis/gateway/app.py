"""Assemble a running gateway from a config: upstream pool, guard, HTTP app and lifecycle."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson

from portcullis.config.model import GatewayConfig, ServerConfig
from portcullis.gateway.core import Gateway
from portcullis.gateway.guard import CallGuard
from portcullis.gateway.http import McpHttpApp, Receive, Scope, Send
from portcullis.gateway.origin import OriginPolicy
from portcullis.upstream.pool import UpstreamPool

__all__ = ["GatewayApp", "demo_server", "with_demo"]

log = logging.getLogger("portcullis")

ExtraApp = Any  # an ASGI app (e.g. a Starlette router) serving the routes other than /mcp


def demo_server() -> ServerConfig:
    """The demo upstream shipped in the package, run with this Python."""
    return ServerConfig(name="demo", transport="stdio", command=sys.executable, args=("-m", "portcullis.demo"))


def with_demo(config: GatewayConfig) -> GatewayConfig:
    from dataclasses import replace

    return replace(config, servers={**config.servers, "demo": demo_server()})


class GatewayApp:
    """The ASGI application of ``portcullis serve``."""

    def __init__(self, config: GatewayConfig, guard: CallGuard | None = None, extra: ExtraApp | None = None) -> None:
        self.config = config
        self.pool = UpstreamPool(config.servers)
        self.gateway = Gateway(config, self.pool, guard)
        host, _ = config.host_port
        self.mcp = McpHttpApp(self.gateway, OriginPolicy(host, config.allowed_origins), config.max_body_bytes)
        self.extra = extra
        self.started = False

    async def startup(self) -> None:
        await self.pool.start()
        self.started = True

    async def shutdown(self) -> None:
        await self.pool.close()

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "servers": {name: {"state": s.state, "era": s.era, "protocolVersion": s.protocol_version,
                               "restarts": s.restarts, "lastError": s.last_error}
                        for name, s in self.pool.sessions.items()},
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == "/mcp" or path == "/mcp/":
                await self.mcp(scope, receive, send)
                return
            if path == "/healthz":
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": orjson.dumps(self.health())})
                return
            if self.extra is not None:
                await self.extra(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Not found. The MCP endpoint is /mcp\n"})
            return
        if kind == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    try:
                        await self.startup()
                    except Exception as exc:
                        await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await self.shutdown()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
