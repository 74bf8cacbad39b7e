"""fastmcp's proxy (``fastmcp.server.create_proxy``) in front of a stdio server (benchmarks only).

Streamable HTTP with JSON responses on ``127.0.0.1:PORT/mcp``. Run it with a Python that has fastmcp
(``bench/gateway.py --fastmcp-python``). Usage: ``python bench/peers/fastmcp_proxy.py PORT -- CMD...``.
"""

from __future__ import annotations

import sys

from fastmcp.server import create_proxy  # type: ignore[import-not-found]  # from its own venv

if __name__ == "__main__":
    cut = sys.argv.index("--")
    cmd = sys.argv[cut + 1 :]
    proxy = create_proxy({"mcpServers": {"echo": {"command": cmd[0], "args": cmd[1:]}}}, name="fastmcp-proxy")
    proxy.run(
        transport="http",
        host="127.0.0.1",
        port=int(sys.argv[1]),
        json_response=True,
        log_level="error",
        show_banner=False,
    )
