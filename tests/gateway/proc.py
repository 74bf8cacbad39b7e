"""Run ``portcullis serve`` / ``portcullis stdio`` as real subprocesses for the end-to-end tests.

``running_gateway(config)`` writes the config, starts ``python -m portcullis serve`` on a free
loopback port, waits (bounded) until ``/healthz`` shows every upstream ``ready``, and stops the
gateway with SIGTERM on exit (its upstreams are closed by the gateway itself). ``fixture(...)``
builds the server entry that runs ``fixture_upstream.py`` with this Python.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.harness import free_port as free_port  # re-exported: tests import it from here too
from tests.waiting import SLOW_WAIT

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture_upstream.py"
SDK_FIXTURE = HERE.parent / "servers" / "fixture_server.py"
PYTHON = sys.executable
_READY_WAIT = SLOW_WAIT


def fixture(
    name: str = "fx",
    era: str = "dual",
    tools: int = 0,
    page_size: int = 2,
    state: Path | None = None,
    uri_host: str | None = None,
    list_delay: float = 0.0,
    **extra: Any,
) -> dict[str, Any]:
    """A ``servers`` entry that runs the raw fixture upstream."""
    args = [str(FIXTURE), "--name", name, "--era", era, "--tools", str(tools), "--page-size", str(page_size)]
    if state is not None:
        args += ["--state", str(state)]
    if uri_host is not None:
        args += ["--uri-host", uri_host]
    if list_delay:
        args += ["--list-delay", str(list_delay)]
    return {"command": PYTHON, "args": args, **extra}


@dataclass
class Gateway:
    """A running ``portcullis serve``."""

    proc: subprocess.Popen[bytes]
    port: int
    config_path: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def health(self) -> dict[str, Any]:
        got: dict[str, Any] = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).json()
        return got

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_state(self, server: str, state: str, timeout: float = _READY_WAIT) -> dict[str, Any]:
        """Poll ``/healthz`` until ``server`` is in ``state`` (bounded); return its entry."""
        deadline = time.monotonic() + timeout
        entry: dict[str, Any] = {}
        while time.monotonic() < deadline:
            entry = self.health()["servers"][server]
            if entry["state"] == state:
                return entry
            time.sleep(0.05)
        raise AssertionError(f"{server} never reached {state}: {entry}\n{self.log()}")


ALLOW_ALL = {"version": "1", "default": "allow"}


def write_config(directory: Path, servers: dict[str, Any], **top: Any) -> Path:
    """A config with these servers; unless ``policy`` is given, a policy that allows every call (these
    tests are about the transport and the relay; policy has its own tests) and an audit log next to it."""
    if "policy" not in top:
        (directory / "allow-all.json").write_text(json.dumps(ALLOW_ALL))
        top["policy"] = "allow-all.json"
    top.setdefault("audit", f"sqlite:///{directory / 'audit.db'}")
    path = directory / "portcullis.json"
    path.write_text(json.dumps({"servers": servers, **top}, indent=2))
    return path


@contextlib.contextmanager
def running_gateway(
    directory: Path, servers: dict[str, Any], *, wait_ready: bool = True, **top: Any
) -> Iterator[Gateway]:
    """Start ``portcullis serve`` with these servers; stop it on exit."""
    port = free_port()
    config = write_config(directory, servers, **top)
    log_path = directory / f"gateway-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [PYTHON, "-m", "portcullis", "serve", "-c", str(config), "--listen", f"127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=directory,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    gw = Gateway(proc, port, config, log_path)
    try:
        deadline = time.monotonic() + _READY_WAIT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"portcullis serve exited with {proc.returncode}:\n{gw.log()}")
            with contextlib.suppress(httpx.HTTPError):
                health = gw.health()
                if not wait_ready or all(s["state"] == "ready" for s in health["servers"].values()):
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the gateway did not get ready:\n{gw.log()}")
            time.sleep(0.05)
        yield gw
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@contextlib.contextmanager
def stdio_gateway(directory: Path, servers: dict[str, Any], **top: Any) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``portcullis stdio`` with these servers; close its stdin and wait on exit."""
    config = write_config(directory, servers, **top)
    err = (directory / "stdio-gateway.log").open("wb")
    proc = subprocess.Popen(
        [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=err,
        cwd=directory,
    )
    try:
        yield proc
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        err.close()
