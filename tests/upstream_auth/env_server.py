"""A stdio MCP server with one tool, ``env``, that answers the value of an environment variable it was started
with (or ``<unset>``): shows what a spawned upstream inherits. Run with this Python."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def handle(rid: Any, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    if method == "tools/list":
        return {"tools": [{"name": "env", "inputSchema": {"type": "object"}}]}
    if method == "tools/call":
        value = os.environ.get(str((params.get("arguments") or {}).get("name")), "<unset>")
        return {"content": [{"type": "text", "text": value}]}
    return None


if __name__ == "__main__":
    from tests.e2e.support import serve_stdio

    raise SystemExit(serve_stdio("env", handle))
