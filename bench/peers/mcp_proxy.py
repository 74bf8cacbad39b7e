"""A naive MCP proxy on the official ``mcp`` SDK (benchmarks only): the peer a team would write first.

Low-level ``Server`` over Streamable HTTP (JSON responses) on ``127.0.0.1:PORT/mcp``, forwarding
``tools/list`` and ``tools/call`` through one ``mcp.Client`` to a stdio server. No policy, no audit.
Usage: ``python bench/peers/mcp_proxy.py PORT -- CMD...``.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from mcp import Client, StdioServerParameters
from mcp.server.lowlevel import Server


async def main(port: int, cmd: list[str]) -> None:
    async with Client(StdioServerParameters(command=cmd[0], args=cmd[1:]), mode="legacy") as upstream:

        async def list_tools(ctx: Any, params: Any) -> Any:
            return await upstream.list_tools()

        async def call_tool(ctx: Any, params: Any) -> Any:
            return await upstream.call_tool(params.name, params.arguments or {})

        server: Server[Any] = Server("naive-proxy", on_list_tools=list_tools, on_call_tool=call_tool)
        app = server.streamable_http_app(json_response=True)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", loop="uvloop")
        await uvicorn.Server(config).serve()


if __name__ == "__main__":
    cut = sys.argv.index("--")
    import uvloop

    uvloop.run(main(int(sys.argv[1]), sys.argv[cut + 1 :]))
