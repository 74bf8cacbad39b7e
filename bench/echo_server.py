"""A minimal, fast MCP echo server for the benchmarks: stdio (default) or Streamable HTTP (``--http PORT``).

It speaks just enough MCP in both eras (``initialize``, ``server/discover``, ``tools/list``,
``tools/call`` of ``echo``) with raw orjson, so that what the benchmark measures is the gateway,
not the upstream. Not for anything but benchmarks.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson

TOOL = {
    "name": "echo",
    "description": "Echo the text back.",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    "annotations": {"readOnlyHint": True},
}


def answer(msg: dict[str, Any]) -> dict[str, Any] | None:
    method, rid = msg.get("method"), msg.get("id")
    if rid is None:
        return None
    if method == "initialize":
        result: dict[str, Any] = {
            "protocolVersion": msg["params"].get("protocolVersion", "2025-11-25"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "echo", "version": "1"},
        }
    elif method == "server/discover":
        result = {
            "supportedVersions": ["2025-11-25", "2026-07-28"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "echo", "version": "1"},
            "resultType": "complete",
            "ttlMs": 0,
            "cacheScope": "public",
        }
    elif method == "tools/list":
        result = {"tools": [TOOL]}
    elif method == "tools/call":
        text = (msg.get("params") or {}).get("arguments", {}).get("text", "")
        result = {"content": [{"type": "text", "text": text}], "isError": False}
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}}
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def serve_stdio() -> None:
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        reply = answer(orjson.loads(line))
        if reply is not None:
            out.write(orjson.dumps(reply) + b"\n")
            out.flush()


async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        event = await receive()
        body += event.get("body", b"")
        if not event.get("more_body"):
            break
    reply = answer(orjson.loads(body)) if body else None
    if reply is None:
        await send({"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return
    data = orjson.dumps(reply)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        import uvicorn

        uvicorn.run(
            asgi,
            host="127.0.0.1",
            port=int(sys.argv[2]),
            log_level="error",
            loop="uvloop",
            http="httptools",
            lifespan="off",
        )
    else:
        serve_stdio()
