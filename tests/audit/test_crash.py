"""``kill -9`` of a writer under load loses no record of a call that was answered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from portcullis.audit import open_audit
from tests.conftest import ROOT


def _run_and_kill(url: str, table: str, answered_before_kill: int) -> set[int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.audit.writer_proc", url, table],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    answered: set[int] = set()
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", proc.stderr.read() if proc.stderr else b""
        while len(answered) < answered_before_kill:
            line = proc.stdout.readline()
            assert line, (proc.stderr.read() if proc.stderr else b"").decode()
            answered.add(int(line))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for line in rest.splitlines():
        if line.strip():
            answered.add(int(line))
    assert proc.returncode == -signal.SIGKILL
    return answered


async def _stored(url: str, options: dict[str, Any]) -> set[int]:
    log = await open_audit(url, **options)
    try:
        rows = await log.query(limit=1_000_000)
    finally:
        await log.close()
    return {r["arguments"]["n"] for r in rows}


async def test_kill_9_loses_no_answered_record(backend: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    url, options = backend
    answered = _run_and_kill(url, str(options.get("table", "portcullis_audit")), 1500)
    stored = await _stored(url, options)
    assert len(answered) >= 1500
    missing = answered - stored
    assert not missing, f"{len(missing)} answered record(s) lost, e.g. {sorted(missing)[:5]}"
