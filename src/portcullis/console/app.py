"""Assemble the console and the admin API for a running gateway: one list of Starlette routes to mount.

Every answer under ``/console`` and ``/api/v1`` passes ``SecurityHeaders``: a strict Content-Security-Policy
(scripts, styles and connections from this origin only; no inline script or style; no frames), no
sniffing, no referrer to other sites, and no caching of pages. Requests whose ``Origin`` or ``Host`` is not this
gateway's are refused (DNS rebinding), as for ``/mcp``. Static files (htmx, the console's script and
stylesheet) are package data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute, Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portcullis.api import GatewayState, admin_context
from portcullis.api.context import AdminContext
from portcullis.api.routes import api_routes
from portcullis.console.builder import builder_routes
from portcullis.console.pages import page_routes
from portcullis.console.render import CSP
from portcullis.console.signin import signin_routes

__all__ = ["API_TWINS", "SESSION_ONLY", "SecurityHeaders", "console_app", "console_routes"]

STATIC = Path(__file__).resolve().parent / "static"

# Every route a console form posts to, and the /api/v1 operations that do the same over the same service
# function (a script can do all a page does). ``tests/console/test_parity.py`` checks each console POST route
# is here, and each operation is in the OpenAPI document; the pages' other actions post to /api/v1 directly.
API_TWINS: dict[str, tuple[tuple[str, str], ...]] = {
    "/console/policy/draft": (  # step=check | apply | recommended | current
        ("post", "/api/v1/policy/check"),
        ("post", "/api/v1/policy/edit"),
        ("get", "/api/v1/policy/recommended"),
        ("get", "/api/v1/policy"),
    ),
    "/console/policy/explain": (("post", "/api/v1/policy/explain"),),
    "/console/policy/replay": (("post", "/api/v1/policy/replay"),),
    "/console/policy/save": (("put", "/api/v1/policy"),),
    "/console/grants": (("post", "/api/v1/grants"),),
}
# Signing in and out makes or ends a browser's session; scripts send their admin token on every request.
SESSION_ONLY = ("/console/login", "/console/logout")
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # not "no-referrer": browsers would then send "Origin: null"
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the console's security headers; refuses requests from another origin or for another host."""

    def __init__(self, app: ASGIApp, allows: Callable[[dict[bytes, bytes]], bool]) -> None:
        self.app = app
        self.allows = allows

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(("/console", "/api/")) and not self.allows(dict(scope["headers"])):
            body = b'{"error": "origin or host not allowed (DNS rebinding protection); add it to allowed_origins"}'
            await send(
                {"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        static = scope["path"].startswith("/console/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += _HEADERS
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def console_routes(ctx: AdminContext) -> list[BaseRoute]:
    """The routes of ``/console`` and ``/api/v1`` (and ``/api/approvals``, ``/approvals/callback``)."""
    return [
        *signin_routes(ctx),
        *page_routes(ctx),
        *builder_routes(ctx),
        *api_routes(ctx),
        Mount("/console/static", app=StaticFiles(directory=STATIC), name="console-static"),
    ]


def console_app(state: GatewayState, allows: Callable[[dict[bytes, bytes]], bool], extra: list[Any]) -> ASGIApp:
    """One ASGI app: the console, the admin API and ``extra`` routes (``/metrics``), behind the headers."""
    ctx = admin_context(state)
    return SecurityHeaders(Router(routes=[*extra, *console_routes(ctx)]), allows)
