"""Run a low-level ``mcp`` Server over stdio, Streamable HTTP or legacy HTTP+SSE.

Shared by the demo upstream and the fixture servers in ``tests/servers/``: each of them builds a
``Server`` and hands it to :func:`main`, which reads ``--http PORT`` / ``--sse PORT`` from the
command line (default: stdio). HTTP binds 127.0.0.1 only; one endpoint serves both protocol eras.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

import anyio
import uvicorn
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.sse import SseServerTransport
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

__all__ = ["LOCALHOST", "ListChangedServer", "main", "run_sse", "run_stdio", "run_streamable_http", "sse_app"]

LOCALHOST = "127.0.0.1"

_LOCAL_SECURITY = TransportSecuritySettings(
    enable_dns_rebinding_protection=True,
    allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
    allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
)


class ListChangedServer(Server[Any]):
    """A ``Server`` that advertises ``listChanged`` for tools, resources and prompts on every transport.

    The SDK's HTTP session manager builds the ``initialize`` answer from
    ``create_initialization_options()`` with no arguments, so the default has to say it.
    """

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        options = notification_options or NotificationOptions(
            prompts_changed=True, resources_changed=True, tools_changed=True
        )
        return super().create_initialization_options(options, experimental_capabilities, extensions)


async def run_stdio(server: Server[Any]) -> None:
    """Serve ``server`` on this process's stdin/stdout (both eras, decided by the client's first request)."""
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def run_streamable_http(server: Server[Any], port: int, *, path: str = "/mcp") -> None:
    """Serve ``server`` over Streamable HTTP at ``http://127.0.0.1:PORT/mcp`` until interrupted."""
    app = server.streamable_http_app(streamable_http_path=path, host=LOCALHOST)
    uvicorn.run(app, host=LOCALHOST, port=port, log_level="warning", lifespan="on")


def sse_app(server: Server[Any]) -> Starlette:
    """The legacy HTTP+SSE transport (2024-11-05): ``GET /sse`` opens the stream, ``POST /messages/`` sends."""
    transport = SseServerTransport("/messages/", security_settings=_LOCAL_SECURITY)

    async def handle_sse(request: Request) -> Response:
        async with transport.connect_sse(request.scope, request.receive, request._send) as (read, write):
            await server.run(read, write, server.create_initialization_options())
        return Response()

    return Starlette(
        routes=[
            Route("/sse", endpoint=handle_sse, methods=["GET"]),
            Mount("/messages/", app=transport.handle_post_message),
        ]
    )


def run_sse(server: Server[Any], port: int) -> None:
    """Serve ``server`` over legacy HTTP+SSE at ``http://127.0.0.1:PORT/sse`` until interrupted."""
    uvicorn.run(sse_app(server), host=LOCALHOST, port=port, log_level="warning")


def main(server: Server[Any], argv: Sequence[str] | None = None, *, description: str | None = None) -> int:
    """Parse ``[--http PORT | --sse PORT]`` and serve ``server`` on the chosen transport."""
    parser = argparse.ArgumentParser(description=description or f"the MCP server {server.name!r}")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP at 127.0.0.1:PORT/mcp")
    group.add_argument("--sse", type=int, metavar="PORT", help="serve legacy HTTP+SSE at 127.0.0.1:PORT/sse")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        if args.http is not None:
            run_streamable_http(server, args.http)
        elif args.sse is not None:
            run_sse(server, args.sse)
        else:
            anyio.run(run_stdio, server)
    except KeyboardInterrupt:
        return 130
    return 0
