"""Benchmark: ``tools/call`` direct, through the floor, through Portcullis and through its peers, in one run.

For a stdio upstream and an HTTP upstream (``bench/echo_server.py``, a raw echo server, so that what
shows is the hop's cost), at 1, 16 and 64 concurrent clients, every path runs in interleaved rounds
(A B C … A B C …, medians over rounds) and the table gives p50/p99 latency, the µs each path adds at p50
over the direct path, the ratio of that to what the floor adds, calls/s, and the CPU time the serving
process itself spent per call (``cpu µs``, from ``/proc``: on a busy machine calls/s swing with what
else runs, CPU time per call much less). Paths:

- direct: the client talks to the server itself;
- floor: ``bench/floor.py``, a minimal raw-asyncio relay (stdio → stdio, HTTP → stdio, HTTP → HTTP);
- ``portcullis stdio`` and ``portcullis serve``, "full" (a policy with argument rules and a rate limit
  in memory, the pin check, a durable SQLite audit record before each answer) and "bare" (a policy that
  allows every tool and has no rules; the audit record cannot be turned off, so it is written too);
- peers from the registries, when their Python is given: a naive proxy on the ``mcp`` SDK
  (``bench/peers/mcp_proxy.py``, always), fastmcp's proxy (``--fastmcp-python``) and ContextForge's
  gateway (``--contextforge``, see ``bench/peers/contextforge.py``). Peers are slow: they get
  ``--peer-calls`` calls per cell.

The load generator (``bench/loadgen.py``) is raw asyncio (keep-alive sockets, pipes, an id → future map).
``--src DIR`` runs the Portcullis paths from another checkout's ``src`` (to compare before/after in the
same conditions). ``--rss-minutes M`` then holds 16 clients on ``portcullis serve`` for M minutes and
prints its RSS once a minute. Usage: ``python bench/gateway.py [--calls N] [--rounds R] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import (
    ECHO,
    HERE,
    Caller,
    StdioClient,
    free_port,
    http_callers,
    many_sessions,
    measure,
    process,
    stdio_callers,
    wait_port,
)

__all__ = ["ECHO", "gateway_config", "stdio_callers"]

Make = Callable[[int], Awaitable[tuple[list[Caller], Callable[[], Awaitable[None]]]]]


@dataclass
class Route:
    """One way to reach the echo tool, and what it is compared with."""

    group: str  # "stdio upstream" / "HTTP upstream"
    name: str
    make: Make
    floor: str | None = None  # the floor path this one is compared with
    peer: bool = False
    settle: float = 0.0  # seconds to wait after opening (a stdio gateway starting its upstream)


def gateway_config(folder: Path, upstream: dict[str, Any], *, full: bool = True) -> Path:
    """A config; ``full``: a policy with argument rules and a rate limit, pins and the SQLite audit.

    ``sessions_per_key`` is raised above the default 100: the sessions test opens 1,000 sessions, all
    anonymous (one "key"), which the default cap would otherwise thin to the 100 newest.
    """
    name = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    config: dict[str, Any] = {
        "servers": {"echo": upstream},
        "prefix_tools": False,
        "sessions_per_key": 5000,
        # always on (it cannot be turned off); a file per gateway: five starting at once on one file
        # could find it locked while another created it
        "audit": f"sqlite:///{folder / (name + '-audit.db')}",
    }
    if not full:  # no rules: a policy that allows every tool (without one, every call would be refused)
        policy = folder / "bench-allow-all.json"
        policy.write_text(orjson.dumps({"version": "1", "default": "allow"}).decode())
        config["policy"] = str(policy)
    else:
        policy = folder / "bench-policy.json"
        rule = {
            "args": {
                "type": "object",
                "required": ["text"],
                "properties": {"text": {"type": "string", "maxLength": 4096}},
            },
            "deny_if": [{"conditions": [{"path": "args.text", "op": "contains", "value": "rm -rf"}]}],
            "limits": [{"counter": "echo", "window": "minute", "max": 10_000_000, "scope": "grant"}],
        }
        policy.write_text(orjson.dumps({"version": "1", "default": "deny", "tools": {"echo": rule}}).decode())
        config |= {
            "policy": str(policy),
            "catalog": {"pins_file": str(folder / "bench-pins.db")},
        }
    path = folder / f"{name}.json"
    path.write_text(orjson.dumps(config).decode())
    return path


def _serve(python: str, config: Path, port: int) -> tuple[str, ...]:
    return (python, "-m", "portcullis", "serve", "-c", str(config), "--listen", f"127.0.0.1:{port}")


def _stdio(python: str, config: Path) -> list[str]:
    return [python, "-m", "portcullis", "stdio", "-c", str(config), "--log-level", "error"]


# The ``ports`` key of the process that serves each HTTP path (its CPU time per call is measured).
_SERVED_BY = {
    "floor: HTTP relay": "floor_http_stdio",
    "portcullis serve, full": "serve_full",
    "portcullis serve, bare": "serve_bare",
    "portcullis serve, full [before]": "before_full",
    "peer: mcp SDK naive proxy": "mcp_proxy",
    "peer: fastmcp proxy": "fastmcp",
    "floor: HTTP relay → HTTP": "floor_http_http",
    "portcullis serve, full → HTTP": "serve_http",
    "portcullis serve, full → HTTP [before]": "before_http",
}


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stdio_pid(path: Route, callers: list[Caller]) -> int | None:
    """The process a stdio path's client talks to, when it is a relay or a gateway (its CPU is counted)."""
    if not path.name.startswith(("portcullis stdio", "floor: stdio")):
        return None
    client = getattr(callers[0], "__self__", None) if callers else None
    return client.proc.pid if isinstance(client, StdioClient) else None


def _serving_port(cmd: tuple[str, ...], ports: dict[str, int]) -> int | None:
    """The port a command serves on: the first of ``ports`` among its arguments (an upstream's comes after)."""
    for arg in cmd:
        for port in ports.values():
            if arg == str(port) or arg.endswith(f":{port}"):
                return port
    return None


def _print_table(rows: list[tuple[Route, int, dict[str, float]]]) -> None:
    direct: dict[tuple[str, int], float] = {}
    by_name: dict[tuple[str, int], float] = {}
    for path, c, stats in rows:
        if path.name.startswith("direct"):
            direct[(path.group, c)] = stats["p50"]
    for path, c, stats in rows:
        base = direct.get((path.group, c))
        if base is not None:
            by_name[(path.name, c)] = stats["p50"] - base
    print(
        f"{'upstream':<15} {'path':<34} {'c':>3} {'p50 µs':>9} {'p99 µs':>9} {'added':>9} {'×floor':>7} {'calls/s':>8}"
        f" {'cpu µs':>7}"
    )
    for path, c, stats in rows:
        added = by_name.get((path.name, c))
        floor = by_name.get((path.floor, c)) if path.floor else None
        ratio = f"{added / floor:.1f}" if added is not None and floor and floor > 0 else "-"
        shown = f"{added:+.0f}" if added is not None and not path.name.startswith("direct") else "-"
        cpu = f"{stats['cpu']:.0f}" if stats.get("cpu", 0) > 0 else "-"
        print(
            f"{path.group:<15} {path.name:<34} {c:>3} {stats['p50']:>9.0f} {stats['p99']:>9.0f} {shown:>9} "
            f"{ratio:>7} {stats['rate']:>8.0f} {cpu:>7}"
        )


async def _rss_run(port: int, pid: int, minutes: float) -> None:
    """Hold 16 clients on a gateway for ``minutes``; print its RSS once a minute."""
    callers, close = await http_callers(port, 16)
    stop = time.monotonic() + minutes * 60
    calls = 0

    async def loop(call: Caller) -> None:
        nonlocal calls
        while time.monotonic() < stop:
            await call()
            calls += 1

    async def report() -> None:
        while time.monotonic() < stop:
            status = Path(f"/proc/{pid}/status").read_text()
            rss = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
            print(f"  rss after {calls} calls: {int(rss) // 1024} MB", flush=True)
            await asyncio.sleep(60)

    await asyncio.gather(report(), *(loop(c) for c in callers))
    await close()


def _paths(
    full_cfg: Path,
    bare_cfg: Path,
    ports: dict[str, int],
    env: dict[str, str],
    before: dict[str, str] | None,
    contextforge: Any = None,
) -> list[Route]:
    """Every path, in the order the rounds run them."""
    py = sys.executable
    floor_stdio = [py, str(HERE / "floor.py"), "stdio", "--", *ECHO]
    s, h = "stdio upstream", "HTTP upstream"
    paths = [
        Route(s, "direct (stdio)", lambda c: stdio_callers(ECHO, c)),
        Route(s, "floor: stdio relay", lambda c: stdio_callers(floor_stdio, c)),
        Route(s, "portcullis stdio, full", lambda c: stdio_callers(_stdio(py, full_cfg), c, env), "floor: stdio relay"),
        Route(s, "portcullis stdio, bare", lambda c: stdio_callers(_stdio(py, bare_cfg), c, env), "floor: stdio relay"),
        *(
            [
                Route(
                    s,
                    "portcullis stdio, full [before]",
                    lambda c: stdio_callers(_stdio(py, full_cfg), c, before),
                    "floor: stdio relay",
                    settle=1.0,
                )
            ]
            if before is not None
            else []
        ),
        Route(s, "floor: HTTP relay", lambda c: http_callers(ports["floor_http_stdio"], c)),
        Route(s, "portcullis serve, full", lambda c: http_callers(ports["serve_full"], c), "floor: HTTP relay"),
        Route(s, "portcullis serve, bare", lambda c: http_callers(ports["serve_bare"], c), "floor: HTTP relay"),
        *(
            [
                Route(
                    s,
                    "portcullis serve, full [before]",
                    lambda c: http_callers(ports["before_full"], c),
                    "floor: HTTP relay",
                )
            ]
            if before is not None
            else []
        ),
        Route(s, "peer: mcp SDK naive proxy", lambda c: http_callers(ports["mcp_proxy"], c), "floor: HTTP relay", True),
    ]
    for i, p in enumerate(paths):
        if p.name.startswith("portcullis stdio"):
            paths[i].settle = 1.0
    if "fastmcp" in ports:
        paths.append(
            Route(s, "peer: fastmcp proxy", lambda c: http_callers(ports["fastmcp"], c), "floor: HTTP relay", True)
        )
    if contextforge is not None:
        cf = contextforge
        paths.append(
            Route(
                s,
                "peer: ContextForge gateway",
                lambda c: http_callers(cf.port, c, cf.path, cf.headers, cf.tool),
                "floor: HTTP relay",
                True,
            )
        )
    paths += [
        Route(h, "direct (HTTP)", lambda c: http_callers(ports["echo_http"], c)),
        Route(h, "floor: HTTP relay → HTTP", lambda c: http_callers(ports["floor_http_http"], c)),
        Route(
            h,
            "portcullis serve, full → HTTP",
            lambda c: http_callers(ports["serve_http"], c),
            "floor: HTTP relay → HTTP",
        ),
    ]
    if before is not None:
        paths.append(
            Route(
                h,
                "portcullis serve, full → HTTP [before]",
                lambda c: http_callers(ports["before_http"], c),
                "floor: HTTP relay → HTTP",
            )
        )
    return paths


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per cell (default 3000)")
    parser.add_argument("--peer-calls", type=int, default=300, help="calls per cell for the peers (default 300)")
    parser.add_argument("--quick", action="store_true", help="a few calls per cell, to check the script works")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--sessions", type=int, default=1000, help="concurrent sessions to open at the end")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per concurrency (median taken)")
    parser.add_argument("--only", default="", help="comma-separated substrings: run only the paths that match")
    parser.add_argument("--src", type=Path, help="run Portcullis from this src folder (another checkout)")
    parser.add_argument("--before", type=Path, help="also run the full paths from this src folder, marked [before]")
    parser.add_argument("--fastmcp-python", help="a Python with fastmcp installed: adds fastmcp's proxy")
    parser.add_argument("--contextforge", help="a venv with mcp-contextforge-gateway installed: adds its gateway")
    parser.add_argument("--rss-minutes", type=float, default=0.0, help="then hold 16 clients for M minutes, print RSS")
    args = parser.parse_args()
    total = 60 if args.quick else args.calls
    if args.quick:
        args.rounds = 1
    env = {"PYTHONPATH": str(args.src.resolve())} if args.src else {}
    levels = [int(x) for x in args.concurrency.split(",")]
    names = [n for n in args.only.split(",") if n]
    py = sys.executable
    rows: list[tuple[Route, int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ports = {
            k: free_port()
            for k in ("echo_http", "floor_http_stdio", "floor_http_http", "serve_full", "serve_bare", "serve_http")
        }
        ports["mcp_proxy"] = free_port()
        full_cfg = gateway_config(folder, {"command": ECHO[0], "args": ECHO[1:]})
        bare_cfg = gateway_config(folder, {"command": ECHO[0], "args": ECHO[1:]}, full=False)
        http_cfg = gateway_config(folder, {"url": f"http://127.0.0.1:{ports['echo_http']}/mcp"})
        async with contextlib.AsyncExitStack() as stack:
            servers: list[tuple[str, ...]] = [
                (*ECHO, "--http", str(ports["echo_http"])),
                (py, str(HERE / "floor.py"), "http", str(ports["floor_http_stdio"]), "--", *ECHO),
                (
                    py,
                    str(HERE / "floor.py"),
                    "http",
                    str(ports["floor_http_http"]),
                    "--upstream-http",
                    str(ports["echo_http"]),
                ),
                (py, str(HERE / "peers" / "mcp_proxy.py"), str(ports["mcp_proxy"]), "--", *ECHO),
            ]
            gateways = [
                _serve(py, full_cfg, ports["serve_full"]),
                _serve(py, bare_cfg, ports["serve_bare"]),
                _serve(py, http_cfg, ports["serve_http"]),
            ]
            if args.fastmcp_python:
                ports["fastmcp"] = free_port()
                servers.append(
                    (args.fastmcp_python, str(HERE / "peers" / "fastmcp_proxy.py"), str(ports["fastmcp"]), "--", *ECHO)
                )
            pids: dict[int | None, int] = {}
            for cmd in servers:
                pids[_serving_port(cmd, ports)] = (await stack.enter_async_context(process(*cmd))).pid
            procs = [await stack.enter_async_context(process(*cmd, env=env)) for cmd in gateways]
            pids |= {_serving_port(cmd, ports): proc.pid for cmd, proc in zip(gateways, procs, strict=True)}
            before = {"PYTHONPATH": str(args.before.resolve())} if args.before else None
            if before is not None:
                ports["before_full"], ports["before_http"] = free_port(), free_port()
                for cmd in (_serve(py, full_cfg, ports["before_full"]), _serve(py, http_cfg, ports["before_http"])):
                    pids[_serving_port(cmd, ports)] = (await stack.enter_async_context(process(*cmd, env=before))).pid
            cf = None
            if args.contextforge:
                from peers.contextforge import contextforge

                cf = await stack.enter_async_context(contextforge(Path(args.contextforge), folder))
            for port in ports.values():
                await wait_port(port, 60.0)
            await asyncio.sleep(1.0)  # let the gateways finish their upstream handshakes
            paths = [
                p
                for p in _paths(full_cfg, bare_cfg, ports, env, before, cf)
                if not names or any(n in p.name for n in names)
            ]
            for c in levels:
                per_path: dict[str, list[dict[str, float]]] = {}
                for _ in range(args.rounds):
                    for path in paths:
                        calls = max(args.peer_calls, 2 * c) if path.peer else max(total, 20 * c)
                        try:
                            callers, close = await path.make(c)
                            await asyncio.sleep(path.settle)
                            pid = pids.get(ports.get(_SERVED_BY.get(path.name, ""), -1)) or _stdio_pid(path, callers)
                            cpu = _cpu_seconds(pid)
                            stats = await measure(callers, calls)
                            made = (max(1, calls // c) + 20) * c  # measure()'s calls and its warm-up
                            stats["cpu"] = (_cpu_seconds(pid) - cpu) * 1e6 / made if pid else 0.0
                            await close()
                        except Exception as exc:  # report and go on: one broken path must not hide the rest
                            print(f"  {path.group} / {path.name} / c={c}: failed: {exc!r}", file=sys.stderr)
                            continue
                        per_path.setdefault(path.name, []).append(stats)
                for path in paths:
                    runs = per_path.get(path.name)
                    if runs:
                        rows.append((path, c, {k: statistics.median(r[k] for r in runs) for k in runs[0]}))
            sessions_line = await many_sessions(ports["serve_full"], 50 if args.quick else args.sessions)
            _print_table(rows)
            print(sessions_line)
            print(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
            if args.rss_minutes:
                await _rss_run(ports["serve_full"], procs[0].pid, args.rss_minutes)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
