"""The floor: the least a Python proxy hop in front of an MCP server can cost (benchmarks only).

Two minimal relays on raw asyncio, doing what any gateway must do for a ``tools/call`` and nothing else:
parse the message (orjson), look at ``method`` and ``params.name``, forward, and hand the answer back.

- ``python bench/floor.py stdio -- CMD...``: a stdio relay in front of a stdio server (lines in, lines out).
- ``python bench/floor.py http PORT (-- CMD... | --upstream-http UPORT)``: an HTTP/1.1 keep-alive relay on
  ``127.0.0.1:PORT`` (``POST /mcp``, one JSON body per request, JSON answer), to a stdio server (an
  id → future map on one pipe, ids rewritten) or to an HTTP server (one keep-alive connection per
  request in flight, reused).

No session, no policy, no audit: ``bench/gateway.py`` reports what Portcullis adds above this.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from typing import Any

import orjson

_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"
_ACCEPTED = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"


def _check(msg: dict[str, Any]) -> None:
    """What every relay looks at: the method, and a call's tool name."""
    if msg.get("method") == "tools/call" and not isinstance((msg.get("params") or {}).get("name"), str):
        raise ValueError("tools/call without a name")


async def stdio_relay(cmd: list[str]) -> None:
    loop = asyncio.get_running_loop()
    child = await asyncio.create_subprocess_exec(
        *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=16 * 1024 * 1024
    )
    assert child.stdin is not None and child.stdout is not None
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout)

    async def down() -> None:
        assert child.stdout is not None
        while line := await child.stdout.readline():
            transport.write(line)

    task = asyncio.create_task(down())
    while line := await reader.readline():
        _check(orjson.loads(line))
        child.stdin.write(line)
    task.cancel()
    child.terminate()
    await child.wait()


class StdioUpstream:
    """One pipe to a stdio server, many requests in flight (ids rewritten, answers matched by id)."""

    def __init__(self, child: asyncio.subprocess.Process) -> None:
        self.child = child
        self.pending: dict[int, tuple[Any, asyncio.Future[bytes]]] = {}
        self.ids = itertools.count(1)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.child.stdout is not None
        while line := await self.child.stdout.readline():
            msg = orjson.loads(line)
            entry = self.pending.pop(msg.get("id"), None)
            if entry is not None:
                msg["id"] = entry[0]
                entry[1].set_result(orjson.dumps(msg))

    async def request(self, msg: dict[str, Any]) -> bytes:
        rid = next(self.ids)
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending[rid] = (msg["id"], fut)
        msg["id"] = rid
        assert self.child.stdin is not None
        self.child.stdin.write(orjson.dumps(msg) + b"\n")
        return await fut


class HttpUpstream:
    """Keep-alive connections to an HTTP server, one per request in flight, reused afterwards."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, msg: dict[str, Any]) -> bytes:
        body = orjson.dumps(msg)
        head = (
            b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\n"
            b"accept: application/json, text/event-stream\r\ncontent-length: %d\r\n\r\n" % (self.port, len(body))
        )
        while self.idle:  # an idle connection the server closed fails at once: take the next one
            reader, writer = self.idle.pop()
            try:
                return await self._exchange(reader, writer, head + body)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return await self._exchange(reader, writer, head + body)

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> bytes:
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        answer = await reader.readexactly(length)
        self.idle.append((reader, writer))
        return answer


async def http_relay(port: int, upstream: StdioUpstream | HttpUpstream) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                msg = orjson.loads(await reader.readexactly(length))
                try:
                    _check(msg)
                except ValueError:
                    writer.write(_BAD_REQUEST)
                    continue
                if "id" not in msg:
                    writer.write(_ACCEPTED)
                    continue
                data = await upstream.request(msg)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                    b"mcp-session-id: floor\r\n\r\n%b" % (len(data), data)
                )
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


async def main() -> None:
    argv = sys.argv[1:]
    cmd: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, cmd = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("front", choices=["stdio", "http"])
    parser.add_argument("port", type=int, nargs="?")
    parser.add_argument("--upstream-http", type=int, metavar="PORT")
    args = parser.parse_args(argv)
    if args.front == "stdio":
        await stdio_relay(cmd)
        return
    upstream: StdioUpstream | HttpUpstream
    if args.upstream_http:
        upstream = HttpUpstream(args.upstream_http)
    else:
        child = await asyncio.create_subprocess_exec(
            *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=16 * 1024 * 1024
        )
        upstream = StdioUpstream(child)
    await http_relay(args.port, upstream)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
