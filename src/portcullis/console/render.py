"""How a console page is answered: the Jinja2 templates (autoescaped, shipped in the package), the signed-in
operator a page needs (else back to sign-in), and the response headers every console answer carries."""

from __future__ import annotations

import time
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from portcullis._plumbing.isotime import iso
from portcullis.api.context import AdminContext
from portcullis.api.operators import Operator
from portcullis.config.model import Role
from portcullis.console.rows import tool_rows_html
from portcullis.console.session import COOKIE

__all__ = ["CSP", "page", "page_operator", "partial"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_env = Environment(loader=PackageLoader("portcullis.console", "templates"), autoescape=select_autoescape(default=True))


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def _num(value: float) -> str:
    """A count as a person reads it: ``3``, ``2.5`` (not ``3.0``)."""
    return f"{round(float(value), 2):g}"


_env.filters["json"] = _json
_env.filters["num"] = _num
_env.filters["age"] = _age
_env.globals["rows_html"] = tool_rows_html
_env.filters["iso"] = lambda t: iso(float(t)) if t is not None else ""


def _render(ctx: AdminContext, template: str, op: Operator | None, **values: Any) -> str:
    csrf = ctx.signer.csrf(op.session.nonce) if op is not None and op.session is not None else ""
    return _env.get_template(template).render(operator=op, csrf=csrf, now=time.time(), **values)


def page(
    ctx: AdminContext, request: Request, template: str, op: Operator | None, status: int = 200, **values: Any
) -> Response:
    """A whole page (``base.html`` around it)."""
    return HTMLResponse(_render(ctx, template, op, path=request.url.path, **values), status_code=status)


def partial(ctx: AdminContext, template: str, op: Operator | None, status: int = 200, **values: Any) -> Response:
    """A fragment htmx swaps into a page."""
    return HTMLResponse(_render(ctx, template, op, **values), status_code=status)


def page_operator(ctx: AdminContext, request: Request, role: Role = "viewer") -> Operator | Response:
    """The signed-in operator when their role allows ``role``; else sign-in (for a page) or the error."""
    found = ctx.auth.identify(request)
    htmx = request.headers.get("hx-request") == "true"
    if isinstance(found, Response):
        if found.status_code == 401:
            to = "/console/login?expired=1" if COOKIE in request.cookies else "/console/login"
            if htmx:
                return Response(status_code=401, headers={"HX-Redirect": to})
            return RedirectResponse(to, status_code=303)
        return (
            found
            if htmx
            else page(ctx, request, "denied.html", None, 403, message=orjson.loads(bytes(found.body))["error"])
        )
    if not found.may(role):
        message = f"'{found.name}' has the role {found.role}; this page needs {role} or above"
        return page(ctx, request, "denied.html", found, 403, message=message)
    return found
