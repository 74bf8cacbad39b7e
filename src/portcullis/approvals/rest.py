"""HTTP endpoints for approvers: a REST API (for the console and scripts) and the webhook's signed links.

REST, each request with ``Authorization: Bearer <admin token>`` (``portcullis admin-token create NAME
--role viewer|approver|admin`` mints one; the config holds its SHA-256 under ``admin_tokens``, or the
older ``admin_token_sha256``; without any the API answers 403) — or, in a running gateway, the console's
session cookie (``api.operators``). Reading needs the role ``viewer``, deciding ``approver``; a decision
without an ``approver`` in its body is made in the token's name. The API lives under ``/api/v1/approvals``;
``/api/approvals`` is the same API under its first name (there a denial may come without a comment):

- ``GET  /api/v1/approvals?status=pending&limit=100`` — a list as ``approvals list --json`` prints;
- ``GET  /api/v1/approvals/{id}`` — one request;
- ``POST /api/v1/approvals/{id}/approve`` — body ``{"comment": "...", "for": "1h", "approver": "alice"}``;
- ``POST /api/v1/approvals/{id}/deny`` — body ``{"comment": "why", "approver": "alice"}``: the comment is
  required (the agent reads it).
Bodies are JSON or a form (``application/x-www-form-urlencoded``, as the console's htmx sends them).
Errors: 401/403 (token), 404 (no such request), 409 (already decided or expired), 400 (bad body).

Links: ``GET /approvals/callback?token=…`` shows the request and a confirmation button (link scanners
and chat unfurlers that fetch URLs cannot decide anything); the button POSTs the token back, which
decides the request. A token works once: the request is then decided, and every later use gets 410.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from portcullis._plumbing.durations import parse_duration
from portcullis.approvals.links import InvalidToken, read_token
from portcullis.approvals.model import Approval
from portcullis.approvals.service import ApprovalService
from portcullis.config.model import AdminTokenConfig, Role
from portcullis.errors import ApprovalClosed, ApprovalNotFound
from portcullis.policy.operators import AdminTokens, role_allows

__all__ = ["Authorize", "approval_routes", "read_body"]

_STATUSES = ("pending", "approved", "denied", "expired")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


Authorize = Callable[[Request, Role], Awaitable["_Named | Response"]]
"""Who may: the operator (anything with a ``name``) when the request may act as ``role``, else the error."""


async def read_body(request: Request) -> dict[str, Any] | Response:
    """A request's JSON object or form fields (empty when there is no body), or a 400 response."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    raw = await request.body()
    try:
        body: Any = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return _error(400, "the body must be JSON")
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    return body


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _operator(request: Request, tokens: AdminTokens, needed: Role) -> AdminTokenConfig | Response:
    """The admin token the request carries, when its role allows ``needed``; otherwise the error response."""
    if not tokens:
        return _error(
            403,
            "the approvals API is disabled: create an admin token with 'portcullis admin-token "
            "create NAME --role approver' (or set admin_token_sha256 in the config)",
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(401, "send the admin token as 'Authorization: Bearer <token>'")
    found = tokens.find(token)
    if found is None:
        return _error(403, "wrong admin token")
    if not role_allows(found.role, needed):
        return _error(403, f"admin token '{found.name}' has the role {found.role}; this needs {needed} or above")
    return found


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A signed link's page: no inline style or script (the console's strict CSP covers it); it takes the
    console's stylesheet, served by the same gateway."""
    doc = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<meta name='robots' content='noindex'><link rel='stylesheet' href='/console/static/console.css'></head>"
        f"<body class='callback'><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(doc, status_code=status, headers=headers)


def _describe(a: Approval) -> str:
    args = html.escape(orjson.dumps(a.arguments, option=orjson.OPT_INDENT_2).decode())
    return (
        f"<p>Grant <b>{html.escape(a.grant or '-')}</b> asks to call <b>{html.escape(a.server)}</b> / "
        f"<b>{html.escape(a.tool)}</b> (request <code>{html.escape(a.id)}</code>).</p><pre>{args}</pre>"
    )


def _token_check(admin_tokens: str | Callable[[], AdminTokens] | None) -> Authorize:
    """``Authorize`` by ``Authorization: Bearer`` only, against these tokens (or one admin token's SHA-256)."""
    tokens: Callable[[], AdminTokens]
    if callable(admin_tokens):
        tokens = admin_tokens
    else:
        fixed = AdminTokens.single(admin_tokens)

        def tokens() -> AdminTokens:
            return fixed

    async def check(request: Request, needed: Role) -> _Named | Response:
        return _operator(request, tokens(), needed)

    return check


def approval_routes(
    service: ApprovalService,
    admin_tokens: str | Callable[[], AdminTokens] | None,
    link_secret: str | None = None,
    *,
    authorize: Authorize | None = None,
) -> list[Route]:
    """The Starlette routes; ``admin_tokens`` gives the tokens in force (or is the SHA-256 of a single admin
    token) unless ``authorize`` decides who may; ``link_secret`` defaults to the webhook secret (links are off
    without one)."""
    secret = link_secret or (service.settings.webhook.secret if service.settings.webhook else None)
    check = authorize or _token_check(admin_tokens)

    async def _authorized(request: Request, needed: Role = "viewer") -> Response | None:
        found = await check(request, needed)
        return found if isinstance(found, Response) else None

    async def list_approvals(request: Request) -> Response:
        if (denied := await _authorized(request)) is not None:
            return denied
        status = request.query_params.get("status")
        if status is not None and status not in _STATUSES:
            return _error(400, f"status must be one of {', '.join(_STATUSES)}")
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return _error(400, "limit must be a whole number")
        now = service.clock()
        items = await service.list(status, max(1, min(limit, 1000)))
        return JSONResponse([a.public(now) for a in items])

    async def show(request: Request) -> Response:
        if (denied := await _authorized(request)) is not None:
            return denied
        approval = await service.get(request.path_params["id"])
        if approval is None:
            return _error(404, f"no approval request '{request.path_params['id']}'")
        return JSONResponse(approval.public(service.clock()))

    async def decide(request: Request) -> Response:
        operator = await check(request, "approver")
        if isinstance(operator, Response):
            return operator
        if request.path_params["action"] not in ("approve", "deny"):
            return _error(404, "use /approve or /deny")
        approve = request.path_params["action"] == "approve"
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        comment, duration = body.get("comment", ""), body.get("for") or None
        approver = body.get("approver") or f"api:{operator.name}"
        if not isinstance(comment, str) or not isinstance(approver, str):
            return _error(400, "'comment' and 'approver' must be strings")
        if not approve and not comment.strip() and request.url.path.startswith("/api/v1/"):
            return _error(400, "a denial needs a comment: say why (the agent reads it)")
        for_seconds = None
        if duration is not None and duration != "once":
            if not approve:
                return _error(400, "'for' applies to approvals only")
            try:
                for_seconds = parse_duration(duration)
            except ValueError as exc:
                return _error(400, str(exc))
        try:
            approval = await service.decide(request.path_params["id"], approve, approver, comment, for_seconds)
        except ApprovalNotFound as exc:
            return _error(404, exc.message)
        except ApprovalClosed as exc:
            return _error(409, exc.message)
        return JSONResponse(approval.public(service.clock()), headers={"HX-Trigger": "pc:approvals"})

    async def callback(request: Request) -> Response:
        if secret is None:
            return _page("Links are disabled", "<p>No webhook secret is configured.</p>", 404)
        token = request.query_params.get("token", "")
        if request.method == "POST" and not token:
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            token = (form.get("token") or [""])[0]
        try:
            approval_id, action = read_token(secret, token, service.clock())
        except InvalidToken as exc:
            return _page("Invalid link", f"<p>{html.escape(str(exc))}.</p>", 403)
        approval = await service.get(approval_id)
        if approval is None:
            return _page("Unknown request", "<p>This approval request no longer exists.</p>", 404)
        status = approval.effective_status(service.clock())
        if status != "pending":
            return _page(
                "Already decided",
                f"<p>Request <code>{html.escape(approval_id)}</code> is already "
                f"{html.escape(status)}; this link cannot be used again.</p>",
                410,
            )
        verb = "Approve" if action == "approve" else "Deny"
        if request.method == "GET":
            form_html = (
                f"<form method='post'><input type='hidden' name='token' value='{html.escape(token)}'>"
                f"<button type='submit'>{verb} this call</button></form>"
            )
            return _page(f"{verb} this call?", _describe(approval) + form_html)
        try:
            await service.decide(approval_id, action == "approve", "webhook-link", "")
        except ApprovalClosed as exc:
            return _page("Already decided", f"<p>{html.escape(exc.message)}.</p>", 410)
        done = "approved" if action == "approve" else "denied"
        return _page(f"Request {done}", _describe(approval) + f"<p>The call is {done}.</p>")

    routes = []
    for base in ("/api/v1/approvals", "/api/approvals"):
        routes += [
            Route(base, list_approvals, methods=["GET"]),
            Route(base + "/{id}", show, methods=["GET"]),
            Route(base + "/{id}/{action:str}", decide, methods=["POST"]),
        ]
    return [*routes, Route("/approvals/callback", callback, methods=["GET", "POST"])]
