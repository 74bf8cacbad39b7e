"""Start and stop the HTTP servers the transport tests talk to (subprocesses on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness import free_port as free_port  # re-exported: tests import it from here too
from tests.waiting import SLOW_WAIT

FIXTURE = Path(__file__).resolve().parent / "http_fixture.py"


@dataclass
class RunningServer:
    proc: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> dict[str, Any]:
        """The fixture server's record of what it saw (only ``http_fixture.py`` has one)."""
        with urllib.request.urlopen(f"{self.base}/_log", timeout=5) as resp:
            data: dict[str, Any] = json.load(resp)
        return data

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=5) as resp:
            return json.load(resp)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start(command: list[str], port: int, env: dict[str, str] | None = None, wait: float = SLOW_WAIT) -> RunningServer:
    """Run ``command`` and wait (bounded) until 127.0.0.1:``port`` accepts connections."""
    proc = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return RunningServer(proc, port)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    proc.wait(5)
    raise RuntimeError(f"{command} did not listen on port {port} within {wait}s")


def start_fixture(mode: str) -> RunningServer:
    """``http_fixture.py`` in ``mode`` (streamable, json or sse) on a free port."""
    port = free_port()
    return start([sys.executable, str(FIXTURE), str(port), mode], port)


def start_everything(everything_cmd: list[str], mode: str) -> RunningServer:
    """server-everything in ``mode`` (streamableHttp or sse); ``everything_cmd`` is the conftest stdio command."""
    port = free_port()
    node, script = everything_cmd[0], everything_cmd[1]
    return start([node, script, mode], port, env={"PORT": str(port)})
