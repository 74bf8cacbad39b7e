"""``portcullis approvals …`` in another process decides calls held by a service in this one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

from portcullis.approvals import ApprovalService, open_approvals
from portcullis.config import load_config
from tests.conftest import ROOT
from tests.waiting import WAIT

ARGS = {"amount": 900, "secret_note": "do-not-print-me"}


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "portcullis", *args, "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


async def acli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(cli, config, *args)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "portcullis.yaml"
    path.write_text("listen: 127.0.0.1:8765\nstore: memory\napprovals:\n  timeout: 2m\n  ttl: 10m\n")
    return path


@pytest.fixture
async def service(config_file: Path) -> AsyncIterator[ApprovalService]:
    svc = await open_approvals(load_config(config_file))
    yield svc
    await svc.close()


async def test_approve_from_another_process_releases_the_held_call(config_file: Path, service: ApprovalService) -> None:
    held = asyncio.create_task(service.gate("ci-bot", "s1", "bank", "withdraw", ARGS, service.clock()))
    for _ in range(100):
        listed = await acli(config_file, "approvals", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        items = orjson.loads(listed.stdout)
        if items:
            break
    assert len(items) == 1
    item = items[0]
    assert set(item) >= {"id", "status", "grant", "server", "tool", "arguments", "requested_at", "expires_at"}
    assert item["status"] == "pending" and item["tool"] == "withdraw" and item["grant"] == "ci-bot"
    assert item["arguments"] == {"amount": 900, "secret_note": "[REDACTED]"}
    assert "do-not-print-me" not in listed.stdout
    shown = await acli(config_file, "approvals", "show", item["id"])
    assert shown.returncode == 0 and item["id"] in shown.stdout and "withdraw" in shown.stdout
    approved = await acli(config_file, "approvals", "approve", item["id"], "--comment", "fine", "--as", "alice")
    assert approved.returncode == 0, approved.stderr
    assert f"{item['id']} approved (one call): bank__withdraw for grant ci-bot" in approved.stdout
    state = await asyncio.wait_for(held, WAIT)
    assert state.kind == "approved" and state.approval is not None and state.approval.approver == "alice"
    again = await acli(config_file, "approvals", "deny", item["id"])
    assert again.returncode == 1 and "already approved" in again.stderr
    done = orjson.loads((await acli(config_file, "approvals", "list", "--status", "approved", "--json")).stdout)
    assert [d["id"] for d in done] == [item["id"]]


async def test_deny_with_comment_and_approve_for_a_duration(config_file: Path, service: ApprovalService) -> None:
    first = await service.gate("g", "s", "bank", "withdraw", ARGS, service.clock(), timeout=0)
    assert first.approval is not None
    denied = await acli(config_file, "approvals", "deny", first.approval.id, "--comment", "Not today", "--json")
    assert denied.returncode == 0, denied.stderr
    assert orjson.loads(denied.stdout)["status"] == "denied"
    state = await service.gate("g", "s", "bank", "withdraw", ARGS, service.clock(), timeout=0)
    assert state.kind == "denied" and "Not today" in state.message

    other = await service.gate("g", "s", "bank", "withdraw", {"amount": 1}, service.clock(), timeout=0)
    assert other.approval is not None
    ok = await acli(config_file, "approvals", "approve", other.approval.id, "--for", "1h")
    assert ok.returncode == 0, ok.stderr
    for _ in range(3):
        assert (await service.gate("g", "s", "bank", "withdraw", {"amount": 1}, service.clock())).kind == "approved"


def test_errors_and_exit_codes(config_file: Path) -> None:
    missing = cli(config_file, "approvals", "approve", "ap_000000000000")
    assert missing.returncode == 2 and "no approval request" in missing.stderr
    assert cli(config_file, "approvals", "show", "ap_000000000000").returncode == 2
    bad = cli(config_file, "approvals", "approve", "ap_1", "--for", "soon")
    assert bad.returncode == 2 and "not a duration" in bad.stderr
    empty = cli(config_file, "approvals", "list")
    assert empty.returncode == 0 and "no pending approval requests" in empty.stdout
    broken = config_file.parent / "broken.yaml"
    broken.write_text("approvals:\n  timeout: forever\n")
    res = cli(broken, "approvals", "list")
    assert res.returncode == 2 and "$.approvals.timeout" in res.stderr


async def test_two_processes_sharing_redis_see_the_same_approval(redis_url: str, tmp_path: Path) -> None:
    from tests.approvals.conftest import delete_prefix

    prefix = f"pctest-{uuid.uuid4().hex[:10]}:"
    config = tmp_path / "portcullis.yaml"
    config.write_text(f"store: {redis_url}\napprovals:\n  timeout: 2m\n  key_prefix: '{prefix}'\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    # Gateway process A holds the call; gateway process B (this one) sees the same request and approves it.
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.approvals.holder",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    service = await open_approvals(load_config(config))
    try:
        assert holder.stdout is not None
        ready = await asyncio.wait_for(holder.stdout.readline(), 30)
        approval_id = ready.decode().split()[-1]
        seen = await service.get(approval_id)
        assert seen is not None and seen.status == "pending"
        # The same call arriving at B joins A's request instead of opening another.
        joined = await service.gate("ci-bot", "s-b", "bank", "withdraw", ARGS, service.clock(), timeout=0)
        assert joined.approval is not None and joined.approval.id == approval_id
        await service.decide(approval_id, True, "alice", for_seconds=600)
        out, err = await asyncio.wait_for(holder.communicate(), 30)
        assert holder.returncode == 0, err.decode()
        assert out.decode().strip() == f"approved {approval_id}"
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await service.close()
        await delete_prefix(redis_url, prefix)
