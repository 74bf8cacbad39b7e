"""Human approval of tool calls: the request queue, its stores, the webhook, the REST API.

``approval_service(config)`` builds the ``ApprovalService`` the gateway uses (``open_approvals`` opens
it too); ``approval_routes`` the Starlette routes for approvers (REST, guarded by the admin token) and
for the webhook's signed links.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from portcullis.approvals.model import Approval, ApprovalState, call_digest
from portcullis.approvals.service import ApprovalService, Tick
from portcullis.approvals.settings import ApprovalSettings, approval_settings, parse_approval_settings, store_url
from portcullis.approvals.store import ApprovalStore, open_store
from portcullis.audit.redact import Redactor
from portcullis.config.model import GatewayConfig

if TYPE_CHECKING:
    from portcullis.approvals.rest import approval_routes

__all__ = [
    "Approval",
    "ApprovalService",
    "ApprovalSettings",
    "ApprovalState",
    "ApprovalStore",
    "Tick",
    "approval_routes",
    "approval_service",
    "approval_settings",
    "call_digest",
    "open_approvals",
    "open_store",
    "parse_approval_settings",
]


def approval_service(
    config: GatewayConfig, *, redact: tuple[str, ...] = (), on_pending: Callable[[int], None] | None = None
) -> ApprovalService:
    """The approval service for a config, not yet open: its store (see ``settings.store_url``), webhook
    and settings. ``await service.open()`` opens its store."""
    settings = approval_settings(config)
    store = open_store(store_url(config), key_prefix=settings.key_prefix)
    notifier = None
    if settings.webhook is not None:
        from portcullis.approvals.webhook import WebhookNotifier  # aiohttp: imported only when used

        notifier = WebhookNotifier(settings.webhook, settings.public_url)
    return ApprovalService(store, settings, redactor=Redactor(redact), notifier=notifier, on_pending=on_pending)


async def open_approvals(
    config: GatewayConfig, *, redact: tuple[str, ...] = (), on_pending: Callable[[int], None] | None = None
) -> ApprovalService:
    """``approval_service``, opened."""
    service = approval_service(config, redact=redact, on_pending=on_pending)
    await service.open()
    return service


def __getattr__(name: str) -> object:
    if name == "approval_routes":  # imported lazily: only the HTTP server needs Starlette
        from portcullis.approvals.rest import approval_routes

        return approval_routes
    raise AttributeError(name)
