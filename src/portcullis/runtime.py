"""Open (and close) everything a serving gateway needs around its upstreams, in one place.

Order matters and is the same for ``serve`` and ``stdio``: logging → policies (an invalid policy
stops start-up with every problem listed) → counter store → audit trail → approvals → catalogue and
pins → upstreams → first catalogue read → background refresh. Every part is built beforehand, unopened,
by ``assemble`` and handed in (``Services``); the call pipeline's guard holds the same parts, so it works
once they are open (``serve`` and ``stdio`` serve nothing before).

Upstreams get ``_START_GRACE`` seconds to come up before the gateway serves; one still starting then
(a first ``npx -y`` download) goes on in the background, and clients are told ``list_changed`` when it
(or any server, after a restart) becomes ready. The config file is watched: grants, the top-level
policy and ``servers`` take effect without a restart (``reload``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portcullis._plumbing.polling import file_stamp
from portcullis.approvals import ApprovalService
from portcullis.audit import AuditLog, audit_options, open_audit_log
from portcullis.catalog.catalog import Catalog, CatalogOptions
from portcullis.catalog.pins import PinStore
from portcullis.catalog.refresh import CatalogRefresher
from portcullis.config.model import GatewayConfig, GrantConfig
from portcullis.edge.health import HealthSettings
from portcullis.limits import CounterStore
from portcullis.metrics import Metrics
from portcullis.oauth.gate import AuthAnswer, OAuthGate
from portcullis.oauth.match import oauth_owners
from portcullis.pipeline.pipeline import PolicyGuard
from portcullis.pipeline.policies import PolicySet, policy_gaps
from portcullis.policy import authenticate
from portcullis.policy.operators import AdminTokens
from portcullis.routing.dispatch import Gateway
from portcullis.sessions.registry import SessionRegistry
from portcullis.upstream.pool import UpstreamPool

__all__ = ["Runtime", "Services"]

_CONFIG_POLL = 0.5  # seconds between looks at the config file (grants, policy, servers)
_START_GRACE = 10.0  # seconds the gateway waits for its upstreams before serving without the slow ones
_LIST_CHANGED = (
    ("notifications/tools/list_changed", "toolsListChanged"),
    ("notifications/prompts/list_changed", "promptsListChanged"),
    ("notifications/resources/list_changed", "resourcesListChanged"),
)

log = logging.getLogger("portcullis")


@dataclass(frozen=True)
class Services:
    """What a running gateway opens around its upstreams and closes after them, built by ``assemble``."""

    metrics: Metrics
    policies: PolicySet
    oauth: OAuthGate | None
    store: CounterStore
    audit: AuditLog
    approvals: ApprovalService
    pins: PinStore
    catalog: Catalog
    refresher: CatalogRefresher
    guard: PolicyGuard


class Runtime:
    """The stateful parts of a running gateway."""

    def __init__(
        self, config: GatewayConfig, pool: UpstreamPool, gateway: Gateway, registry: SessionRegistry, services: Services
    ) -> None:
        self.config = config
        self.pool = pool
        self.gateway = gateway
        self.registry = registry
        self.metrics = services.metrics
        self.policies = services.policies
        self.oauth = services.oauth
        self.store = services.store
        self.audit = services.audit
        self.approvals = services.approvals
        self.pins = services.pins
        self.catalog = services.catalog
        self.refresher = services.refresher
        self.guard = services.guard
        self._tasks: list[asyncio.Task[Any]] = []
        # Once a gateway has had grants it never serves anonymously again: emptied grants refuse everyone.
        self.keyed = config.require_keys or bool(config.grants)
        pool.set_ready_handler(self._on_upstream_ready)

    @staticmethod
    def check(config: GatewayConfig) -> None:
        """Validate every section the runtime reads, and the policies, before anything starts.

        Raises one ``ConfigError`` listing every problem (with file, line and JSON path), so that
        ``serve`` and ``stdio`` refuse a bad config with exit status 2 instead of failing mid-start.
        """
        from portcullis.approvals import approval_settings
        from portcullis.errors import ConfigError

        problems = []
        checks: list[Any] = [
            lambda: approval_settings(config),
            lambda: audit_options(config),
            lambda: CatalogOptions.from_config(config.catalog, str(config.path or "<config>")),
            lambda: PolicySet(config).load(),
            lambda: HealthSettings.from_config(config.health, str(config.path or "<config>")),
        ]
        for check in checks:
            try:
                check()
            except ConfigError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ConfigError([config.locate(p) for p in problems])

    def authenticate(self, key: str | None) -> GrantConfig | bool | AuthAnswer | Awaitable[AuthAnswer] | None:
        """What the HTTP front asks: ``authenticate_key``, or with ``oauth:`` the bearer token as an
        agent key or an access token (``portcullis.oauth.gate``), refusals being ``AuthFailure``s."""
        if self.oauth is not None:
            return self.oauth.authenticate(key, self.config.grants)
        return self.authenticate_key(key)

    def authenticate_key(self, key: str | None) -> GrantConfig | bool | None:
        """The grant of an agent key as the grants are now; ``False`` to refuse; ``None`` for anonymous
        callers of a gateway that has never had grants (loopback only)."""
        grants = self.config.grants
        if not grants and not self.keyed:
            return None
        grant = authenticate(grants, key)
        return grant if grant is not None else False

    async def open(self) -> None:
        config = self.config
        self.policies.load()
        if self.oauth is not None:
            await self.oauth.start()
        await open_audit_log(self.audit, config.audit, config.base_dir)
        await self.approvals.open()
        await self.pool.start(grace=_START_GRACE)
        try:
            await self.refresher.refresh()
        except Exception:
            log.exception("first catalogue read failed; it is retried in the background")
        self.policies.warn_unknown_names()
        self.policies.start()
        self._tasks.append(asyncio.create_task(self.refresher.run()))
        watch_pins = getattr(self.pins, "watch", None)  # a Redis pin store tells every replica of a change
        if watch_pins is not None:
            self._tasks.append(asyncio.create_task(watch_pins(self.refresher.pins_changed)))
        # what the other replicas of a fleet say about legacy sessions (sessions.fleet; nothing without Redis)
        self._tasks.append(asyncio.create_task(self.registry.sync.run(self.registry.on_fleet_message)))
        if config.path is not None:
            self._tasks.append(asyncio.create_task(self._watch_config(config.path)))

    async def _watch_config(self, path: Path) -> None:
        """Pick up grants (``portcullis keys create``), the top-level policy and ``servers`` changed in the
        config file without a restart; other changed settings are logged as needing one.

        A config that no longer loads is logged and everything in force stays.
        """
        from portcullis.config import load_config
        from portcullis.errors import ConfigError

        seen = file_stamp(path)
        try:
            on_file = load_config(path)  # compared file with file: what the command line added stays
        except ConfigError:
            on_file = self.config
        while True:
            await asyncio.sleep(_CONFIG_POLL)
            now = file_stamp(path)
            if now == seen or now is None:
                continue
            seen = now
            try:
                fresh = load_config(path)
            except ConfigError as exc:
                log.error("%s changed but was NOT reloaded; the settings in force stay:\n%s", path, exc)
                continue
            await self.apply_config(on_file, fresh)
            on_file = fresh

    async def apply_config(self, before: GatewayConfig, after: GatewayConfig) -> None:
        """Apply what changed in the config file from ``before`` to ``after`` (see ``reload``)."""
        from dataclasses import replace

        from portcullis.reload import config_changes

        changes = config_changes(before, after)
        source = after.path or "the config"
        if changes.access:
            config = replace(
                self.config,
                grants=after.grants,
                policy=after.policy,
                require_keys=after.require_keys,
                admin_tokens=after.admin_tokens,
                admin_token_sha256=after.admin_token_sha256,
                metrics_token_sha256=after.metrics_token_sha256,
            )
            self.policies.set_grants(config)
            self.config = config
            self.keyed = self.keyed or after.require_keys
            if before.grants != after.grants:  # the sessions of revoked keys go with them
                owners = {g.key_sha256 for g in config.grants}  # OAuth callers' sessions stay: matched per request
                self.registry.drop_unowned(owners | oauth_owners(config.grants, self.registry.listeners()))
            log.info(
                "grants reloaded from %s: %s%s",
                source,
                ", ".join(g.name for g in after.grants) or "none",
                " (every agent key is refused)" if self.keyed and not after.grants else "",
            )
            for gap in policy_gaps(config, keys_required=self.keyed):
                log.warning("%s", gap)
        if changes.servers:
            servers = {n: s for n, s in self.config.servers.items() if n not in changes.removed}
            servers.update({n: after.servers[n] for n in (*changes.added, *changes.changed)})
            self.config = replace(self.config, servers=servers)
            await self._apply_servers(changes.added, changes.removed, changes.changed)
            log.info("servers reloaded from %s: %s", source, changes.describe_servers())
        for key in changes.need_restart:
            log.warning(
                "%s: '%s' changed, which takes effect only when the gateway restarts (the running gateway keeps %r)",
                source,
                key,
                "(hidden)" if key == "session_secret" else getattr(self.config, key),
            )

    async def _apply_servers(self, added: tuple[str, ...], removed: tuple[str, ...], changed: tuple[str, ...]) -> None:
        # Swapped without an await in between, so that routing and listing never see a half-changed set.
        retired = [self.pool.detach(name) for name in removed]
        for name in removed:
            self.catalog.remove_server(name)
            self.metrics.upstream_up(name, False)
        for name in (*added, *changed):
            server = self.config.servers[name]
            self.catalog.set_trusted(name, server.trusted)
            retired.append(self.pool.add(server))
        self.refresher.set_servers(self.pool.sessions)
        self.gateway.set_servers()
        await asyncio.gather(*(s.close() for s in retired if s is not None), return_exceptions=True)
        await self._tell_clients_lists_changed()

    async def _tell_clients_lists_changed(self, server: str | None = None) -> None:
        """Tell clients every list changed: those whose grant reaches ``server``, or all when it is None."""
        for method, filter_key in _LIST_CHANGED:
            await self.gateway.subscriptions.broadcast({"jsonrpc": "2.0", "method": method}, filter_key, server=server)

    def audit_backlog(self) -> Any:
        """The audit spool's backlog (``None`` when nothing is spooled)."""
        return self.audit.backlog()

    def routes(self) -> Any:
        """``/metrics``, the console and the admin API (``/api/v1``, with the approvals REST API)."""
        from portcullis.console import console_app
        from portcullis.edge.origin import OriginPolicy
        from portcullis.metrics import metrics_route

        metrics = metrics_route(self.metrics, self.update_gauges, lambda: self.config.metrics_token_sha256)
        origins = OriginPolicy(self.config.host_port[0], self.config.allowed_origins)
        return console_app(self, origins.allows, [metrics])

    def admin_tokens(self) -> AdminTokens:
        """The operator tokens in force now (they are reloaded with the grants)."""
        return AdminTokens.from_config(self.config)

    async def _on_upstream_ready(self, session: Any) -> None:
        self.metrics.upstream_up(session.name, True)
        self.refresher.notify_list_changed(session.name)  # listed (again) soon: it came up late, restarted or was added
        await self._tell_clients_lists_changed(session.name)

    async def update_gauges(self) -> None:
        """Bring the gauges up to date before a scrape: upstream health, and pending approvals (which
        another gateway or ``portcullis approvals`` in a shell may have decided, or which may have expired)."""
        for name, session in self.pool.sessions.items():
            self.metrics.upstream_up(name, session.state == "ready")
        backlog = self.audit.backlog()
        self.metrics.audit_spooled(backlog["records"] if backlog else 0)
        try:
            await self.approvals.refresh_pending()
        except Exception as exc:  # a scrape must not fail because the approval store is down
            log.warning("pending approvals not counted: %s", exc)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.policies.stop()
        if self.oauth is not None:
            await self.oauth.close()
        await self.gateway.caller.close()  # parked calls are recorded before the audit trail closes
        await self.pool.close()
        closables = (self.approvals, self.audit, self.store, self.pins, self.registry.sync)
        for closable in closables:
            with contextlib.suppress(Exception):
                await closable.close()
