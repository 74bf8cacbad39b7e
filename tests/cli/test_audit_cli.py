"""``portcullis audit`` in a subprocess against a trail written by this process (SQLite and JSON Lines)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from portcullis.audit import open_audit
from tests.audit.conftest import make_record
from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portcullis", "audit", *args, "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )


@pytest.fixture(params=["sqlite:///audit.db", "jsonl:///trail/audit.jsonl"])
async def trail(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A config whose audit trail (relative to the config's folder) holds 12 records."""
    config = tmp_path / "portcullis.yaml"
    config.write_text(f"audit: {request.param}\n")
    log = await open_audit(request.param, base_dir=tmp_path)
    try:
        for i in range(12):
            await log.write(
                make_record(
                    i, decision="deny" if i % 3 == 0 else "allow", arguments={"n": i, "api_token": "tok-secret-value"}
                )
            )
    finally:
        await log.close()
    return config


async def test_json_list_with_filters(trail: Path) -> None:
    res = await asyncio.to_thread(cli, trail, "--json")
    assert res.returncode == 0, res.stderr
    records = orjson.loads(res.stdout)
    assert len(records) == 12 and "tok-secret-value" not in res.stdout
    for r in records:
        assert set(r) >= {"time", "grant", "session", "server", "tool", "decision", "rule", "reason", "outcome"}
    assert [r["arguments"]["n"] for r in records] == list(range(12))
    denied = orjson.loads((await asyncio.to_thread(cli, trail, "--json", "--decision", "deny")).stdout)
    assert [r["arguments"]["n"] for r in denied] == [0, 3, 6, 9]
    tools = orjson.loads((await asyncio.to_thread(cli, trail, "--json", "--tool", "tool_1", "--grant", "ci-*")).stdout)
    assert [r["arguments"]["n"] for r in tools] == [1, 6, 11]
    window = orjson.loads(
        (
            await asyncio.to_thread(cli, trail, "--json", "--since", "2026-05-28T20:26:45Z", "--until", "1780000008")
        ).stdout
    )
    assert [r["arguments"]["n"] for r in window] == [5, 6, 7]
    newest = orjson.loads((await asyncio.to_thread(cli, trail, "--json", "--limit", "2")).stdout)
    assert [r["arguments"]["n"] for r in newest] == [10, 11]
    none = await asyncio.to_thread(cli, trail, "--json", "--server", "nowhere")
    assert orjson.loads(none.stdout) == []


def test_text_output_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "portcullis.yaml"
    config.write_text("audit: sqlite:///a.db\n")
    empty = cli(config)
    assert empty.returncode == 0 and "no audit records match" in empty.stderr and "note" not in empty.stderr
    # An outcome given as a decision (and the reverse) matches nothing: the note says which flag it belongs to.
    slip = cli(config, "--decision", "denied", "--outcome", "deny")
    assert slip.returncode == 0 and "no audit records match" in slip.stderr
    assert "--decision 'denied' is not one the gateway records (allow, deny," in slip.stderr
    assert "it is a value of --outcome: --outcome denied" in slip.stderr
    assert "it is a value of --decision: --decision deny" in slip.stderr
    assert "note" not in cli(config, "--decision", "den*", "--outcome", "pending").stderr
    bad = cli(config, "--since", "last tuesday")
    assert bad.returncode == 2 and "not a time" in bad.stderr


async def test_text_lines(trail: Path) -> None:
    res = await asyncio.to_thread(cli, trail, "--tool", "tool_2")
    header, *lines = res.stdout.splitlines()
    assert header.split()[:4] == ["TIME", "(UTC)", "GRANT", "TOOL"]
    assert len(lines) == 2 and all("github__tool_2" in line and "github__*" in line for line in lines)


async def test_follow_prints_new_matching_records(trail: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "portcullis",
        "audit",
        "--follow",
        "--json",
        "--tool",
        "watched",
        "-c",
        str(trail),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=ENV,
    )
    url = trail.read_text().split(": ", 1)[1].strip()
    log = await open_audit(url, base_dir=trail.parent)
    try:
        assert proc.stdout is not None
        for i in range(20, 26):
            await log.write(make_record(i, tool="watched" if i % 2 == 0 else "ignored"))
        got = []
        for _ in range(3):
            line = await asyncio.wait_for(proc.stdout.readline(), 20)
            got.append(orjson.loads(line))
        assert [r["arguments"]["n"] for r in got] == [20, 22, 24]
        assert all(r["tool"] == "watched" for r in got)
    finally:
        proc.kill()
        await proc.wait()
        await log.close()
