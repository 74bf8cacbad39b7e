"""A stdio MCP server (legacy era, stdlib only) that lists the tools in a JSON file, re-read at start.

``python tests/catalog/tools_file_server.py TOOLS.json``: editing the file between two runs is how the
tests make an upstream change a tool's definition (a rug pull) as the gateway's CLI sees it.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _send(message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        tools = json.load(f)
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("id") is None or "method" not in message:
            continue
        rid, method = message["id"], message["method"]
        if method == "initialize":
            _send({"jsonrpc": "2.0", "id": rid, "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {"listChanged": True}},
                "serverInfo": {"name": "tools-file", "version": "1.0.0"}}})
        elif method == "ping":
            _send({"jsonrpc": "2.0", "id": rid, "result": {}})
        elif method == "tools/list":
            _send({"jsonrpc": "2.0", "id": rid, "result": {"tools": tools}})
        else:
            _send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
