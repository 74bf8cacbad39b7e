"""A real fleet for the reliability tests: replicas of ``portcullis serve`` sharing one config, Redis
and PostgreSQL, behind Debian's nginx running ``deploy/nginx/portcullis.conf`` as shipped.

Everything listens on 127.0.0.1 on free ports. ``Fleet`` starts the replicas and nginx, can kill or
stop one replica, and start it again; ``load`` drives many concurrent agents through the load balancer
(2026-07-28 ones, and legacy ones that keep one ``Mcp-Session-Id`` for all their calls, whichever
replica answers), each call bounded in time, and counts what was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT, missing
from tests.e2e.support import KEY_A
from tests.gateway.wire import ACCEPT, modern_request, sse_messages
from tests.harness import Proc, accepts, free_port, running_gateway
from tests.waiting import WAIT, wait_for

__all__ = [
    "Fleet",
    "LoadReport",
    "final_message",
    "legacy_call",
    "legacy_headers",
    "legacy_request",
    "load",
    "nginx_conf",
    "open_legacy",
    "running_fleet",
]

_ids = itertools.count(1)
SITE = ROOT / "deploy" / "nginx" / "portcullis.conf"


def nginx_conf(folder: Path, replicas: list[str], listen_port: int) -> Path:
    """An nginx.conf for a test: the replicas given, then the shipped site with its port moved to
    ``listen_port`` (the only line changed)."""
    folder.mkdir(parents=True, exist_ok=True)
    site = SITE.read_text()
    assert "listen 8080;" in site
    (folder / "site.conf").write_text(site.replace("listen 8080;", f"listen 127.0.0.1:{listen_port};"))
    servers = "\n".join(f"        server {r} max_fails=1 fail_timeout=3s;" for r in replicas)
    (folder / "logs").mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""daemon off;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log warn;
worker_processes 1;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    upstream portcullis {{
{servers}
        keepalive 64;
    }}
    include {folder}/site.conf;
}}
"""
    )
    return conf


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        missing("nginx (Debian package nginx; scripts/system-packages installs it)")
    assert found is not None
    return found


@dataclass
class Fleet:
    config: Path
    ports: list[int]
    url: str  # the load balancer's /mcp
    replicas: list[Proc | None]
    stack: contextlib.ExitStack
    exits: list[contextlib.ExitStack] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def kill(self, index: int) -> None:
        """SIGKILL replica ``index`` (no drain, no flush)."""
        proc = self.replicas[index]
        assert proc is not None
        os.kill(proc.process.pid, signal.SIGKILL)
        proc.process.wait(timeout=WAIT)
        self.exits[index].close()
        self.replicas[index] = None

    def stop(self, index: int) -> int:
        """SIGTERM replica ``index`` and wait for it to drain and exit; its exit status."""
        proc = self.replicas[index]
        assert proc is not None
        proc.process.send_signal(signal.SIGTERM)
        status = proc.process.wait(timeout=120)
        self.exits[index].close()
        self.replicas[index] = None
        return status

    def start(self, index: int) -> None:
        """(Re)start replica ``index`` on its port."""
        stack = contextlib.ExitStack()
        self.replicas[index] = stack.enter_context(running_gateway(self.config, port=self.ports[index], env=self.env))
        self.exits[index] = stack

    def stderr(self) -> str:
        return "\n".join(p.stderr() for p in self.replicas if p is not None)


@contextlib.contextmanager
def running_fleet(config: Path, folder: Path, size: int = 3, env: dict[str, str] | None = None) -> Iterator[Fleet]:
    """``size`` replicas of ``config`` (with ``env`` added to their environment) and nginx in front of them."""
    binary = nginx_binary()
    ports = [free_port() for _ in range(size)]
    lb_port = free_port()
    with contextlib.ExitStack() as stack:
        fleet = Fleet(
            config,
            ports,
            f"http://127.0.0.1:{lb_port}/mcp",
            [None] * size,
            stack,
            [contextlib.ExitStack()] * size,
            dict(env or {}),
        )
        for index in range(size):
            fleet.start(index)
        conf = nginx_conf(folder, [f"127.0.0.1:{p}" for p in ports], lb_port)
        nginx = subprocess.Popen([binary, "-c", str(conf), "-p", str(folder)], stderr=subprocess.PIPE)
        stack.callback(nginx.wait, timeout=WAIT)  # callbacks run last-in first-out: terminate, then wait
        stack.callback(nginx.terminate)
        wait_for(lambda: accepts(lb_port) or nginx.poll() is not None, "nginx listens")
        assert nginx.poll() is None, nginx.stderr.read() if nginx.stderr else ""
        try:
            yield fleet
        finally:
            for exit_stack in fleet.exits:
                exit_stack.close()


@dataclass
class LoadReport:
    calls: int = 0  # answered with a result
    errors: int = 0  # answered with an error, or not answered in time
    retried: int = 0  # attempts that failed and were tried again
    denied: int = 0  # answered with a policy denial (isError)
    latencies: list[float] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)  # the numbers of the calls answered with a result
    elapsed: float = 0.0
    sessions: int = 0  # legacy sessions opened

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0

    def row(self, name: str) -> str:
        rate = self.calls / self.elapsed if self.elapsed else 0.0
        return (
            f"{name}: {self.calls} calls in {self.elapsed:.1f}s ({rate:.0f}/s), p50 {self.percentile(0.5):.1f} ms, "
            f"p99 {self.percentile(0.99):.1f} ms, errors {self.errors}, retried {self.retried}, denied {self.denied}"
        )


async def call_once(
    http: httpx.AsyncClient, url: str, tool: str, arguments: dict[str, Any], key: str = KEY_A
) -> dict[str, Any]:
    """One 2026-07-28 ``tools/call``; the JSON-RPC response (raises on a transport or HTTP error)."""
    body, headers = modern_request("tools/call", {"name": tool, "arguments": arguments})
    answer = await http.post(url, json=body, headers={**headers, "authorization": f"Bearer {key}"})
    answer.raise_for_status()
    if answer.headers.get("content-type", "").startswith("text/event-stream"):
        messages = sse_messages(answer.text)
        final = messages[-1]
    else:
        final = answer.json()
    return final


LEGACY = "2025-11-25"


def legacy_headers(session_id: str | None = None, key: str = KEY_A) -> dict[str, str]:
    headers = {"accept": ACCEPT, "mcp-protocol-version": LEGACY, "authorization": f"Bearer {key}"}
    if session_id is not None:
        headers["mcp-session-id"] = session_id
    return headers


async def open_legacy(http: httpx.AsyncClient, url: str, key: str = KEY_A) -> str:
    """``initialize`` a legacy session (and say ``notifications/initialized``); its ``Mcp-Session-Id``."""
    params = {"protocolVersion": LEGACY, "capabilities": {"roots": {}}, "clientInfo": {"name": "fleet-legacy"}}
    body = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params}
    answer = await http.post(url, json=body, headers=legacy_headers(key=key))
    answer.raise_for_status()
    session_id = answer.headers["mcp-session-id"]
    note = await http.post(
        url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=legacy_headers(session_id, key)
    )
    note.raise_for_status()
    return session_id


async def legacy_request(
    http: httpx.AsyncClient, url: str, session_id: str, method: str, params: dict[str, Any], key: str = KEY_A
) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}
    return await http.post(url, json=body, headers=legacy_headers(session_id, key))


def final_message(answer: httpx.Response) -> dict[str, Any]:
    if answer.headers.get("content-type", "").startswith("text/event-stream"):
        return sse_messages(answer.text)[-1]
    message: dict[str, Any] = answer.json()
    return message


async def legacy_call(
    http: httpx.AsyncClient, url: str, session_id: str, tool: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """One legacy ``tools/call`` in the session; the JSON-RPC response (raises on a transport or HTTP error)."""
    answer = await legacy_request(http, url, session_id, "tools/call", {"name": tool, "arguments": arguments})
    answer.raise_for_status()
    return final_message(answer)


async def load(
    url: str,
    *,
    agents: int,
    seconds: float,
    tool: str = "fx__add",
    retries: int = 3,
    retry_errors: bool = False,
    calls_per_agent: int | None = None,
    legacy: int = 0,
) -> LoadReport:
    """``agents`` concurrent agents calling ``tool`` through ``url`` for ``seconds`` (or
    ``calls_per_agent`` calls each); ``legacy`` of them are legacy clients, each opening one session
    first and making every call in it. A call that fails in transit (a replica killed under it) is
    retried up to ``retries`` times, as an agent would; with ``retry_errors``, so is a call the gateway
    answered with an error (its upstream was down or stuck)."""
    report = LoadReport()
    counter = iter(range(10**9))
    limits = httpx.Limits(max_connections=agents, max_keepalive_connections=agents)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(WAIT)) as http:
        # the legacy agents open their sessions first (through the balancer too), then everyone calls
        sessions: list[str | None] = list(await asyncio.gather(*(open_legacy(http, url) for _ in range(legacy))))
        sessions += [None] * (agents - legacy)
        report.sessions = legacy
        deadline = time.monotonic() + seconds

        async def agent(session_id: str | None) -> None:
            done = 0
            while time.monotonic() < deadline and (calls_per_agent is None or done < calls_per_agent):
                n = next(counter)
                started = time.monotonic()
                for attempt in range(retries + 1):
                    try:
                        if session_id is not None:
                            final = await legacy_call(http, url, session_id, tool, {"a": n, "b": 0})
                        else:
                            final = await call_once(http, url, tool, {"a": n, "b": 0})
                    except (httpx.HTTPError, ValueError, IndexError):
                        if attempt == retries:
                            report.errors += 1
                        else:
                            report.retried += 1
                            await asyncio.sleep(0.05 * (attempt + 1))
                        continue
                    result = final.get("result")
                    upstream_trouble = result is None or (retry_errors and result.get("isError"))
                    if upstream_trouble and retry_errors and attempt < retries:
                        report.retried += 1  # the upstream behind that replica is down or stuck: try again
                        await asyncio.sleep(0.05 * (attempt + 1))
                        continue
                    if result is None:
                        report.errors += 1
                    elif result.get("isError"):
                        report.denied += 1
                    else:
                        report.calls += 1
                        report.answered.append(n)
                        report.latencies.append(time.monotonic() - started)
                    break
                done += 1

        begun = time.monotonic()
        await asyncio.gather(*(agent(session_id) for session_id in sessions))
        report.elapsed = time.monotonic() - begun
    return report
