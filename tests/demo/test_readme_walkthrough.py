"""The README's demo walkthrough, as a new user runs it: ``serve --demo`` in an empty folder, a held
call approved from another shell in that folder (no config file), then the audit trail read there."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.harness import legacy_client, running_gateway
from tests.waiting import SLOW_WAIT, until


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portcullis", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _text(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def test_a_held_demo_call_is_approved_from_another_shell_and_audited(tmp_path: Path) -> None:
    with running_gateway(tmp_path / "portcullis.yaml", extra_args=["--demo"]) as gw:
        # It says what to try next: a client at its address, and the commands of another shell.
        assert f"next: point an MCP client at http://127.0.0.1:{gw.port}/mcp" in gw.stderr()
        assert "'portcullis approvals list' shows held calls, 'portcullis audit' every decision" in gw.stderr()
        async with legacy_client(gw.url) as client:
            assert "welcome" in _text(await client.call_tool("demo__list_notes", {}))
            held = asyncio.ensure_future(client.call_tool("demo__delete_note", {"name": "ideas"}))

            async def requested() -> list[dict[str, Any]]:  # the call is held (up to 45 s): find its request
                listed = await asyncio.to_thread(_cli, tmp_path, "approvals", "list", "--json")
                assert listed.returncode == 0, listed.stderr
                return [a for a in json.loads(listed.stdout) if a["tool"] == "delete_note"]

            pending = await until(requested, "the held call's approval request")
            assert pending[0]["status"] == "pending"
            approved = await asyncio.to_thread(
                _cli, tmp_path, "approvals", "approve", pending[0]["id"], "--comment", "ok"
            )
            assert approved.returncode == 0, approved.stderr
            result = await asyncio.wait_for(held, SLOW_WAIT)
            assert result.is_error is False and "ideas" in _text(result)
            assert "ideas" not in _text(await client.call_tool("demo__list_notes", {}))
            too_much = await client.call_tool(
                "demo__transfer_funds", {"from_account": "alice", "to_account": "bob", "amount": 5000}
            )
            assert too_much.is_error and "amount" in _text(too_much)
    audit = _cli(tmp_path, "audit", "--json")
    assert audit.returncode == 0, audit.stderr
    records = json.loads(audit.stdout)
    deleted = [r for r in records if r["tool"] == "delete_note"]
    assert deleted and deleted[-1]["decision"] == "approved" and deleted[-1]["outcome"] == "ok"
    assert any(r["tool"] == "transfer_funds" and r["decision"] == "deny" for r in records)
