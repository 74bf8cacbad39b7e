"""``serve`` and ``stdio`` refuse a config whose sections or policy are wrong, before starting anything."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """servers:
  demo:
    command: {python}
    args: [-m, portcullis.demo]
approvals: {{timeout: banana}}
catalog: {{bogus: 1}}
logging: {{format: xml}}
policy: policy.json
"""


@pytest.mark.parametrize("command", ["serve", "stdio"])
def test_every_section_problem_is_listed_with_its_line_and_exit_2(tmp_path: Path, command: str) -> None:
    (tmp_path / "portcullis.yaml").write_text(CONFIG.format(python=sys.executable))
    (tmp_path / "policy.json").write_text('{"version": "1", "default": "maybe"}')
    args = [sys.executable, "-m", "portcullis", command] + (["--listen", "127.0.0.1:1"] if command == "serve" else [])
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    err = done.stderr
    assert "portcullis.yaml:5: $.approvals.timeout" in err
    assert "portcullis.yaml:6: $.catalog.bogus" in err
    assert "policy.json" in err and "$.default" in err
    assert "serving MCP" not in err


def test_an_address_in_use_is_refused_before_starting_upstreams(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "portcullis", "serve", "--demo", "--listen", f"127.0.0.1:{port}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in done.stderr and "--listen" in done.stderr
    assert "serving MCP" not in done.stderr
