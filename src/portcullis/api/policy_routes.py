"""``/api/v1/policy…``: the live policy, and everything the policy builder does to a draft — check (and diff),
set a rule on tools, start from the recommendation, explain a sample call, replay over the audit trail,
save (refused when invalid, 409 when the file changed meanwhile). Thin: each calls ``api.policy`` or
``api.policy_draft``, the services the console's builder calls too.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from portcullis.api import policy, policy_draft
from portcullis.api.context import AdminContext
from portcullis.api.guard import guarded_route, string_field
from portcullis.api.operators import Operator, error
from portcullis.approvals.rest import read_body
from portcullis.errors import ConfigError, PortcullisError

__all__ = ["policy_routes"]


async def _live(ctx: AdminContext, request: Request, op: Operator) -> Response:
    try:
        live = policy.current_policy(ctx)
    except PortcullisError as exc:
        return error(404, str(exc))
    if request.query_params.get("format") == "raw":
        disposition = f'attachment; filename="{live.path.name}"'
        return PlainTextResponse(live.text, headers={"Content-Disposition": disposition})
    check = policy.check_text(live.text, str(live.path), policy.approved_tools(ctx), ctx.config.servers)
    return JSONResponse({"file": str(live.path), "version": live.version, "text": live.text, "check": check})


async def _recommended(ctx: AdminContext, request: Request, op: Operator) -> Response:
    tool = request.query_params.get("tool", "").strip()
    if not tool:
        return JSONResponse({"text": policy.recommended_text(ctx)})
    try:
        return JSONResponse({"tools": policy.recommended_entry(ctx, tool)})
    except LookupError as exc:
        return error(404, f"no {exc}")


async def _check(ctx: AdminContext, request: Request, op: Operator) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        return JSONResponse(policy.check_draft(ctx, string_field(body, "text")))
    except (ValueError, PortcullisError) as exc:
        return error(400, str(exc))


async def _edit(ctx: AdminContext, request: Request, op: Operator) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    names = body.get("tools")
    if isinstance(names, str):  # one tool, as a form sends it
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return error(400, "'tools' must be a list of tool names (server__tool)")
    try:
        text = policy_draft.apply_edit(string_field(body, "text"), names, policy_draft.RuleEdit.of(body))
    except ValueError as exc:
        return error(400, str(exc))
    return JSONResponse({"text": text})


async def _explain(ctx: AdminContext, request: Request, op: Operator) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        grant = string_field(body, "grant") or None
        text, tool = string_field(body, "text"), string_field(body, "tool")
        return JSONResponse(policy.explain(ctx, text, tool, body.get("arguments", {}), grant))
    except (ValueError, PortcullisError) as exc:
        return error(400, str(exc))


async def _replay(ctx: AdminContext, request: Request, op: Operator) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        fields = {k: string_field(body, k) for k in ("since", "until", "grant", "server") if k in body}
        return JSONResponse(await policy.replay(ctx, string_field(body, "text"), **fields))
    except (ValueError, PortcullisError) as exc:
        return error(400, str(exc))


async def _save(ctx: AdminContext, request: Request, op: Operator) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        result = await policy.save_policy(ctx, string_field(body, "text"), string_field(body, "version"), op.name)
    except policy.ConcurrentEdit as exc:
        return error(409, str(exc))
    except ConfigError as exc:
        problems = [{"line": p.line, "path": p.path, "message": p.message} for p in exc.problems]
        return JSONResponse({"error": "the policy is not valid; nothing was saved", "problems": problems}, 400)
    except (ValueError, PortcullisError) as exc:
        return error(400, str(exc))
    return JSONResponse(result, headers={"HX-Trigger": "pc:policy"})


def policy_routes(ctx: AdminContext) -> list[Route]:
    return [
        guarded_route(ctx, "/api/v1/policy", "viewer", _live),
        guarded_route(ctx, "/api/v1/policy", "admin", _save, "PUT"),
        guarded_route(ctx, "/api/v1/policy/recommended", "viewer", _recommended),
        guarded_route(ctx, "/api/v1/policy/check", "viewer", _check, "POST"),
        guarded_route(ctx, "/api/v1/policy/edit", "viewer", _edit, "POST"),
        guarded_route(ctx, "/api/v1/policy/explain", "viewer", _explain, "POST"),
        guarded_route(ctx, "/api/v1/policy/replay", "viewer", _replay, "POST"),
    ]
