"""``assemble(config)``: build every collaborator of a gateway and hand each its parts by constructor.

The layers (see ARCHITECTURE.md) are built bottom-up: the upstream pool and the session registry; the
services, unopened (metrics, policies, counter store, audit trail, approvals, pins, the catalogue and
its refresher) and the call pipeline's steps over them (``services``); routing (``Gateway``, with its
lister, resources, subscriptions and the call pipeline); the runtime that opens and closes the services
(``runtime.Runtime``); the HTTP front and the ASGI app of ``serve``. Nothing is patched in afterwards:
where two parts need each other (the catalogue's view changes reach clients through routing, which
lists through the catalogue) a ``Hook`` made first joins them. ``portcullis serve`` serves
``Assembly.app``; ``portcullis stdio`` serves ``Assembly.gateway`` on its pipe with
``Assembly.runtime`` around it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from portcullis._plumbing.hooks import Hook
from portcullis.approvals import approval_service
from portcullis.audit import audit_log, audit_options
from portcullis.catalog.catalog import Catalog, CatalogOptions
from portcullis.catalog.pin_stores import open_pin_store
from portcullis.catalog.refresh import CatalogRefresher
from portcullis.config.model import GatewayConfig, GrantConfig, ServerConfig
from portcullis.edge.app import GatewayApp
from portcullis.edge.http import McpHttpApp
from portcullis.edge.origin import OriginPolicy
from portcullis.limits import open_store
from portcullis.metrics import Metrics
from portcullis.oauth.gate import OAuthGate
from portcullis.pipeline.approve import ApprovalStep
from portcullis.pipeline.forward import ForwardOptions
from portcullis.pipeline.hidden import Visibility
from portcullis.pipeline.limit import LimitStep
from portcullis.pipeline.pins import PinCheck
from portcullis.pipeline.pipeline import PolicyGuard
from portcullis.pipeline.policies import PolicySet
from portcullis.pipeline.record import Recorder
from portcullis.pipeline.session_rules import SessionStep
from portcullis.routing.dispatch import Gateway
from portcullis.routing.lists import walk_listing
from portcullis.runtime import Runtime, Services
from portcullis.screening.settings import ScreeningSettings
from portcullis.sessions.fleet import open_session_sync
from portcullis.sessions.registry import SessionRegistry
from portcullis.sessions.seal import SessionSeal
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Assembly", "assemble", "demo_server", "services", "with_demo"]

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
    tool_views: Hook[str] = Hook()  # what agents may see of a server's tools changed: tell them
    parts = services(config, pool, tool_views)
    gateway = Gateway(
        config,
        pool,
        registry,
        parts.guard,
        catalogue=parts.refresher,  # every tool listing read goes through the catalogue
        forward=_forward_options(config, parts),
        tool_views=tool_views,
    )
    runtime = Runtime(config, pool, gateway, registry, parts)
    host, _ = config.host_port
    origins = OriginPolicy(host, config.allowed_origins)
    mcp = McpHttpApp(gateway, origins, config.max_body_bytes, registry, runtime.authenticate)
    return Assembly(GatewayApp(config, pool, origins, mcp, runtime), gateway, runtime)


def services(config: GatewayConfig, pool: UpstreamPool, tool_views: Hook[str]) -> Services:
    """The services of a gateway, unopened, and the call pipeline's guard over them."""
    where = str(config.path or "<config>")
    trusted = [name for name, server in config.servers.items() if server.trusted]
    catalog = Catalog(trusted=trusted, options=CatalogOptions.from_config(config.catalog, where))
    metrics = Metrics(known_tool=catalog.listing_has)
    policies = PolicySet(config)
    options = audit_options(config)
    audit = audit_log(
        config.audit,
        options.redact,
        base_dir=config.base_dir,
        retention_days=options.retention_days,
        sync=options.sync,
        table=options.table,
        spool=options.spool,
        commit_timeout=options.commit_timeout,
    )
    store = open_store(config.store)
    approvals = approval_service(config, redact=options.redact, on_pending=metrics.pending)
    pins = open_pin_store(config)
    list_tools = partial(_walk_tools, pool)
    refresher = CatalogRefresher(catalog, list(config.servers), list_tools, pins, on_view_change=tool_views)
    policies.known_tools = lambda: {key: pin.definition for key, pin in catalog.pins.items()}
    sessions = SessionStep(policies, catalog, store, metrics)
    guard = PolicyGuard(
        policies,
        Visibility(policies, catalog, refresher.is_current),
        PinCheck(catalog, metrics),
        ApprovalStep(approvals),
        LimitStep(store, metrics, sessions.marking),  # marking: the session rules' data flow in the limits' script
        sessions,
        Recorder(audit, metrics, sessions.shadow),
        catalog,
    )
    oauth = OAuthGate(config.oauth) if config.oauth is not None else None
    return Services(metrics, policies, oauth, store, audit, approvals, pins, catalog, refresher, guard)


async def _walk_tools(pool: UpstreamPool, server: str) -> list[dict[str, Any]]:
    return await walk_listing(pool, server, "tools/list")


def _forward_options(config: GatewayConfig, parts: Services) -> ForwardOptions:
    """Screening (the config's, and each policy's own, which wins) and the OAuth token a call carries on."""
    policies = parts.policies

    def policy_screening(grant: GrantConfig | None) -> ScreeningSettings | None:
        return policies.for_grant(grant).model.screening

    if parts.oauth is None:
        return ForwardOptions(screening=config.screening, policy_screening=policy_screening)
    return ForwardOptions(config.screening, policy_screening, parts.oauth.subject_token)


def demo_server() -> ServerConfig:
    """The demo upstream shipped in the package, run with this Python."""
    return ServerConfig(name="demo", transport="stdio", command=sys.executable, args=("-m", "portcullis.demo"))


def with_demo(config: GatewayConfig) -> GatewayConfig:
    """Add the demo upstream; without a policy of its own the config gets the demo's policy."""
    policy = config.policy if config.policy or config.grants else str(DEMO_POLICY)
    return replace(config, servers={**config.servers, "demo": demo_server()}, policy=policy)
