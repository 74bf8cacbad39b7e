"""``/api/v1/grants…``: list the grants (with their counters' use now), one grant's counters, create one (its
key in the answer, once), revoke one. Thin over ``api.grants``, which the console's grants page uses too
(and which shares ``policy.grant_file`` with ``portcullis keys``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portcullis.api import grants
from portcullis.api.context import AdminContext
from portcullis.api.guard import guarded_route, string_field
from portcullis.api.operators import Operator, error
from portcullis.approvals.rest import read_body
from portcullis.errors import PortcullisError

__all__ = ["grant_routes"]


async def _list(ctx: AdminContext, request: Request, op: Operator) -> Response:
    return JSONResponse(await grants.grant_rows(ctx))


async def _limits(ctx: AdminContext, request: Request, op: Operator) -> Response:
    try:
        return JSONResponse(await grants.grant_limits(ctx, request.path_params["name"]))
    except LookupError as exc:
        return error(404, str(exc))


async def _create(ctx: AdminContext, request: Request, op: Operator) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    force = body.get("force", False) in (True, "true", "1", "on")
    try:
        name, policy = string_field(body, "name"), string_field(body, "policy") or None
        made = await grants.create_grant(ctx, name, body.get("servers"), policy, force)
    except (ValueError, PortcullisError) as exc:
        return error(400, str(exc))
    return JSONResponse(made, status_code=201, headers={"HX-Trigger": "pc:grants", "Cache-Control": "no-store"})


async def _revoke(ctx: AdminContext, request: Request, op: Operator) -> Response:
    try:
        await grants.revoke_grant(ctx, request.path_params["name"])
    except LookupError as exc:
        return error(404, str(exc))
    except PortcullisError as exc:
        return error(400, str(exc))
    return JSONResponse({"revoked": request.path_params["name"]}, headers={"HX-Trigger": "pc:grants"})


def grant_routes(ctx: AdminContext) -> list[Route]:
    return [
        guarded_route(ctx, "/api/v1/grants", "viewer", _list),
        guarded_route(ctx, "/api/v1/grants", "admin", _create, "POST"),
        guarded_route(ctx, "/api/v1/grants/{name}", "admin", _revoke, "DELETE"),
        guarded_route(ctx, "/api/v1/grants/{name}/limits", "viewer", _limits),
    ]
