"""The load generator of the benchmarks: raw asyncio clients that cost little next to what they measure.

``StdioClient`` speaks newline-delimited JSON-RPC over a child's pipes (many calls in flight, an
id → future map); ``HttpConnection`` is one keep-alive HTTP/1.1 connection speaking legacy-era MCP
(one session per connection); ``measure`` runs calls from many sequential callers at once and returns
p50, p99 and calls/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import sys
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
        _check(await self.request("tools/call", CALL))


class HttpConnection:
    """One keep-alive HTTP/1.1 connection speaking legacy-era MCP (one session per connection)."""

    def __init__(self, port: int, path: str = "/mcp", extra_headers: bytes = b"", tool: str = "echo") -> None:
        self.port = port
        self.params = {**CALL, "name": tool}
        self.head = (
            b"POST %b HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n%b"
        ) % (path.encode(), port, extra_headers)
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
        if self.session:
            self.head += b"Mcp-Session-Id: " + self.session + b"\r\n"
        await self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})

    async def _post(self, msg: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[bytes, bytes]]:
        body = orjson.dumps(msg)
        head = self.head
        self.writer.write(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        headers: dict[bytes, bytes] = {}
        for line in raw.split(b"\r\n")[1:]:
            if b":" in line:
                k, _, v = line.partition(b":")
                headers[k.strip().lower()] = v.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            data = b""
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2], 16):
                data += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            length = int(headers.get(b"content-length", b"0"))
            data = await self.reader.readexactly(length) if length else b""
        return (orjson.loads(data) if data else None), headers

    async def call(self) -> None:
        self.next += 1
        resp, _ = await self._post({"jsonrpc": "2.0", "id": self.next, "method": "tools/call", "params": self.params})
        _check(resp)

    def close(self) -> None:
        self.writer.close()


def _check(resp: dict[str, Any] | None) -> None:
    """A call measured must have been forwarded and answered: an error or a refusal (a tool result with
    ``isError``, as a policy's denial is) would time the wrong thing."""
    if resp is None or not isinstance(resp.get("result"), dict) or resp["result"].get("isError"):
        raise RuntimeError(f"the benchmark's call was not answered by the upstream: {resp}")


async def measure(callers: list[Caller], total: int) -> dict[str, float]:
    """Run ``total`` calls spread over ``callers`` (one sequential loop each); latency and throughput."""
    latencies: list[float] = []
    per = max(1, total // len(callers))

    async def loop(call: Caller) -> None:
        for _ in range(per):
            t = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t)

    async def warm(call: Caller) -> None:
        for _ in range(20):
            await call()

    await asyncio.gather(*(warm(c) for c in callers))  # together: no connection sits idle past keep-alive
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
async def process(
    *cmd: str, pipes: bool = False, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A child process for the length of the block (stderr discarded), terminated at the end."""
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        env=None if env is None else {**os.environ, **env},
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


async def stdio_callers(
    cmd: list[str], n: int, env: dict[str, str] | None = None
) -> tuple[list[Caller], Callable[[], Awaitable[None]]]:
    stack = contextlib.AsyncExitStack()
    proc = await stack.enter_async_context(process(*cmd, pipes=True, env=env))
    client = StdioClient(proc)
    await client.handshake()
    return [client.call] * n, stack.aclose


async def http_callers(
    port: int, n: int, path: str = "/mcp", extra_headers: bytes = b"", tool: str = "echo"
) -> tuple[list[Caller], Callable[[], Awaitable[None]]]:
    conns = [HttpConnection(port, path, extra_headers, tool) for _ in range(n)]
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
