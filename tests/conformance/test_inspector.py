"""The MCP Inspector CLI (``@modelcontextprotocol/inspector --cli``) as an independent client.

It lists and calls tools of the fixture server directly (Streamable HTTP and stdio), then through
``portcullis serve``: with one upstream (names prefixed ``fx__``) and with the shipped demo.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.suite import INSPECTOR_CLI
from tests.harness import (
    FIXTURE_SERVER,
    PYTHON,
    allow_all_policy,
    running_gateway,
    running_http_server,
    stdio_server,
    write_config,
)

pytestmark = pytest.mark.peers


def inspector(node: Path, home: Path, *args: str) -> dict[str, Any]:
    """Run ``mcp-inspector --cli ARGS`` (HOME in a tmp dir) and return the JSON it printed."""
    if not INSPECTOR_CLI.exists():
        pytest.fail(f"{INSPECTOR_CLI} is missing although Node 22 is there: run scripts/peers")
    done = subprocess.run(
        [str(node), str(INSPECTOR_CLI), "--cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOME": str(home), "PATH": str(node.parent)},
        check=False,
    )
    assert done.returncode == 0, f"inspector exit status {done.returncode}\n{done.stdout}\n{done.stderr}"
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _text(result: dict[str, Any]) -> str:
    return str(result["content"][0]["text"])


def test_lists_and_calls_the_fixture_over_http(node22: Path, tmp_path: Path) -> None:
    with running_http_server(FIXTURE_SERVER) as server:
        listed = inspector(node22, tmp_path, server.url, "--method", "tools/list")
        added = inspector(
            node22, tmp_path, server.url, "--method", "tools/call", "--tool-name", "add", "--tool-arg", "a=2", "b=3"
        )
        echoed = inspector(
            node22, tmp_path, server.url, "--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=hello"
        )
    assert len(listed["tools"]) == 25  # four pages of tools/list, followed by the Inspector
    assert _text(added) == "5" and _text(echoed) == "hello"


def test_lists_and_calls_the_fixture_over_stdio(node22: Path, tmp_path: Path) -> None:
    command = [PYTHON, str(FIXTURE_SERVER)]
    listed = inspector(node22, tmp_path, *command, "--method", "tools/list")
    structured = inspector(
        node22, tmp_path, *command, "--method", "tools/call", "--tool-name", "structured", "--tool-arg", "a=4", "b=5"
    )
    assert len(listed["tools"]) == 25
    assert structured["structuredContent"] == {"sum": 9}


def test_lists_and_calls_through_the_gateway(node22: Path, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "portcullis.json", {"fx": stdio_server(FIXTURE_SERVER)}, policy=str(allow_all_policy(tmp_path))
    )
    with running_gateway(config) as gateway:
        listed = inspector(node22, tmp_path, gateway.url, "--method", "tools/list")
        added = inspector(
            node22,
            tmp_path,
            gateway.url,
            "--method",
            "tools/call",
            "--tool-name",
            "fx__add",
            "--tool-arg",
            "a=20",
            "b=22",
        )
    names = [tool["name"] for tool in listed["tools"]]
    assert len(names) == 25 and all(name.startswith("fx__") for name in names)
    assert "fx__echo" in names
    assert _text(added) == "42"


def test_lists_the_demo_through_the_gateway(node22: Path, tmp_path: Path) -> None:
    from portcullis.demo import TOOLS

    with running_gateway(tmp_path / "absent.yaml", extra_args=["--demo"]) as gateway:
        listed = inspector(node22, tmp_path, gateway.url, "--method", "tools/list")
    assert sorted(tool["name"] for tool in listed["tools"]) == sorted(f"demo__{t.name}" for t in TOOLS)
