"""A key minted with ``portcullis keys create`` works against a gateway that is already running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.harness import FIXTURE_SERVER, MODERN, allow_all_policy, running_gateway, stdio_server, write_config
from tests.waiting import wait_for

META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


def _mint(config: Path, name: str, policy: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portcullis", "keys", "create", name, "-c", str(config), "--policy", str(policy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[0]


def _list(url: str, key: str) -> int:
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": "tools/list",
        "Authorization": f"Bearer {key}",
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}}
    return httpx.post(url, json=body, headers=headers, timeout=30).status_code


def test_a_key_created_while_serving_is_accepted_within_seconds(tmp_path: Path) -> None:
    policy = allow_all_policy(tmp_path)
    config = write_config(
        tmp_path / "portcullis.yaml", {"fx": stdio_server(FIXTURE_SERVER)}, audit=f"sqlite:///{tmp_path / 'audit.db'}"
    )
    first = _mint(config, "first", policy)
    with running_gateway(config) as gw:
        assert _list(gw.url, first) == 200
        second = _mint(config, "second", policy)
        wait_for(lambda: _list(gw.url, second) != 401, "the new key accepted")
        assert _list(gw.url, second) == 200, gw.stderr()
        assert _list(gw.url, first) == 200  # the first key still works
        assert _list(gw.url, "pcu_not_a_key") == 401
        assert "grants reloaded" in gw.stderr()
