"""Helpers many tests share: free ports, config files, a running ``portcullis serve``, fixture servers, clients.

- ``free_port()`` — a free TCP port on 127.0.0.1; ``accepts(port)`` — whether something listens there.
- ``write_config(path, servers, **extra)`` — a gateway config file (JSON, which the YAML loader reads
  too) whose audit log lands next to it unless ``audit`` is given; ``stdio_server(script, *args)``
  builds one ``servers`` entry that runs a Python script with this interpreter;
  ``allow_all_policy(folder)`` writes a policy that allows every call.
- ``running_gateway(config)`` — ``python -m portcullis serve -c CONFIG --listen 127.0.0.1:PORT`` as a
  subprocess; waits until the port accepts (and, when the gateway has ``/healthz``, until every
  upstream is ready), yields a ``Proc``, and stops it (terminate, then kill). Its stderr goes to
  a file; an exception raised inside the block carries that stderr as a note.
- ``running_http_server(script)`` — one of ``tests/servers/*.py`` with ``--http PORT``, same contract.
- ``child_pids(pid)`` — the processes ``pid`` started (e.g. a gateway's upstreams).
- ``legacy_client(target)`` / ``modern_client(target)`` — an ``mcp.Client`` in ``mode="legacy"`` or
  ``"2026-07-28"``, response cache off, for a URL or a command (``[program, *args]``).
- ``running_command(args, port)`` — any command that listens on ``port`` (e.g. the ``portcullis``
  console script run as a user types it), with ``running_gateway``'s contract.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from mcp import Client, StdioServerParameters

from tests.waiting import SLOW_WAIT

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ROOT / "tests" / "servers"
FIXTURE_SERVER = SERVERS / "fixture_server.py"
CONFORMANCE_SERVER = SERVERS / "conformance_server.py"
RAW_SERVER = SERVERS / "raw_server.py"
PYTHON = sys.executable
LOCALHOST = "127.0.0.1"
MODERN = "2026-07-28"
STARTUP_TIMEOUT = SLOW_WAIT  # a process starting, with its imports and upstreams, on a busy machine

__all__ = [
    "CONFORMANCE_SERVER",
    "FIXTURE_SERVER",
    "MODERN",
    "PYTHON",
    "RAW_SERVER",
    "ROOT",
    "Proc",
    "accepts",
    "allow_all_policy",
    "child_pids",
    "client",
    "free_port",
    "legacy_client",
    "modern_client",
    "running_command",
    "running_gateway",
    "running_http_server",
    "stdio_server",
    "stop_process",
    "wait_for_port",
    "write_config",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def stdio_server(script: Path | str, *args: str, **extra: Any) -> dict[str, Any]:
    """A ``servers`` entry that runs ``script`` (a Python file) over stdio with this interpreter."""
    return {"command": PYTHON, "args": [str(script), *args], **extra}


def write_config(path: Path, servers: dict[str, dict[str, Any]], **extra: Any) -> Path:
    """Write a gateway config with these ``servers`` (name → entry) and any other top-level keys."""
    document: dict[str, Any] = {"servers": servers, **extra}
    document.setdefault("audit", f"sqlite:///{path.parent / 'audit.db'}")
    path.write_text(json.dumps(document, indent=2))
    return path


def allow_all_policy(folder: Path) -> Path:
    """Write ``policy.json`` allowing every call (for tests about the protocol, not the rules)."""
    path = folder / "policy.json"
    path.write_text(json.dumps({"version": "1", "default": "allow"}))
    return path


@dataclass
class Proc:
    """A subprocess started by this module: its port, and its stderr (collected in a file)."""

    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path
    path: str = "/mcp"
    args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}{self.path}"

    @property
    def base_url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"

    def stderr(self) -> str:
        """Everything the process wrote to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def describe(self) -> str:
        """A failure message: the command, its exit status, and its stderr."""
        status = self.process.poll()
        state = "running" if status is None else f"exited with status {status}"
        return f"$ {' '.join(self.args)}\n({state}); stderr:\n{self.stderr()[-20000:]}"


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port`` right now."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(proc: Proc, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait (bounded) until ``proc`` accepts TCP connections; fail with its stderr if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"the process died before listening on {proc.port}\n{proc.describe()}")
        try:
            with socket.create_connection((LOCALHOST, proc.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {proc.port} within {timeout:.0f}s\n{proc.describe()}")


def _wait_upstreams_ready(proc: Proc, timeout: float) -> None:
    """If the gateway serves ``/healthz``, wait (bounded) until every upstream reports ``ready``."""
    deadline = time.monotonic() + timeout
    states: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{proc.base_url}/healthz", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.05)
            continue
        if response.status_code not in (200, 503):  # 503: no upstream ready yet
            return  # no health endpoint in this build: the open port is all we can wait for
        states = {name: entry.get("state") for name, entry in (response.json().get("servers") or {}).items()}
        if all(state == "ready" for state in states.values()):
            return
        time.sleep(0.05)
    raise TimeoutError(f"upstreams not ready within {timeout:.0f}s: {states}\n{proc.describe()}")


def child_pids(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (read from /proc)."""
    found: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def stop_process(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate ``process`` (SIGTERM), then kill it if it has not exited within ``grace`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)


@contextlib.contextmanager
def _running(
    args: list[str], port: int, *, env: dict[str, str] | None, cwd: Path | None, ready_timeout: float, wait_ready: bool
) -> Iterator[Proc]:
    fd, name = tempfile.mkstemp(prefix="portcullis-stderr-", suffix=".log")
    stderr_path = Path(name)
    try:
        with os.fdopen(fd, "wb") as stderr_file:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr_file,
                env={**os.environ, **(env or {})},
                cwd=cwd or ROOT,
            )
        proc = Proc(process, port, stderr_path, args=args)
        try:
            wait_for_port(proc, ready_timeout)
            if wait_ready:
                _wait_upstreams_ready(proc, ready_timeout)
            try:
                yield proc
            except Exception as exc:
                exc.add_note(proc.describe())
                raise
        finally:
            stop_process(process)
    finally:
        stderr_path.unlink(missing_ok=True)


@contextlib.contextmanager
def running_gateway(
    config: Path,
    *,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    ready_timeout: float = STARTUP_TIMEOUT,
    wait_ready: bool = True,
) -> Iterator[Proc]:
    """Run ``portcullis serve -c CONFIG --listen 127.0.0.1:PORT`` for the duration of the block."""
    port = port or free_port()
    args = [PYTHON, "-m", "portcullis", "serve", "-c", str(config), "--listen", f"{LOCALHOST}:{port}", *extra_args]
    with _running(args, port, env=env, cwd=config.parent, ready_timeout=ready_timeout, wait_ready=wait_ready) as proc:
        yield proc


@contextlib.contextmanager
def running_command(
    args: Sequence[str],
    port: int,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    ready_timeout: float = STARTUP_TIMEOUT,
    wait_ready: bool = True,
) -> Iterator[Proc]:
    """Run ``args`` in ``cwd`` (``env`` added) for the duration of the block, once it listens on ``port``
    (and, for a gateway with ``/healthz``, once every upstream is ready)."""
    with _running(list(args), port, env=env, cwd=cwd, ready_timeout=ready_timeout, wait_ready=wait_ready) as proc:
        yield proc


@contextlib.contextmanager
def running_http_server(
    script: Path | str, *args: str, sse: bool = False, ready_timeout: float = STARTUP_TIMEOUT
) -> Iterator[Proc]:
    """Run a fixture server (``tests/servers/*.py``) with ``--http PORT`` (or ``--sse PORT``)."""
    port = free_port()
    command = [PYTHON, str(script), *args, "--sse" if sse else "--http", str(port)]
    with _running(command, port, env=None, cwd=None, ready_timeout=ready_timeout, wait_ready=False) as proc:
        proc.path = "/sse" if sse else "/mcp"
        yield proc


def _target(target: Any, env: dict[str, str] | None) -> Any:
    if not isinstance(target, (list, tuple)):
        return target  # a URL, or any mcp Transport (e.g. ``sse_client(url)``)
    program, *args = target
    return StdioServerParameters(command=program, args=list(args), env=env)


@contextlib.asynccontextmanager
async def client(
    target: str | Sequence[str] | Any, mode: str, *, env: dict[str, str] | None = None, **options: Any
) -> AsyncIterator[Client]:
    """An entered ``mcp.Client`` (cache off) for a URL, a command or a Transport, in ``mode``
    (``legacy``, ``auto`` or a modern version)."""
    async with Client(_target(target, env), mode=mode, cache=None, **options) as session:
        yield session


def legacy_client(target: str | Sequence[str], **options: Any) -> contextlib.AbstractAsyncContextManager[Client]:
    """A client that speaks the ``initialize`` handshake era."""
    return client(target, "legacy", **options)


def modern_client(target: str | Sequence[str], **options: Any) -> contextlib.AbstractAsyncContextManager[Client]:
    """A client that speaks 2026-07-28 (per-request ``_meta``, no handshake)."""
    return client(target, MODERN, **options)
