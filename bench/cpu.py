"""Benchmark: the CPU a gateway process spends per ``tools/call`` (1 client), beside its p50 latency.

On a shared 2-core machine the latency of one call moves with everyone else's load (a write that wakes
another process can lose the CPU to it for a whole time slice); the CPU time the gateway itself spends
per call (user + system, all its threads, from ``/proc/PID/stat``) moves far less, so it is the figure
to compare two builds by. Paths: the floor relays (``bench/floor.py``), ``portcullis stdio`` and
``portcullis serve`` with full enforcement (``gateway.gateway_config``), to a stdio upstream, and
``serve`` to an HTTP upstream. ``--before DIR`` runs each Portcullis path from another checkout's
``src`` too, interleaved round by round with this one. Linux only (``/proc``).

Usage: ``python bench/cpu.py [--calls N] [--rounds R] [--before DIR] [--only stdio,serve,...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import ECHO, HERE, Caller, StdioClient, free_port, http_callers, measure, process, wait_port

from gateway import _serve, _stdio, gateway_config

_TICK = os.sysconf("SC_CLK_TCK")
PATHS = ("floor stdio", "floor http", "stdio", "serve", "serve → http")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (every thread), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


Connect = Callable[[], Awaitable[tuple[Caller, Callable[[], Awaitable[None]]]]]


@contextlib.asynccontextmanager
async def _path(name: str, folder: Path, echo_http: int, env: dict[str, str]) -> AsyncIterator[tuple[int, Connect]]:
    """Start one path; yield the pid whose CPU is counted and how to get a caller for a round (an HTTP
    connection is opened per round: one left idle while the other paths run would reach the keep-alive
    timeout)."""
    py = sys.executable
    stdio_up = {"command": ECHO[0], "args": ECHO[1:]}
    async with contextlib.AsyncExitStack() as stack:
        if name in ("floor stdio", "stdio"):
            config = gateway_config(folder, stdio_up)
            cmd = [py, str(HERE / "floor.py"), "stdio", "--", *ECHO] if name == "floor stdio" else _stdio(py, config)
            proc = await stack.enter_async_context(process(*cmd, pipes=True, env=env))
            client = StdioClient(proc)
            await client.handshake()
            await asyncio.sleep(1.0)  # the gateway finishing its start-up

            async def piped() -> tuple[Caller, Callable[[], Awaitable[None]]]:
                return client.call, _nothing

            yield proc.pid, piped
            return
        port = free_port()
        if name == "floor http":
            cmd = [py, str(HERE / "floor.py"), "http", str(port), "--", *ECHO]
        else:
            upstream = {"url": f"http://127.0.0.1:{echo_http}/mcp"} if name == "serve → http" else stdio_up
            cmd = list(_serve(py, gateway_config(folder, upstream), port))
        proc = await stack.enter_async_context(process(*cmd, env=env))
        await wait_port(port, 60.0)
        await asyncio.sleep(1.0)

        async def connected() -> tuple[Caller, Callable[[], Awaitable[None]]]:
            callers, close = await http_callers(port, 1)
            return callers[0], close

        yield proc.pid, connected


async def _nothing() -> None:
    return None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are shown (default 5)")
    parser.add_argument("--before", type=Path, help="also run the Portcullis paths from this src folder")
    parser.add_argument("--only", default="", help="comma-separated path names (default: all)")
    args = parser.parse_args()
    names = [n for n in PATHS if not args.only or n in args.only.split(",")]
    builds: list[tuple[str, dict[str, str]]] = [("", {})]
    if args.before:
        builds.append((" [before]", {"PYTHONPATH": str(args.before.resolve())}))
    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            echo_http = free_port()
            await stack.enter_async_context(process(*ECHO, "--http", str(echo_http)))
            await wait_port(echo_http)
            running: dict[str, tuple[int, Connect]] = {}
            for name in names:
                for label, env in builds if not name.startswith("floor") else builds[:1]:
                    running[name + label] = await stack.enter_async_context(_path(name, Path(tmp), echo_http, env))
            results: dict[str, list[tuple[float, float]]] = {key: [] for key in running}
            for _ in range(args.rounds):
                for key, (pid, connect) in running.items():
                    call, close = await connect()
                    await measure([call], 200)  # warm
                    before = cpu_seconds(pid)
                    stats = await measure([call], args.calls)
                    results[key].append((stats["p50"], (cpu_seconds(pid) - before) * 1e6 / args.calls))
                    await close()
    print(f"{'path':<24} {'p50 µs':>8} {'CPU µs/call':>12}   (per round)")
    for key, runs in results.items():
        p50 = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{key:<24} {p50:>8.0f} {cpu:>12.0f}   ({' '.join(f'{r[1]:.0f}' for r in runs)})")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
