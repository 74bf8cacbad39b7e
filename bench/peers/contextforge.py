"""ContextForge's gateway (``mcp-contextforge-gateway`` from PyPI) in front of the echo server (benchmarks only).

ContextForge does not run stdio servers itself: its own bridge (``mcpgateway.translate``) exposes the
stdio echo server over Streamable HTTP, the gateway federates that, and a virtual server holding the
echo tool is what clients call (``/servers/<id>/mcp``). Calls carry an admin token made with its
own tool; its UI, its rate limits (100 calls a minute by default) and its SSRF guard for 127.0.0.1 are
switched off. It runs from
its own virtual environment (``--contextforge VENV``: ``python -m venv VENV && VENV/bin/pip install
mcp-contextforge-gateway``): it pins its own versions of the libraries Portcullis uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shlex
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadgen import ECHO, free_port, process, wait_port

__all__ = ["Target", "contextforge"]


@dataclass
class Target:
    """Where the load generator calls: port, path, extra headers, the tool's name there."""

    port: int
    path: str
    headers: bytes
    tool: str


def _api(port: int, token: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"ContextForge {method} {path}: {exc.code} {exc.read()[:300]!r}") from None


@contextlib.asynccontextmanager
async def contextforge(venv: Path, folder: Path) -> AsyncIterator[Target]:
    py = str(venv / "bin" / "python")
    bridge, port = free_port(), free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{folder / 'contextforge.db'}",
        "JWT_SECRET_KEY": secrets.token_hex(32),
        "AUTH_ENCRYPTION_SECRET": secrets.token_hex(32),
        "PLATFORM_ADMIN_EMAIL": "admin@example.com",
        "PLATFORM_ADMIN_PASSWORD": secrets.token_hex(16),
        "BASIC_AUTH_PASSWORD": secrets.token_hex(16),
        "MCPGATEWAY_UI_ENABLED": "false",
        "MCPGATEWAY_ADMIN_API_ENABLED": "true",
        "CACHE_TYPE": "memory",
        "TOOL_RATE_LIMIT": "100000000",
        "RATE_LIMITING_ENABLED": "false",
        "SSRF_PROTECTION_ENABLED": "false",
        "SSRF_ALLOW_LOCALHOST": "true",
        "LOG_LEVEL": "ERROR",
        "DEV_MODE": "true",
    }
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(
            process(
                py,
                "-m",
                "mcpgateway.translate",
                "--stdio",
                shlex.join(ECHO),
                "--expose-streamable-http",
                "--port",
                str(bridge),
                env=env,
            )
        )
        await stack.enter_async_context(
            process(py, "-m", "uvicorn", "mcpgateway.main:app", "--host", "127.0.0.1", "--port", str(port), env=env)
        )
        await wait_port(bridge, 120.0)
        await wait_port(port, 180.0)
        made = await asyncio.create_subprocess_exec(
            py,
            "-m",
            "mcpgateway.utils.create_jwt_token",
            "--username",
            "admin@example.com",
            "--admin",
            "--exp",
            "600",
            "--secret",
            env["JWT_SECRET_KEY"],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, **env},
        )
        token = (await made.communicate())[0].decode().strip().splitlines()[-1]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None,
            _api,
            port,
            token,
            "POST",
            "/gateways",
            {"name": "echo", "url": f"http://127.0.0.1:{bridge}/mcp", "transport": "STREAMABLEHTTP"},
        )
        tools = await loop.run_in_executor(None, _api, port, token, "GET", "/tools")
        tools = tools.get("items", tools) if isinstance(tools, dict) else tools
        echo = next(t for t in tools if str(t.get("name", "")).endswith("echo"))
        server = await loop.run_in_executor(
            None,
            _api,
            port,
            token,
            "POST",
            "/servers",
            {"server": {"name": "bench", "associated_tools": [echo["id"]]}, "visibility": "public"},
        )
        yield Target(port, f"/servers/{server['id']}/mcp", f"Authorization: Bearer {token}\r\n".encode(), echo["name"])
