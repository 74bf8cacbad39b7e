"""Fixtures for the audit tests: one ``audit_url`` per backend, so the same suite runs against each."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from portcullis.audit import AuditRecord
from tests.conftest import ROOT


def run_script(script: str, *args: str) -> bytes:
    """Run ``script`` in a Python process of its own (one that may lower its own limits: a file size); its stdout.
    It must exit 0."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def make_record(i: int = 0, **changes: object) -> AuditRecord:
    values: dict[str, object] = {
        "time": 1_780_000_000.0 + i,
        "grant": "ci-bot",
        "session": f"s{i % 3}",
        "server": "github",
        "tool": f"tool_{i % 5}",
        "arguments": {"n": i, "password": "hunter2"},
        "decision": "allow",
        "rule": "github__*",
        "reason": "",
        "approval_id": None,
        "approver": None,
        "latency_ms": 1.5,
        "outcome": "ok",
    }
    values.update(changes)
    return AuditRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def pg_table(postgres_dsn: str) -> Iterator[str]:
    """A table name of its own for one test; dropped afterwards."""
    table = f"audit_test_{uuid.uuid4().hex[:12]}"
    yield table

    async def drop() -> None:
        conn = await asyncpg.connect(postgres_dsn)
        try:
            await conn.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(params=["sqlite", "jsonl", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, object]]:
    """``(url, open_audit keyword arguments)`` for each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db", {}
    if request.param == "jsonl":
        return f"jsonl:///{tmp_path}/audit.jsonl", {}
    dsn = request.getfixturevalue("postgres_dsn")
    table = request.getfixturevalue("pg_table")
    return dsn, {"table": table}
