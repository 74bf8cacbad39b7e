"""``/api/v1``: the admin API in JSON — everything the console's pages do, for scripts too.

Each route checks the operator first (``api.operators``: an admin token, or the console's session with
its CSRF token; never an agent key) and then calls the service it stands for; ``api.openapi`` describes
them all at ``/api/v1/openapi.json``. Approvals keep their routes in ``approvals.rest`` (also served at
their first address, ``/api/approvals``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from portcullis.api import audit as audit_api
from portcullis.api import catalogue, grants, overview, policy, policy_draft
from portcullis.api.context import AdminContext
from portcullis.api.openapi import openapi_document
from portcullis.api.operators import Operator, error
from portcullis.approvals.rest import approval_routes, read_body
from portcullis.config.model import Role
from portcullis.errors import ConfigError, PortcullisError

__all__ = ["api_routes"]

Handler = Callable[[Request, Operator], Awaitable[Response]]


def _guarded(ctx: AdminContext, role: Role, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        found = await ctx.auth.check(request, role)
        if isinstance(found, Response):
            return found
        return await handler(request, found)

    return endpoint


def _string(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string")
    return value


def api_routes(ctx: AdminContext) -> list[BaseRoute]:
    """Every route of ``/api/v1`` (and the approvals API's first address), bound to ``ctx``."""

    async def get_overview(request: Request, op: Operator) -> Response:
        return JSONResponse(await overview.overview(ctx))

    async def list_tools(request: Request, op: Operator) -> Response:
        rows, total = await catalogue.tool_rows(ctx, catalogue.ToolFilter.of(request.query_params))
        return JSONResponse({"total": total, "tools": [r.as_json() for r in rows]})

    async def show_tool(request: Request, op: Operator) -> Response:
        detail = await catalogue.tool_detail(ctx, request.path_params["server"], request.path_params["tool"])
        if detail is None:
            return error(404, f"no tool '{request.path_params['tool']}' on server '{request.path_params['server']}'")
        return JSONResponse(detail)

    async def approve_tool(request: Request, op: Operator) -> Response:
        try:
            n = await catalogue.approve_tool(ctx, request.path_params["server"], request.path_params["tool"], op.name)
        except LookupError as exc:
            return error(404, str(exc))
        return JSONResponse({"approved": n}, headers={"HX-Trigger": "pc:catalog"})

    async def get_policy(request: Request, op: Operator) -> Response:
        try:
            live = policy.current_policy(ctx)
        except PortcullisError as exc:
            return error(404, str(exc))
        if request.query_params.get("format") == "raw":
            disposition = f'attachment; filename="{live.path.name}"'
            return PlainTextResponse(live.text, headers={"Content-Disposition": disposition})
        check = policy.check_text(live.text, str(live.path), policy.approved_tools(ctx))
        return JSONResponse({"file": str(live.path), "version": live.version, "text": live.text, "check": check})

    async def check_draft(request: Request, op: Operator) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        try:
            text = _string(body, "text")
            live = policy.current_policy(ctx)
        except (ValueError, PortcullisError) as exc:
            return error(400, str(exc))
        check = policy.check_text(text, str(live.path), policy.approved_tools(ctx))
        return JSONResponse({**check, "diff": policy.diff_text(live.text, text, live.path.name)})

    async def edit_draft(request: Request, op: Operator) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        names = body.get("tools")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not names:
            return error(400, "'tools' must be a non-empty list of tool names (server__tool)")
        try:
            text = policy_draft.apply_edit(_string(body, "text"), names, policy_draft.RuleEdit.of(body))
        except ValueError as exc:
            return error(400, str(exc))
        return JSONResponse({"text": text})

    async def explain(request: Request, op: Operator) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        arguments = body.get("arguments", {})
        try:
            if isinstance(arguments, str):
                arguments = orjson.loads(arguments or "{}")
            if not isinstance(arguments, dict):
                raise ValueError("'arguments' must be a JSON object")
            text = _string(body, "text") or policy.current_policy(ctx).text
            result = policy.explain(ctx, text, _string(body, "tool"), arguments, _string(body, "grant") or None)
        except (ValueError, PortcullisError, orjson.JSONDecodeError) as exc:
            return error(400, str(exc))
        return JSONResponse(result)

    async def save(request: Request, op: Operator) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        try:
            result = await policy.save_policy(ctx, _string(body, "text"), _string(body, "version"), op.name)
        except policy.ConcurrentEdit as exc:
            return error(409, str(exc))
        except ConfigError as exc:
            problems = [{"line": p.line, "path": p.path, "message": p.message} for p in exc.problems]
            return JSONResponse({"error": "the policy is not valid; nothing was saved", "problems": problems}, 400)
        except (ValueError, PortcullisError) as exc:
            return error(400, str(exc))
        return JSONResponse(result, headers={"HX-Trigger": "pc:policy"})

    async def list_audit(request: Request, op: Operator) -> Response:
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

    async def show_audit(request: Request, op: Operator) -> Response:
        record = await audit_api.audit_record(ctx, request.path_params["id"])
        if record is None:
            return error(404, f"no audit record {request.path_params['id']}")
        return JSONResponse(record)

    async def list_grants(request: Request, op: Operator) -> Response:
        return JSONResponse(await grants.grant_rows(ctx))

    async def create_grant(request: Request, op: Operator) -> Response:
        body = await read_body(request)
        if isinstance(body, Response):
            return body
        servers = body.get("servers")
        if isinstance(servers, str):
            servers = [s.strip() for s in servers.split(",") if s.strip()]
        try:
            made = await grants.create_grant(ctx, _string(body, "name"), servers, _string(body, "policy") or None)
        except (ValueError, PortcullisError) as exc:
            return error(400, str(exc))
        return JSONResponse(made, status_code=201, headers={"HX-Trigger": "pc:grants", "Cache-Control": "no-store"})

    async def revoke_grant(request: Request, op: Operator) -> Response:
        try:
            await grants.revoke_grant(ctx, request.path_params["name"])
        except LookupError as exc:
            return error(404, str(exc))
        except PortcullisError as exc:
            return error(400, str(exc))
        return JSONResponse({"revoked": request.path_params["name"]}, headers={"HX-Trigger": "pc:grants"})

    async def events(request: Request, op: Operator) -> Response:
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(ctx.hub.stream(), media_type="text/event-stream", headers=headers)

    async def spec(request: Request) -> Response:
        return JSONResponse(openapi_document())

    def r(path: str, role: Role, handler: Handler, method: str = "GET") -> Route:
        return Route(path, _guarded(ctx, role, handler), methods=[method])

    approvals = (
        approval_routes(ctx.state.approvals, ctx.state.admin_tokens, authorize=ctx.auth.check)
        if ctx.state.approvals is not None
        else []
    )
    return [
        Route("/api/v1/openapi.json", spec, methods=["GET"]),
        r("/api/v1/overview", "viewer", get_overview),
        r("/api/v1/events", "viewer", events),
        r("/api/v1/tools", "viewer", list_tools),
        r("/api/v1/tools/{server}/{tool}", "viewer", show_tool),
        r("/api/v1/tools/{server}/{tool}/approve", "admin", approve_tool, "POST"),
        r("/api/v1/policy", "viewer", get_policy),
        r("/api/v1/policy", "admin", save, "PUT"),
        r("/api/v1/policy/check", "viewer", check_draft, "POST"),
        r("/api/v1/policy/edit", "viewer", edit_draft, "POST"),
        r("/api/v1/policy/explain", "viewer", explain, "POST"),
        r("/api/v1/audit", "viewer", list_audit),
        r("/api/v1/audit/{id:int}", "viewer", show_audit),
        r("/api/v1/grants", "viewer", list_grants),
        r("/api/v1/grants", "admin", create_grant, "POST"),
        r("/api/v1/grants/{name}", "admin", revoke_grant, "DELETE"),
        *approvals,
    ]


def _attach(ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="portcullis-audit.{ext}"'}
