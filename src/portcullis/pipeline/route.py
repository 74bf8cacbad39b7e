"""Step 1, route: which server and which of its tools a ``tools/call`` names, with its arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portcullis.pipeline.guard import CallError
from portcullis.pipeline.names import Namer
from portcullis.protocol import INVALID_PARAMS

__all__ = ["Route", "route"]


@dataclass(frozen=True)
class Route:
    """Where a call goes: ``tool`` of ``server``, named ``exposed`` by the agent."""

    server: str
    tool: str
    exposed: str
    arguments: dict[str, Any]


def route(namer: Namer, params: dict[str, Any]) -> Route:
    """The call's route; a ``CallError`` when its arguments are not an object or no server has the name."""
    exposed: str = params["name"]
    arguments = params.get("arguments")
    if arguments is None:
        arguments = {}
    elif not isinstance(arguments, dict):
        raise CallError(INVALID_PARAMS, "tools/call params.arguments must be an object")
    found = namer.split(exposed)
    if found is None:
        raise CallError(INVALID_PARAMS, f"Unknown tool: {exposed}")
    server, tool = found
    return Route(server, tool, exposed, arguments)
