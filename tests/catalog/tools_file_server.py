"""A stdio MCP server (legacy era) that lists the tools in a JSON file, re-read at start.

``python tests/catalog/tools_file_server.py TOOLS.json``: editing the file between two runs is how the
tests make an upstream change a tool's definition (a rug pull) as the gateway's CLI sees it. The
JSON-RPC loop is ``serve_stdio`` of ``tests/e2e/support.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        tools = json.load(f)
    # Run as a script, this file's folder is on sys.path, not the repository's root: put it there.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.e2e.support import Later, serve_stdio

    def handle(rid: Any, method: str, params: dict[str, Any]) -> dict[str, Any] | Later | None:
        return {"tools": tools} if method == "tools/list" else None

    return serve_stdio("tools-file", handle, list_changed=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
