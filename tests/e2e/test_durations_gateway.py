"""One duration grammar for every setting (issue 8.18), through a running gateway and the CLI.

``30s``, ``5m``, ``1h``, ``1d`` and ``second|minute|hour|day`` (bare numbers stay seconds) are read the
same way by a server's ``timeout``, the policy's ``window`` and ``rate_limit``, the approval settings,
the catalogue's intervals, audit retention and ``--since``; a wrong one is refused naming the grammar.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp.shared.exceptions import MCPError

from tests.e2e.support import KEY_A, assert_denied, cli, connect, decision_of, gateway_folder, text_of
from tests.harness import FIXTURE_SERVER, running_gateway, stdio_server

POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__sleep": {},
        "fx__echo": {"rate_limit": "1/5m"},
        "fx__add": {"limits": [{"counter": "adds", "window": "1h", "max": 1}]},
    },
}


def _folder(tmp_path: Path, timeout: object = "3s") -> Path:
    return gateway_folder(
        tmp_path,
        POLICY,
        {"fx": stdio_server(FIXTURE_SERVER, timeout=timeout, protocol="legacy")},
        approvals={"timeout": "2s", "ttl": "1h", "deny_hold": "15 minutes"},
        catalog={"refresh_interval": "5m", "pin_poll_interval": "2s"},
        audit_options={"retention_days": "30d"},
    )


async def test_every_setting_reads_the_same_duration_grammar(tmp_path: Path) -> None:
    with running_gateway(_folder(tmp_path)) as gw:
        async with connect(gw.url, KEY_A) as agent:
            with pytest.raises(MCPError) as slow:
                await agent.call_tool("fx__sleep", {"seconds": 30})
            assert "did not answer tools/call within 3s" in slow.value.error.message, slow.value.error

            assert text_of(await agent.call_tool("fx__echo", {"text": "hi"})) == "hi"
            limited = await agent.call_tool("fx__echo", {"text": "again"})
            assert_denied(limited, "$.tools.fx__echo.rate_limit")
            wait = decision_of(limited)["retry_after"]
            assert 60 < wait <= 600, wait  # a five-minute window (sliding: up to two), not five seconds or a minute

            assert text_of(await agent.call_tool("fx__add", {"a": 1, "b": 2})) == "3"
            hourly = await agent.call_tool("fx__add", {"a": 1, "b": 2})
            assert_denied(hourly, "$.tools.fx__add.limits[0]")
            assert 300 < decision_of(hourly)["retry_after"] <= 7200

    listed = cli(tmp_path, "audit", "--since", "5m", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {r["tool"] for r in json.loads(listed.stdout)} >= {"sleep", "echo", "add"}


def test_a_wrong_duration_is_refused_naming_the_grammar_and_the_line(tmp_path: Path) -> None:
    _folder(tmp_path, timeout="a while")
    done = cli(tmp_path, "serve", "--listen", "127.0.0.1:1")
    assert done.returncode == 2, done
    lines = (tmp_path / "portcullis.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if '"timeout": "a while"' in text)
    assert (
        f"portcullis.yaml:{line}: $.servers.fx.timeout: not a duration: 'a while' (use 30s, 5m, 1h, 1d, "
        "second, minute, hour, day, or a number of seconds)"
    ) in done.stderr, done.stderr
