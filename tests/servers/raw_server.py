"""A tiny hand-written MCP server over stdio (legacy era only) that misbehaves on demand.

The SDK refuses to send a result that breaks the MCP schema, so this one speaks raw newline-
delimited JSON-RPC: ``initialize``, ``ping``, ``tools/list`` and ``tools/call``; ``server/discover``
gets -32601, as from any legacy server. Each tool is one kind of misbehaviour:

- ``ok`` — a normal text result (``text`` argument echoed);
- ``not_object`` — ``result`` is a list;  ``content_not_list`` — ``content`` is a string;
- ``no_result`` — a response with neither ``result`` nor ``error``;
- ``garbage_then_ok`` — a line that is not JSON, then the correct response;
- ``wrong_id_then_ok`` — a response to an id nobody asked for, then the correct response;
- ``error`` — a JSON-RPC error (-32603);  ``huge`` — a text of ``size`` bytes (default 1 MiB);
- ``silent`` — never answers;  ``exit`` — exits (status 4) without answering.

Only stdlib: ``python tests/servers/raw_server.py``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

PROTOCOL_VERSION = "2025-06-18"
_TOOLS = [
    "ok",
    "not_object",
    "content_not_list",
    "no_result",
    "garbage_then_ok",
    "wrong_id_then_ok",
    "error",
    "huge",
    "silent",
    "exit",
]


def _send(message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _result(rid: Any, result: Any) -> None:
    _send({"jsonrpc": "2.0", "id": rid, "result": result})


def _error(rid: Any, code: int, message: str) -> None:
    _send({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})


def _text(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


def _call(rid: Any, params: dict[str, Any]) -> None:
    name, args = params.get("name"), params.get("arguments") or {}
    if name == "ok":
        _result(rid, _text(str(args.get("text", "ok"))))
    elif name == "not_object":
        _result(rid, ["not", "an", "object"])
    elif name == "content_not_list":
        _result(rid, {"content": "not a list"})
    elif name == "no_result":
        _send({"jsonrpc": "2.0", "id": rid})
    elif name == "garbage_then_ok":
        sys.stdout.write("this line is not JSON-RPC\n")
        _result(rid, _text("ok after garbage"))
    elif name == "wrong_id_then_ok":
        _result(f"not-{rid}", _text("answer to nobody"))
        _result(rid, _text("ok after a wrong id"))
    elif name == "error":
        _error(rid, -32603, "the raw server failed on purpose")
    elif name == "huge":
        _result(rid, _text("x" * int(args.get("size", 1 << 20))))
    elif name == "silent":
        return
    elif name == "exit":
        sys.stdout.flush()
        raise SystemExit(4)
    else:
        _error(rid, -32602, f"Unknown tool: {name}")


def handle(message: dict[str, Any]) -> None:
    """Answer one incoming JSON-RPC message."""
    method, rid, params = message.get("method"), message.get("id"), message.get("params") or {}
    if method is None or rid is None:
        return  # a response or a notification: nothing to say
    if method == "initialize":
        _result(
            rid,
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "portcullis-raw-fixture", "version": "1.0.0"},
            },
        )
    elif method == "ping":
        _result(rid, {})
    elif method == "tools/list":
        _result(
            rid,
            {
                "tools": [
                    {"name": n, "description": f"misbehaviour: {n}", "inputSchema": {"type": "object"}} for n in _TOOLS
                ]
            },
        )
    elif method == "tools/call":
        _call(rid, params)
    else:
        _error(rid, -32601, f"Method not found: {method}")


def main() -> int:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
        except ValueError:
            _error(None, -32700, "Parse error")
            continue
        if isinstance(message, dict):
            handle(message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
