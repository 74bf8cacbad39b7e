"""Benchmark: ``tools/call`` direct vs. through the gateway, side by side in one run.

For a stdio upstream and an HTTP upstream (``bench/echo_server.py``, a raw echo server, so the
gateway's cost is what shows), at 1, 16 and 64 concurrent clients, it prints p50/p99 latency, the
µs the gateway adds at p50, and calls/s. Paths:

- stdio upstream: direct (client ↔ server pipe) · ``portcullis stdio`` · ``portcullis serve`` (HTTP front)
- HTTP upstream: direct (client → server over HTTP) · ``portcullis serve``

The gateways run with everything a real deployment does on a call: the policy decision, a rate limit
taken and settled, the pin check and a durable SQLite audit record before each answer.

The load generator is raw asyncio (keep-alive sockets, pipes, an id→future map) so that the client
costs little next to what it measures. Usage: ``python bench/gateway.py [--calls N] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ECHO = [sys.executable, str(HERE / "echo_server.py")]
CALL = {"name": "echo", "arguments": {"text": "hello world"}}
Caller = Callable[[], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class StdioClient:
    """Newline-delimited JSON-RPC over a child's pipes, many calls in flight."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.next = 0
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            msg = orjson.loads(line)
            fut = self.pending.pop(msg.get("id"), None)
            if fut is not None:
                fut.set_result(msg)

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next] = fut
        assert self.proc.stdin is not None
        self.proc.stdin.write(
            orjson.dumps({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params}) + b"\n"
        )
        return await fut

    async def handshake(self) -> None:
        await self.request(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')

    async def call(self) -> None:
        resp = await self.request("tools/call", CALL)
        if "result" not in resp:
            raise RuntimeError(resp)


class HttpConnection:
    """One keep-alive HTTP/1.1 connection speaking legacy-era MCP (one session per connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.session: bytes | None = None
        self.next = 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        _, headers = await self._post(
            {
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "1"},
                },
            }
        )
        self.session = headers.get(b"mcp-session-id")
        await self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    async def _post(self, msg: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[bytes, bytes]]:
        body = orjson.dumps(msg)
        head = (
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
        )
        if self.session:
            head += b"Mcp-Session-Id: " + self.session + b"\r\n"
        self.writer.write(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        headers: dict[bytes, bytes] = {}
        for line in raw.split(b"\r\n")[1:]:
            if b":" in line:
                k, _, v = line.partition(b":")
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get(b"content-length", b"0"))
        data = await self.reader.readexactly(length) if length else b""
        return (orjson.loads(data) if data else None), headers

    async def call(self) -> None:
        self.next += 1
        resp, _ = await self._post({"jsonrpc": "2.0", "id": self.next, "method": "tools/call", "params": CALL})
        if resp is None or "result" not in resp:
            raise RuntimeError(resp)

    def close(self) -> None:
        self.writer.close()


async def measure(callers: list[Caller], total: int) -> dict[str, float]:
    """Run ``total`` calls spread over ``callers`` (one sequential loop each); latency and throughput."""
    latencies: list[float] = []
    per = max(1, total // len(callers))

    async def loop(call: Caller) -> None:
        for _ in range(per):
            t = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t)

    for call in callers:  # warm-up
        for _ in range(20):
            await call()
    t0 = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in callers))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "p50": statistics.median(latencies) * 1e6,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1e6,
        "rate": len(latencies) / elapsed,
    }


@contextlib.asynccontextmanager
async def process(*cmd: str, pipes: bool = False) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        stdin=asyncio.subprocess.PIPE if pipes else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if pipes else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        limit=16 * 1024 * 1024,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        await proc.wait()


def gateway_config(folder: Path, upstream: dict[str, Any]) -> Path:
    """A config with the whole enforcement path on: a policy (with a rate limit), pins and the SQLite audit.

    ``sessions_per_key`` is raised above the default 100: the sessions test opens 1,000 sessions, all
    anonymous (one "key"), which the default cap would otherwise thin to the 100 newest.
    """
    policy = folder / "bench-policy.json"
    policy.write_text(
        orjson.dumps(
            {
                "version": "1",
                "default": "deny",
                "tools": {
                    "echo": {"limits": [{"counter": "echo", "window": "minute", "max": 10_000_000, "scope": "grant"}]}
                },
            }
        ).decode()
    )
    path = folder / f"bench-{os.getpid()}-{time.monotonic_ns()}.json"
    path.write_text(
        orjson.dumps(
            {
                "servers": {"echo": upstream},
                "prefix_tools": False,
                "policy": str(policy),
                "sessions_per_key": 5000,
                "audit": f"sqlite:///{folder / 'bench-audit.db'}",
                "catalog": {"pins_file": str(folder / "bench-pins.db")},
            }
        ).decode()
    )
    return path


async def stdio_callers(cmd: list[str], n: int) -> tuple[list[Caller], Callable[[], Awaitable[None]]]:
    stack = contextlib.AsyncExitStack()
    proc = await stack.enter_async_context(process(*cmd, pipes=True))
    client = StdioClient(proc)
    await client.handshake()
    return [client.call] * n, stack.aclose


async def http_callers(port: int, n: int) -> tuple[list[Caller], Callable[[], Awaitable[None]]]:
    conns = [HttpConnection(port) for _ in range(n)]
    for c in conns:
        await c.open()

    async def close() -> None:
        for c in conns:
            c.close()

    return [c.call for c in conns], close


async def many_sessions(port: int, n: int) -> str:
    """Open ``n`` legacy sessions at once (one connection each) and make one call on every one."""
    conns = [HttpConnection(port) for _ in range(n)]
    t0 = time.perf_counter()
    opened = await asyncio.gather(*(c.open() for c in conns), return_exceptions=True)
    ok_open = [c for c, r in zip(conns, opened, strict=True) if r is None]
    called = await asyncio.gather(*(c.call() for c in ok_open), return_exceptions=True)
    elapsed = time.perf_counter() - t0
    ok = sum(1 for r in called if r is None)
    for c in ok_open:
        c.close()
    return f"{n} concurrent sessions: {len(ok_open)} opened, {ok} calls answered, in {elapsed:.2f} s"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per cell (default 3000)")
    parser.add_argument("--quick", action="store_true", help="a few calls per cell, to check the script works")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--sessions", type=int, default=1000, help="concurrent sessions to open at the end")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per concurrency (median taken)")
    args = parser.parse_args()
    total = 60 if args.quick else args.calls
    if args.quick:
        args.rounds = 1
    levels = [int(x) for x in args.concurrency.split(",")]
    portcullis = [sys.executable, "-m", "portcullis"]
    rows: list[tuple[str, str, int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stdio_cfg = gateway_config(folder, {"command": ECHO[0], "args": ECHO[1:]})
        http_port = free_port()
        http_cfg = gateway_config(folder, {"url": f"http://127.0.0.1:{http_port}/mcp"})
        gw_stdio_port, gw_http_port = free_port(), free_port()
        async with (
            process(*ECHO, "--http", str(http_port)),
            process(
                *portcullis,
                "serve",
                "-c",
                str(stdio_cfg),
                "--listen",
                f"127.0.0.1:{gw_stdio_port}",
                "--log-level",
                "error",
            ),
            process(
                *portcullis,
                "serve",
                "-c",
                str(http_cfg),
                "--listen",
                f"127.0.0.1:{gw_http_port}",
                "--log-level",
                "error",
            ),
        ):
            for port in (http_port, gw_stdio_port, gw_http_port):
                await wait_port(port)
            await asyncio.sleep(1.0)  # let the gateways finish their upstream handshakes
            for c in levels:
                gateway_stdio = [*portcullis, "stdio", "-c", str(stdio_cfg), "--log-level", "error"]
                paths: list[tuple[str, str, Callable[[], Awaitable[tuple[list[Caller], Any]]]]] = [
                    ("stdio upstream", "direct (stdio)", functools.partial(stdio_callers, ECHO, c)),
                    ("stdio upstream", "portcullis stdio", functools.partial(stdio_callers, gateway_stdio, c)),
                    ("stdio upstream", "portcullis serve (HTTP)", functools.partial(http_callers, gw_stdio_port, c)),
                    ("HTTP upstream", "direct (HTTP)", functools.partial(http_callers, http_port, c)),
                    ("HTTP upstream", "portcullis serve (HTTP)", functools.partial(http_callers, gw_http_port, c)),
                ]
                # Rounds interleave the paths (A B C A B C …) so that the machine's drift hits them
                # alike; each figure is the median over rounds.
                per_path: dict[tuple[str, str], list[dict[str, float]]] = {}
                for _ in range(args.rounds):
                    for group, name, make in paths:
                        try:
                            callers, close = await make()
                            if name == "portcullis stdio":
                                await asyncio.sleep(1.0)
                            stats = await measure(callers, max(total, 20 * c))
                            await close()
                        except Exception as exc:  # report and go on: one broken path must not hide the rest
                            print(f"  {group} / {name} / c={c}: failed: {exc!r}", file=sys.stderr)
                            continue
                        per_path.setdefault((group, name), []).append(stats)
                for (group, name), runs in per_path.items():
                    rows.append((group, name, c, {k: statistics.median(r[k] for r in runs) for k in runs[0]}))
            sessions_line = await many_sessions(gw_stdio_port, 50 if args.quick else args.sessions)
    print(
        f"{'upstream':<15} {'path':<26} {'c':>3} {'p50 µs':>9} {'p99 µs':>9} {'added p50':>10} {'ratio':>6} "
        f"{'calls/s':>9}"
    )
    base: dict[tuple[str, int], dict[str, float]] = {}
    for group, name, c, stats in rows:
        if name.startswith("direct"):
            base[(group, c)] = stats
    for group, name, c, stats in rows:
        ref = base.get((group, c))
        added = f"{stats['p50'] - ref['p50']:+.0f}" if ref else "-"
        ratio = f"{stats['p50'] / ref['p50']:.2f}" if ref else "-"
        print(
            f"{group:<15} {name:<26} {c:>3} {stats['p50']:>9.0f} {stats['p99']:>9.0f} {added:>10} {ratio:>6} "
            f"{stats['rate']:>9.0f}"
        )
    print(sessions_line)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
