"""What the admin API and the console reach of a running gateway, named as a protocol (no import of the
gateway's assembly, which lives elsewhere), plus the pieces they add: the operator check and the event hub.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from portcullis.api.events import EventHub
from portcullis.api.operators import OperatorAuth
from portcullis.approvals.service import ApprovalService
from portcullis.audit.log import AuditLog
from portcullis.catalog.catalog import Catalog
from portcullis.catalog.pins import PinStore
from portcullis.catalog.refresh import CatalogRefresher
from portcullis.config.model import GatewayConfig
from portcullis.console.session import SessionSigner
from portcullis.limits.model import CounterStore
from portcullis.policy import CompiledPolicy
from portcullis.policy.operators import AdminTokens

__all__ = ["AdminContext", "GatewayState", "Policies", "policy_file"]


class Policies(Protocol):
    def for_grant(self, grant: Any) -> CompiledPolicy: ...


class _Upstream(Protocol):
    state: str
    era: str | None
    protocol_version: str | None
    restarts: int
    last_error: str | None


class _Pool(Protocol):
    @property
    def sessions(self) -> Mapping[str, _Upstream]: ...


class GatewayState(Protocol):
    """The running gateway's parts the admin API reads and changes (``Runtime`` has them)."""

    config: GatewayConfig
    approvals: ApprovalService | None
    audit: AuditLog | None
    catalog: Catalog | None
    pins: PinStore | None
    refresher: CatalogRefresher | None
    store: CounterStore | None  # the rate-limit counters

    @property
    def policies(self) -> Policies: ...

    @property
    def pool(self) -> _Pool: ...

    def admin_tokens(self) -> AdminTokens: ...

    async def apply_config(self, before: GatewayConfig, after: GatewayConfig) -> None: ...


def policy_file(config: GatewayConfig) -> Path | None:
    """The policy file the console shows and edits: the top-level ``policy``, else the first grant's."""
    if config.policy:
        return config.resolve(config.policy)
    for grant in config.grants:
        if grant.policy:
            return config.resolve(grant.policy)
    return None


@dataclass
class AdminContext:
    """Everything a route of ``/api/v1`` or ``/console`` needs."""

    state: GatewayState
    auth: OperatorAuth
    hub: EventHub
    signer: SessionSigner
    clock: Callable[[], float]

    @property
    def config(self) -> GatewayConfig:
        return self.state.config

    def policy(self) -> CompiledPolicy:
        """The policy in force for the file ``policy_file`` names (the deny-all one when there is none)."""
        config = self.state.config
        if config.grants:
            path = policy_file(config)
            grant = next((g for g in config.grants if g.policy and config.resolve(g.policy) == path), None)
            return self.state.policies.for_grant(grant)
        return self.state.policies.for_grant(None)
