"""``/api/v1``: the admin API in JSON — everything the console's pages do, for scripts too.

Each route checks the operator first (``api.guard`` over ``api.operators``: an admin token, or the console's
session with its CSRF token; never an agent key) and then calls the service it stands for — the same
function the console's page calls; ``api.openapi`` describes them all at ``/api/v1/openapi.json``. Here:
the overview, the event stream, the catalogue and the audit trail; the policy's routes are in
``api.policy_routes``, the grants' in ``api.grant_routes``, the approvals' in ``approvals.rest`` (also
served at their first address, ``/api/approvals``).
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from portcullis.api import audit as audit_api
from portcullis.api import catalogue, overview
from portcullis.api.context import AdminContext
from portcullis.api.grant_routes import grant_routes
from portcullis.api.guard import guarded_route
from portcullis.api.openapi import openapi_document
from portcullis.api.operators import Operator, error
from portcullis.api.policy_routes import policy_routes
from portcullis.approvals.rest import approval_routes

__all__ = ["api_routes"]


async def _overview(ctx: AdminContext, request: Request, op: Operator) -> Response:
    return JSONResponse(await overview.overview(ctx))


async def _events(ctx: AdminContext, request: Request, op: Operator) -> Response:
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(ctx.hub.stream(), media_type="text/event-stream", headers=headers)


async def _tools(ctx: AdminContext, request: Request, op: Operator) -> Response:
    rows, total = await catalogue.tool_rows(ctx, catalogue.ToolFilter.of(request.query_params))
    return JSONResponse({"total": total, "tools": [r.as_json() for r in rows]})


async def _tool(ctx: AdminContext, request: Request, op: Operator) -> Response:
    server, name = request.path_params["server"], request.path_params["tool"]
    detail = await catalogue.tool_detail(ctx, server, name)
    if detail is None:
        return error(404, f"no tool '{name}' on server '{server}'")
    return JSONResponse(detail)


async def _approve_tool(ctx: AdminContext, request: Request, op: Operator) -> Response:
    try:
        n = await catalogue.approve_tool(ctx, request.path_params["server"], request.path_params["tool"], op.name)
    except LookupError as exc:
        return error(404, str(exc))
    return JSONResponse({"approved": n}, headers={"HX-Trigger": "pc:catalog"})


async def _keep_blocked(ctx: AdminContext, request: Request, op: Operator) -> Response:
    server, name = request.path_params["server"], request.path_params["tool"]
    try:
        kept = await catalogue.keep_blocked(ctx, server, name, op.name)
    except LookupError as exc:
        return error(404, str(exc))
    except ValueError as exc:
        return error(409, str(exc))
    said = f"Kept blocked: {kept['tool']} stays refused; the audit trail records that {op.name} decided so."
    return JSONResponse(kept, headers={"HX-Trigger": orjson.dumps({"pc:done": said}).decode()})


async def _audit(ctx: AdminContext, request: Request, op: Operator) -> Response:
    try:
        filters = audit_api.audit_filters(request.query_params, ctx.clock())
    except ValueError as exc:
        return error(400, str(exc))
    records = await audit_api.read_audit(ctx, filters)
    kind = request.query_params.get("format", "json")
    if kind == "jsonl":
        return Response(audit_api.to_jsonl(records), media_type="application/x-ndjson", headers=_attach("jsonl"))
    if kind == "csv":
        return Response(audit_api.to_csv(records), media_type="text/csv", headers=_attach("csv"))
    return JSONResponse(records)


async def _audit_record(ctx: AdminContext, request: Request, op: Operator) -> Response:
    record = await audit_api.audit_record(ctx, request.path_params["id"])
    if record is None:
        return error(404, f"no audit record {request.path_params['id']}")
    return JSONResponse(record)


async def _spec(request: Request) -> Response:
    return JSONResponse(openapi_document())


def api_routes(ctx: AdminContext) -> list[BaseRoute]:
    """Every route of ``/api/v1`` (and the approvals API's first address), bound to ``ctx``."""
    approvals = (
        approval_routes(ctx.state.approvals, ctx.state.admin_tokens, authorize=ctx.auth.check)
        if ctx.state.approvals is not None
        else []
    )
    tool = "/api/v1/tools/{server}/{tool}"
    return [
        Route("/api/v1/openapi.json", _spec, methods=["GET"]),
        guarded_route(ctx, "/api/v1/overview", "viewer", _overview),
        guarded_route(ctx, "/api/v1/events", "viewer", _events),
        guarded_route(ctx, "/api/v1/tools", "viewer", _tools),
        guarded_route(ctx, tool, "viewer", _tool),
        guarded_route(ctx, f"{tool}/approve", "admin", _approve_tool, "POST"),
        guarded_route(ctx, f"{tool}/keep-blocked", "admin", _keep_blocked, "POST"),
        *policy_routes(ctx),
        guarded_route(ctx, "/api/v1/audit", "viewer", _audit),
        guarded_route(ctx, "/api/v1/audit/{id:int}", "viewer", _audit_record),
        *grant_routes(ctx),
        *approvals,
    ]


def _attach(ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="portcullis-audit.{ext}"'}
