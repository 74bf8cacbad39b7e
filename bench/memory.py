"""Benchmark: memory held per idle legacy session (``initialize`` + ``notifications/initialized`` over HTTP).

Drives the gateway's ``/mcp`` ASGI app in this process (no sockets: only the gateway's own objects are
counted), opens ``--sessions`` legacy sessions the way a client does, and reports what ``tracemalloc``
sees retained per session once they are all idle. Budget (issue 16): ≤ 2 KB per idle legacy session.
Usage: ``python bench/memory.py [--sessions N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

from portcullis.assemble import assemble
from portcullis.config.load import config_from_text

ECHO = [sys.executable, str(Path(__file__).resolve().parent / "echo_server.py")]
_INIT = orjson.dumps(
    {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {"roots": {"listChanged": True}},
            "clientInfo": {"name": "bench-client", "version": "1.0.0"},
        },
    }
)
_INITIALIZED = orjson.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})


async def post(app: Any, body: bytes, session: bytes | None) -> dict[bytes, bytes]:
    headers = [
        (b"host", b"127.0.0.1:8765"),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json, text/event-stream"),
        (b"mcp-protocol-version", b"2025-11-25"),
        (b"content-length", str(len(body)).encode()),
    ]
    if session is not None:
        headers.append((b"mcp-session-id", session))
    scope = {"type": "http", "method": "POST", "path": "/mcp", "headers": headers, "query_string": b""}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(event: dict[str, Any]) -> None:
        sent.append(event)

    await app(scope, receive, send)
    return dict(sent[0].get("headers", []))


async def open_sessions(app: Any, n: int) -> list[bytes]:
    ids = []
    for _ in range(n):
        sid = (await post(app, _INIT, None))[b"mcp-session-id"]
        await post(app, _INITIALIZED, sid)
        ids.append(sid)
    return ids


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    args = parser.parse_args()
    config = config_from_text(
        orjson.dumps(
            {"servers": {"echo": {"command": ECHO[0], "args": ECHO[1:]}}, "sessions_per_key": args.sessions * 2}
        ).decode(),
        "<bench>",
    )
    app = assemble(config).app  # the HTTP layer and the gateway (no guard yet); no upstream is started
    await open_sessions(app.mcp, 20)  # warm: caches, lazy imports
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    ids = await open_sessions(app.mcp, args.sessions)
    gc.collect()
    after = tracemalloc.take_snapshot()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    print(f"{args.sessions} idle legacy sessions: {total / args.sessions:.0f} bytes each (budget 2048)")
    for stat in after.compare_to(before, "lineno")[:8]:
        print(f"  {stat.size_diff / args.sessions:7.0f} B/session  {stat.traceback[0]}")
    assert len(app.mcp.sessions) >= len(ids)


if __name__ == "__main__":
    asyncio.run(main())
