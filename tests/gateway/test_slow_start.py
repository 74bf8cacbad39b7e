"""A ``portcullis serve`` in front of stdio servers that take 15 s to start, as a first ``npx -y`` run does.

Before, the era probe gave up after 5 s, ``initialize`` followed on the same connection, the modern
server refused it and was restarted forever. Now each server comes up in its own era, is listed and
called through the gateway, and was never restarted. Peers: ``mcp-server-time`` (modern) and
``@modelcontextprotocol/server-everything`` (legacy), each behind ``tests/servers/slow_start.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import mcp_types as types

from tests.e2e.support import all_tool_names
from tests.harness import (
    FIXTURE_SERVER,
    SERVERS,
    allow_all_policy,
    legacy_client,
    modern_client,
    running_gateway,
    stdio_server,
    write_config,
)

SLOW_START = SERVERS / "slow_start.py"
_STARTUP = "15"
_WAIT = 180.0  # the slow servers, on a busy machine


def _slow(command: list[str]) -> dict[str, object]:
    return {"command": sys.executable, "args": [str(SLOW_START), _STARTUP, "--", *command]}


async def test_servers_that_take_15s_to_start_come_up_behind_serve(
    tmp_path: Path, time_server: list[str], everything_server: list[str]
) -> None:
    allow_all_policy(tmp_path)
    config = write_config(
        tmp_path / "portcullis.yaml",
        {"time": _slow(time_server), "ev": _slow(everything_server), "fast": stdio_server(FIXTURE_SERVER)},
        policy="policy.json",
    )
    with running_gateway(config, ready_timeout=_WAIT) as gateway:
        health = httpx.get(f"{gateway.base_url}/healthz", timeout=10).json()["servers"]
        assert (health["time"]["era"], health["ev"]["era"]) == ("modern", "legacy")
        assert health["time"]["restarts"] == 0 and health["ev"]["restarts"] == 0
        for connect in (legacy_client, modern_client):
            async with connect(gateway.url) as client:
                names = set(await all_tool_names(client))
                assert {"time__get_current_time", "ev__echo", "fast__echo"} <= names
                got = await client.call_tool("time__get_current_time", {"timezone": "UTC"})
                assert got.is_error is False
                echoed = await client.call_tool("ev__echo", {"message": "late but here"})
                block = echoed.content[0]
                assert isinstance(block, types.TextContent) and "late but here" in block.text
