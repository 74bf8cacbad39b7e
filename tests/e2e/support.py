"""Helpers shared by the end-to-end tests of this folder: a running gateway seen as an agent and an operator.

- Agents: ``connect`` opens an ``mcp.Client`` that sends ``Authorization: Bearer <key>``; ``digest`` is
  what a grant stores of a key; ``KEY_A``/``KEY_B`` with ``grants`` and ``gateway_folder`` give a config
  folder with two agents under one policy (``write_policy`` writes any policy file).
- Results: ``text_of``, ``decision_of`` (``_meta["io.portcullis/decision"]``), ``assert_denied`` and
  ``assert_passed`` (a denial or a pass as the README's policy section has them), ``pending_id`` (a held call's
  approval id), ``all_tool_names``, ``protocol_error``.
- Operators: ``cli``/``acli``/``cli_json`` run ``portcullis …`` as another process in a config folder.
- Waiting: ``until`` and ``WAIT``, from ``tests/waiting.py`` (conditions, generous deadlines, no timing asserted).
- Stores: the ``redis_prefix`` fixture (registered for the folder by ``conftest.py``) gives a key
  prefix of a test's own in the shared Redis and deletes its keys afterwards.
- Upstreams: ``serve_stdio`` is the loop of the tiny stdlib stdio MCP servers the tests run (legacy
  era): it answers ``initialize`` and ``ping`` and hands every other request to a handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
import redis
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from tests.harness import FIXTURE_SERVER, PYTHON, client, stdio_server, write_config
from tests.waiting import WAIT as WAIT  # re-exported: the tests of this folder import them from here
from tests.waiting import until as until

CLI_TIMEOUT = 120.0
META_KEY = "io.portcullis/decision"
KEY_A = "pc_e2e_agent_a_0123456789abcdef"
KEY_B = "pc_e2e_agent_b_0123456789abcdef"
PENDING = re.compile(
    r"^The call to 'fx__add' needs a person's approval: Adding needs a person; "
    r"pending approval (ap_[0-9a-f]{12}) — retry the same call once approved\.\n"
    r"What you can do: ask a person to approve it \(portcullis approvals approve \1\), "
    r"then retry the same call$"
)


# -- keys, policies and config folders ----------------------------------------------------------


def digest(key: str) -> str:
    """The SHA-256 (hex) of ``key``: what a grant's ``key_sha256`` holds."""
    return hashlib.sha256(key.encode()).hexdigest()


def write_policy(path: Path, policy: dict[str, Any]) -> Path:
    """``policy`` as JSON at ``path``; returns ``path``."""
    path.write_text(json.dumps(policy, indent=2))
    return path


def grants(policy: str = "policy.json") -> list[dict[str, Any]]:
    """Two agents, ``agent-a`` (``KEY_A``) and ``agent-b`` (``KEY_B``), under the same policy."""
    return [
        {"name": "agent-a", "key_sha256": digest(KEY_A), "policy": policy},
        {"name": "agent-b", "key_sha256": digest(KEY_B), "policy": policy},
    ]


def gateway_folder(folder: Path, policy: dict[str, Any], servers: dict[str, Any] | None = None, **extra: Any) -> Path:
    """``folder/portcullis.yaml``: ``servers`` (the fixture server as ``fx`` by default), both agents,
    ``policy`` (as ``policy.json``), a SQLite audit trail unless ``extra`` says otherwise, any other keys."""
    write_policy(folder / "policy.json", policy)
    extra.setdefault("grants", grants())
    extra.setdefault("audit", "sqlite:///audit.db")
    return write_config(folder / "portcullis.yaml", servers or {"fx": stdio_server(FIXTURE_SERVER)}, **extra)


# -- the operator's shell -----------------------------------------------------------------------


def cli(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``portcullis ARGS`` as another process, in ``folder`` (so it finds ``./portcullis.yaml``), with
    ``env`` added to this process's environment."""
    return subprocess.run(
        [PYTHON, "-m", "portcullis", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


async def acli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``cli`` without holding up the event loop (a call may be in flight meanwhile)."""
    return await asyncio.to_thread(cli, folder, *args)


def cli_json(folder: Path, *args: str) -> Any:
    """``portcullis ARGS --json`` in ``folder``, which must succeed: its output, parsed."""
    done = cli(folder, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- the agent's side ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def connect(url: str, key: str | None, mode: str = "legacy") -> AsyncIterator[Client]:
    """An ``mcp.Client`` for the gateway at ``url`` that sends ``key`` as ``Authorization: Bearer``
    (no header when ``key`` is None)."""
    headers = {"Authorization": f"Bearer {key}"} if key is not None else None
    async with (
        create_mcp_http_client(headers=headers) as http,
        client(streamable_http_client(url, http_client=http), mode) as session,
    ):
        yield session


def text_of(result: types.CallToolResult) -> str:
    """The text of the first content block of ``result`` (which must be text)."""
    block = result.content[0]
    assert isinstance(block, types.TextContent), result
    return block.text


def decision_of(result: types.CallToolResult) -> dict[str, Any]:
    """``_meta["io.portcullis/decision"]`` of a result (empty when there is none)."""
    decision: dict[str, Any] = (result.meta or {}).get(META_KEY, {})
    return decision


def assert_denied(result: types.CallToolResult, rule: str, decision: str = "deny") -> dict[str, Any]:
    """A denial as the README's policy section has it: isError, why + what to do in the text, _meta with
    decision and rule."""
    assert result.is_error is True, result
    text = text_of(result)
    assert "\nWhat you can do: " in text, text
    meta = decision_of(result)
    assert meta["decision"] == decision and meta["rule"] == rule, meta
    assert "retry_after" in meta and meta["reason"] and meta["reason"].rstrip(".") in text, meta
    return meta


def assert_passed(result: types.CallToolResult, text: str | None = None) -> None:
    """A call the gateway let through (no decision in ``_meta``), answering ``text`` when given."""
    assert result.is_error is not True and META_KEY not in (result.meta or {}), result
    if text is not None:
        assert text_of(result) == text


def pending_id(result: types.CallToolResult) -> str:
    """The approval id of a "pending approval" answer to ``fx__add`` (and check that it is one)."""
    assert result.is_error, result
    match = PENDING.match(text_of(result))
    assert match is not None, text_of(result)
    decision = decision_of(result)
    assert decision["decision"] == "pending" and decision["approvalId"] == match.group(1), decision
    return match.group(1)


async def all_tool_names(session: Client) -> list[str]:
    """Every tool name ``tools/list`` gives, over all its pages (bounded)."""
    names: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        page = await session.list_tools(cursor=cursor)
        names.extend(tool.name for tool in page.tools)
        cursor = page.next_cursor
        if not cursor:
            return names
    raise AssertionError("tools/list did not stop paging")


async def protocol_error(session: Client, name: str, arguments: dict[str, Any]) -> MCPError:
    """The JSON-RPC error a ``tools/call`` ends in (fails if it ends in a result)."""
    with pytest.raises(MCPError) as caught:
        await session.call_tool(name, arguments)
    return caught.value


# -- stores --------------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own in the shared Redis; every key under it is deleted afterwards."""
    prefix = f"pc-e2e-{uuid.uuid4().hex[:12]}:"
    yield prefix
    r = redis.Redis.from_url(redis_url)
    try:
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            r.delete(*keys)
    finally:
        r.close()


# -- tiny stdio upstreams ------------------------------------------------------------------------


class Later:
    """What a ``serve_stdio`` handler returns when it answers the request itself (with ``stdio_send``)."""


LATER = Later()
StdioHandler = Callable[[Any, str, dict[str, Any]], "dict[str, Any] | Later | None"]
_STDOUT = threading.Lock()


def stdio_send(message: dict[str, Any]) -> None:
    """One JSON-RPC message as a line on stdout (safe from several threads)."""
    with _STDOUT:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def serve_stdio(server_name: str, handle: StdioHandler, *, list_changed: bool = False) -> int:
    """Serve MCP (legacy era) on stdin/stdout until stdin ends; returns the exit code (0).

    ``initialize`` (protocol 2025-06-18, a ``tools`` capability with ``listChanged`` as given, server
    ``server_name`` 1.0.0) and ``ping`` are answered here. Any other request goes to
    ``handle(id, method, params)``: its result is sent back, ``None`` is answered "Method not found"
    (-32601), ``LATER`` means the handler answers itself. Lines that are not requests are ignored."""
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("id") is None or "method" not in message:
            continue
        rid, method, params = message["id"], message["method"], message.get("params") or {}
        result: dict[str, Any] | Later | None
        if method == "initialize":
            result = {
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {"listChanged": True} if list_changed else {}},
                "serverInfo": {"name": server_name, "version": "1.0.0"},
            }
        elif method == "ping":
            result = {}
        else:
            result = handle(rid, method, params)
        if result is None:
            stdio_send(
                {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {method}"}}
            )
        elif not isinstance(result, Later):
            stdio_send({"jsonrpc": "2.0", "id": rid, "result": result})
    return 0
