"""``assemble(config)``: build every collaborator of a gateway and hand each its parts by constructor.

The layers (see ARCHITECTURE.md) are built bottom-up: the upstream pool and the session registry;
routing (``Gateway``, with its lister, resources, subscriptions and the call pipeline); the runtime
that opens the stores and the guard around them (``runtime.Runtime``); the HTTP front and the ASGI
app of ``serve``. ``portcullis serve`` serves ``Assembly.app``; ``portcullis stdio`` serves
``Assembly.gateway`` on its pipe with ``Assembly.runtime`` around it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from portcullis.config.model import GatewayConfig, ServerConfig
from portcullis.edge.app import GatewayApp
from portcullis.edge.http import McpHttpApp
from portcullis.edge.origin import OriginPolicy
from portcullis.pipeline.guard import AllowAll
from portcullis.routing.dispatch import Gateway
from portcullis.runtime import Runtime
from portcullis.sessions.fleet import open_session_sync
from portcullis.sessions.registry import SessionRegistry
from portcullis.sessions.seal import SessionSeal
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Assembly", "assemble", "demo_server", "with_demo"]

DEMO_POLICY = Path(__file__).resolve().parent / "demo" / "policy.json"


@dataclass(frozen=True)
class Assembly:
    """The parts of one gateway, built and wired."""

    app: GatewayApp
    gateway: Gateway
    runtime: Runtime


def assemble(config: GatewayConfig) -> Assembly:
    """Build a gateway for ``config``; nothing is opened or started until ``app.startup()``."""
    pool = UpstreamPool(config.servers)
    registry = SessionRegistry(
        config.sessions_per_key, SessionSeal(config.session_secret), open_session_sync(config.store)
    )
    # The policy guard replaces AllowAll when the runtime has opened its stores, before anything is served.
    gateway = Gateway(config, pool, registry, AllowAll())
    runtime = Runtime(config, pool, gateway, registry)
    host, _ = config.host_port
    origins = OriginPolicy(host, config.allowed_origins)
    mcp = McpHttpApp(gateway, origins, config.max_body_bytes, registry, runtime.authenticate)
    return Assembly(GatewayApp(config, pool, origins, mcp, runtime), gateway, runtime)


def demo_server() -> ServerConfig:
    """The demo upstream shipped in the package, run with this Python."""
    return ServerConfig(name="demo", transport="stdio", command=sys.executable, args=("-m", "portcullis.demo"))


def with_demo(config: GatewayConfig) -> GatewayConfig:
    """Add the demo upstream; without a policy of its own the config gets the demo's policy."""
    policy = config.policy if config.policy or config.grants else str(DEMO_POLICY)
    return replace(config, servers={**config.servers, "demo": demo_server()}, policy=policy)
