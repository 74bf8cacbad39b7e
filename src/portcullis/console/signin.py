"""Signing in and out of the console with an admin token.

``GET /console/login`` sets a short-lived cookie with a random nonce and puts its CSRF token in the form
(no session exists yet, so the sign-in form is protected by this double submit). ``POST`` checks it, looks
the token up among the admin tokens in force (an agent key is refused, and told so), and sets the session
cookie: HttpOnly, SameSite=Strict, Path=/, 8 hours, and Secure when the request came over HTTPS.
``POST /console/logout`` (with the CSRF token) clears it.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portcullis.api.context import AdminContext
from portcullis.console.render import page
from portcullis.console.session import COOKIE, CSRF_FIELD, PRE_COOKIE
from portcullis.policy.grants import authenticate

__all__ = ["signin_routes"]

_PRE_SECONDS = 1800


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def signin_routes(ctx: AdminContext) -> list[Route]:
    def form(request: Request, message: str = "", status: int = 200) -> Response:
        nonce = secrets.token_urlsafe(16)
        if not message and request.query_params.get("expired"):
            message = "Your session ended (it expired, or its token was revoked): sign in again."
        enabled = bool(ctx.state.admin_tokens())
        response = page(
            ctx,
            request,
            "login.html",
            None,
            status,
            login_csrf=ctx.signer.csrf(nonce),
            message=message,
            enabled=enabled,
        )
        _cookie(response, request, PRE_COOKIE, nonce, _PRE_SECONDS)
        return response

    async def show(request: Request) -> Response:
        return form(request)

    async def sign_in(request: Request) -> Response:
        fields = await request.form()
        nonce = request.cookies.get(PRE_COOKIE, "")
        presented = fields.get(CSRF_FIELD)
        if not nonce or not isinstance(presented, str) or not ctx.signer.csrf_ok(nonce, presented):
            return form(request, "The sign-in form had expired or was not this site's: try again.", 403)
        token = fields.get("token")
        token = token.strip() if isinstance(token, str) else ""
        found = ctx.state.admin_tokens().find(token) if token else None
        if found is None:
            if token and authenticate(ctx.config.grants, token) is not None:
                return form(
                    request, "That is an agent key: agent keys cannot open the console. Use an admin token.", 403
                )
            return form(request, "Wrong admin token.", 401)
        cookie, _ = ctx.signer.issue(found)
        response = RedirectResponse("/console", status_code=303)
        _cookie(response, request, COOKIE, cookie, int(ctx.signer.lifetime))
        response.delete_cookie(PRE_COOKIE, path="/")
        return response

    async def sign_out(request: Request) -> Response:
        found = await ctx.auth.check(request, "viewer")
        if isinstance(found, Response) and found.status_code != 401:
            return found
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return [
        Route("/console/login", show, methods=["GET"]),
        Route("/console/login", sign_in, methods=["POST"]),
        Route("/console/logout", sign_out, methods=["POST"]),
    ]
