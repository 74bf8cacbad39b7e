"""A grant reaches only its servers: their tools, prompts and resources are invisible and unreachable."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import FIXTURE_SERVER, MODERN, Proc, allow_all_policy, running_gateway, stdio_server, write_config

KEY = "pc_test_key_for_server_a_only"
META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("reach")
    policy = allow_all_policy(folder)
    config = write_config(
        folder / "portcullis.yaml",
        {"a": stdio_server(FIXTURE_SERVER), "b": stdio_server(FIXTURE_SERVER)},
        grants=[
            {
                "name": "only-a",
                "key_sha256": hashlib.sha256(KEY.encode()).hexdigest(),
                "servers": ["a"],
                "policy": str(policy),
            }
        ],
        audit=f"sqlite:///{folder / 'audit.db'}",
    )
    with running_gateway(config) as proc:
        yield proc


def _rpc(proc: Proc, method: str, params: dict[str, Any], key: str | None = KEY) -> httpx.Response:
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if "name" in params:
        headers["Mcp-Name"] = params["name"]
    if "uri" in params:
        headers["Mcp-Name"] = params["uri"]
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, "_meta": META}}
    return httpx.post(proc.url, json=body, headers=headers, timeout=30)


def _all(proc: Proc, method: str, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        result = _rpc(proc, method, {"cursor": cursor} if cursor else {}).json()["result"]
        items.extend(result[key])
        cursor = result.get("nextCursor")
        if not cursor:
            return items
    raise AssertionError("pagination did not end")


def test_lists_show_only_the_granted_server(gw: Proc) -> None:
    tools = [t["name"] for t in _all(gw, "tools/list", "tools")]
    prompts = [p["name"] for p in _all(gw, "prompts/list", "prompts")]
    assert tools and all(name.startswith("a__") for name in tools)
    assert prompts and all(name.startswith("a__") for name in prompts)


def test_calls_prompts_and_reads_on_another_server_are_refused(gw: Proc) -> None:
    ok = _rpc(gw, "tools/call", {"name": "a__echo", "arguments": {"text": "hi"}}).json()
    assert ok["result"]["isError"] is False
    for method, params in (
        ("tools/call", {"name": "b__echo", "arguments": {"text": "hi"}}),
        ("prompts/get", {"name": "b__plain"}),
    ):
        reply = _rpc(gw, method, params).json()
        assert reply["error"]["code"] == -32602, reply
    # Both servers list the same URIs; the read must go to 'a' only, never to 'b'.
    read = _rpc(gw, "resources/read", {"uri": "fixture://item/01"}).json()
    assert "result" in read


def test_a_missing_or_unknown_key_is_401_with_a_challenge(gw: Proc) -> None:
    for key in (None, "not-a-key"):
        reply = _rpc(gw, "tools/list", {}, key=key)
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"].startswith("Bearer")
        assert "portcullis keys create" in reply.json()["error"]["message"]


def test_the_config_file_holds_no_key(gw: Proc, tmp_path: Path) -> None:
    text = "\n".join(p.read_text() for p in Path(gw.args[gw.args.index("-c") + 1]).parent.glob("*.yaml"))
    assert KEY not in text and hashlib.sha256(KEY.encode()).hexdigest() in text
