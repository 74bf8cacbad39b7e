"""An upstream's stderr never reaches agents or ``/healthz``; the operator's log gets it, redacted.

A server may print anything on stderr (its config, a connection string, a token). The fixture here
prints a bearer token before it starts; when it dies, agents and ``/healthz`` read only "the server
exited (code N)", and the gateway's log carries the stderr lines with the token redacted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from tests.gateway.proc import FIXTURE, running_gateway
from tests.gateway.wire import answer, post_modern

_TOKEN = "Bearer sekrit0123456789abcdef"
_NOISY = (
    "import os, sys; sys.stderr.write('connecting to the database with Authorization: "
    f"{_TOKEN}\\n'); sys.stderr.flush(); os.execv(sys.executable, [sys.executable] + sys.argv[1:])"
)


def test_stderr_goes_to_the_operators_log_redacted_never_to_agents_or_healthz(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    servers = {
        "db": {"command": sys.executable, "args": ["-c", _NOISY, str(FIXTURE), "--name", "db", "--state", str(state)]}
    }
    with running_gateway(tmp_path, servers) as gw, httpx.Client(timeout=30) as http:
        (state / "hold").write_text("")  # restarts now fail at once (exit code 4): the server stays down
        crashed = answer(post_modern(http, gw.url, "tools/call", {"name": "db__crash", "arguments": {}}))
        assert crashed["error"]["code"] == -32001
        assert "the server exited (code 3)" in crashed["error"]["message"]
        entry = gw.wait_state("db", "restarting")
        later = answer(post_modern(http, gw.url, "tools/call", {"name": "db__echo", "arguments": {"text": "x"}}))
        health = httpx.get(f"http://127.0.0.1:{gw.port}/healthz", timeout=10).text
        for seen in (crashed["error"]["message"], later["error"]["message"], str(entry), health):
            assert "database" not in seen and "sekrit" not in seen, seen
        assert "the server exited (code" in entry["lastError"]
        log = gw.log()
        assert "connecting to the database with Authorization: [REDACTED]" in log
        assert "sekrit" not in log
