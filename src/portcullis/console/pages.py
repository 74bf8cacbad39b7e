"""The console's pages and the fragments htmx refreshes: thin over the services of ``portcullis.api``.

Each page has a full view (``/console/<page>``) and a fragment of its live part (``…/rows``) that the page
reloads on the matching server event (``pc:approvals``, ``pc:audit``, …). Actions go to ``/api/v1``
(approve, deny, approve a definition or keep it blocked, revoke a grant); creating a grant posts here
because the answer is the key, shown once in the page — over ``api.grants.create_grant``, the service of
``POST /api/v1/grants``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portcullis.api import audit as audit_api
from portcullis.api import catalogue, grants, overview
from portcullis.api.context import AdminContext
from portcullis.api.operators import Operator
from portcullis.approvals.model import Approval
from portcullis.audit.record import DECISIONS, OUTCOMES
from portcullis.console.render import page, page_operator, partial
from portcullis.errors import PortcullisError

__all__ = ["page_routes"]

_DURATIONS = (
    ("once", "this call once"),
    ("15m", "15 minutes"),
    ("1h", "1 hour"),
    ("8h", "8 hours"),
    ("24h", "24 hours"),
)


def _risk(ctx: AdminContext, a: Approval) -> dict[str, str]:
    entry = ctx.state.catalog.entry(a.server, a.tool) if ctx.state.catalog is not None else None
    if entry is None:
        return {"level": "unknown", "category": "unknown"}
    return {"level": entry.classification.level, "category": entry.classification.category}


async def _approvals(ctx: AdminContext, tab: str) -> list[dict[str, Any]]:
    service = ctx.state.approvals
    if service is None:
        return []
    now = service.clock()
    items = await service.list("pending" if tab == "pending" else None, 500)
    if tab != "pending":
        items = [a for a in items if a.effective_status(now) != "pending"]
    return [
        {
            "a": a,
            "public": a.public(now),
            "risk": _risk(ctx, a),
            "age": now - a.requested_at,
            "left": a.expires_at - now,
        }
        for a in items
    ]


def page_routes(ctx: AdminContext) -> list[Route]:
    async def home(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        return page(ctx, request, "overview.html", op, view=await overview.overview(ctx))

    async def overview_rows(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        return partial(ctx, "_overview.html", op, view=await overview.overview(ctx))

    async def approvals(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        tab = "history" if request.query_params.get("tab") == "history" else "pending"
        rows = await _approvals(ctx, tab)
        return page(ctx, request, "approvals.html", op, tab=tab, rows=rows, durations=_DURATIONS)

    async def approval_rows(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        tab = "history" if request.query_params.get("tab") == "history" else "pending"
        return partial(ctx, "_approvals.html", op, tab=tab, rows=await _approvals(ctx, tab), durations=_DURATIONS)

    async def tools(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        flt = catalogue.ToolFilter.of(request.query_params)
        rows, total = await catalogue.tool_rows(ctx, flt)
        servers = sorted(ctx.config.servers)
        values: dict[str, Any] = {
            "rows": rows,
            "total": total,
            "flt": flt,
            "servers": servers,
            "decisions": catalogue.DECISIONS,
        }
        if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "tool-rows":
            return partial(ctx, "_tools.html", op, **values)
        return page(ctx, request, "tools.html", op, pins=catalogue.PIN_STATES, **values)

    async def tool(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        server, name = request.path_params["server"], request.path_params["tool"]
        detail = await catalogue.tool_detail(ctx, server, name)
        if detail is None:
            return page(ctx, request, "missing.html", op, 404, what=f"tool '{name}' of server '{server}'")
        return page(ctx, request, "tool.html", op, t=detail)

    async def audit(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        try:
            filters = audit_api.audit_filters(request.query_params, ctx.clock())
            problem = ""
        except ValueError as exc:
            filters, problem = {"limit": 100}, str(exc)
        records = await audit_api.read_audit(ctx, filters)
        records.reverse()  # newest first on the page
        query = urlencode([(k, v) for k, v in request.query_params.multi_items() if v and k != "format"])
        values: dict[str, Any] = {"records": records, "problem": problem, "query": query}
        if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "audit-rows":
            return partial(ctx, "_audit.html", op, **values)
        params = {k: request.query_params.get(k, "") for k in (*audit_api.STRING_FILTERS, "since", "until")}
        return page(ctx, request, "audit.html", op, params=params, decisions=DECISIONS, outcomes=OUTCOMES, **values)

    async def audit_record(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        record = await audit_api.audit_record(ctx, request.path_params["id"])
        if record is None:
            return page(ctx, request, "missing.html", op, 404, what=f"audit record {request.path_params['id']}")
        return page(ctx, request, "audit_record.html", op, r=record)

    async def grant_list(request: Request) -> Response:
        op = page_operator(ctx, request)
        if isinstance(op, Response):
            return op
        rows = await grants.grant_rows(ctx)
        if request.headers.get("hx-request") == "true":
            return partial(ctx, "_grants.html", op, rows=rows)
        return page(ctx, request, "grants.html", op, rows=rows, servers=sorted(ctx.config.servers))

    async def grant_create(request: Request) -> Response:
        op = await ctx.auth.check(request, "admin")
        if isinstance(op, Response):
            return op
        assert isinstance(op, Operator)
        form = await request.form()
        name, policy = str(form.get("name") or ""), str(form.get("policy") or "").strip() or None
        try:  # the service of POST /api/v1/grants: the same checks, the same words
            made = await grants.create_grant(ctx, name, [str(s) for s in form.getlist("servers")], policy)
        except PortcullisError as exc:
            return partial(ctx, "_grant_made.html", op, error=str(exc))
        response = partial(ctx, "_grant_made.html", op, made=made)
        response.headers["HX-Trigger"] = "pc:grants"
        response.headers["Cache-Control"] = "no-store"
        return response

    return [
        Route("/console", home, methods=["GET"]),
        Route("/console/", home, methods=["GET"]),
        Route("/console/overview/rows", overview_rows, methods=["GET"]),
        Route("/console/approvals", approvals, methods=["GET"]),
        Route("/console/approvals/rows", approval_rows, methods=["GET"]),
        Route("/console/tools", tools, methods=["GET"]),
        Route("/console/tools/{server}/{tool}", tool, methods=["GET"]),
        Route("/console/audit", audit, methods=["GET"]),
        Route("/console/audit/{id:int}", audit_record, methods=["GET"]),
        Route("/console/grants", grant_list, methods=["GET"]),
        Route("/console/grants", grant_create, methods=["POST"]),
    ]
