"""The admin API (``/api/v1``): JSON over the same services as the CLI, for the console and for scripts.

``admin_context(state)`` binds it to a running gateway; ``api_routes(ctx)`` gives its Starlette routes.
"""

from __future__ import annotations

import time

from portcullis.api.context import AdminContext, GatewayState
from portcullis.api.events import EventHub, Probe
from portcullis.api.operators import OperatorAuth
from portcullis.console.session import SessionSigner

__all__ = ["AdminContext", "GatewayState", "admin_context"]


def admin_context(state: GatewayState) -> AdminContext:
    """The API's view of a running gateway, with its operator check and its event hub."""
    signer = SessionSigner()
    auth = OperatorAuth(state.admin_tokens, signer, lambda: state.config.grants)
    hub = EventHub(_probes(state))
    return AdminContext(state, auth, hub, signer, time.time)


def _probes(state: GatewayState) -> dict[str, Probe]:
    async def approvals() -> object:
        service = state.approvals
        if service is None:
            return None
        return tuple((a.id, a.status) for a in await service.list("pending", 1000))

    async def audit() -> object:
        log = state.audit
        newest = await log.query(limit=1) if log is not None else []
        return newest[-1]["id"] if newest else None

    async def catalog() -> object:
        entries = state.catalog.entries() if state.catalog is not None else []
        return hash(tuple((e.server, e.name, e.status, e.hash) for e in entries))

    async def servers() -> object:
        return tuple((n, s.state, s.restarts) for n, s in sorted(state.pool.sessions.items()))

    async def grants() -> object:  # created or revoked by another tab, another operator, or 'portcullis keys'
        return tuple((g.name, g.key_sha256, g.servers, g.policy) for g in state.config.grants)

    return {"approvals": approvals, "audit": audit, "catalog": catalog, "servers": servers, "grants": grants}
