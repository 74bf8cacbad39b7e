"""What every route of ``/api/v1`` does first: check the operator (``api.operators``) for the role it needs,
then call its handler with them; and how a handler reads a string field of a body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portcullis.api.context import AdminContext
from portcullis.api.operators import Operator
from portcullis.config.model import Role

__all__ = ["Handler", "guarded_route", "string_field"]

Handler = Callable[[AdminContext, Request, Operator], Awaitable[Response]]


def guarded_route(ctx: AdminContext, path: str, role: Role, handler: Handler, method: str = "GET") -> Route:
    """A route that answers with the operator check's error, or calls ``handler`` with ``ctx`` and the operator."""

    async def endpoint(request: Request) -> Response:
        found = await ctx.auth.check(request, role)
        if isinstance(found, Response):
            return found
        return await handler(ctx, request, found)

    return Route(path, endpoint, methods=[method])


def string_field(body: dict[str, Any], name: str, default: str = "") -> str:
    """``body[name]`` when it is a string (``default`` when absent). Raises ``ValueError`` otherwise."""
    value = body.get(name, default)
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string")
    return value
