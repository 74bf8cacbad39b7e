"""The raw keep-alive POST client against a real uvicorn server: reuse, chunked SSE bodies, failures."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from portcullis.upstream.transports.rawhttp import RawHttpPool
from tests.harness import accepts, free_port
from tests.waiting import SLOW_WAIT, wait_for

ECHO = Path(__file__).resolve().parents[2] / "bench" / "echo_server.py"
CALL = orjson.dumps(
    {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "hi"}}}
)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ECHO), "--http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: accepts(port), "the echo server listening", SLOW_WAIT)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


async def test_posts_reuse_one_connection(port: int) -> None:
    pool = RawHttpPool("127.0.0.1", port, "/mcp")
    try:
        for _ in range(20):
            response = await pool.post(CALL, {"Content-Type": "application/json"})
            assert response.status == 200 and response.content_type == "application/json"
            assert "content-length" in response.headers and response.headers.get("Content-Type")
            body = orjson.loads(await response.read())
            assert body["result"]["content"][0]["text"] == "hi"
            response.release()
        assert len(pool.idle) == 1  # one connection served every call
    finally:
        pool.close()


async def test_concurrent_posts_each_get_their_own_answer(port: int) -> None:
    pool = RawHttpPool("127.0.0.1", port, "/mcp")

    async def one(i: int) -> str:
        body = orjson.dumps(
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "tools/call",
                "params": {"name": "echo", "arguments": {"text": str(i)}},
            }
        )
        response = await pool.post(body, {"Content-Type": "application/json"})
        data = orjson.loads(await response.read())
        response.release()
        return str(data["result"]["content"][0]["text"])

    try:
        assert await asyncio.gather(*(one(i) for i in range(30))) == [str(i) for i in range(30)]
    finally:
        pool.close()


async def test_a_closed_port_fails_at_once_with_an_os_error() -> None:
    pool = RawHttpPool("127.0.0.1", free_port(), "/mcp")
    with pytest.raises(OSError):
        await pool.post(CALL, {})


async def test_one_connection_reads_a_streamed_answer_then_a_whole_one() -> None:
    """The connection's one parser reads response after response; the type and length are read from the
    headers as aiohttp gives them (lower-case type without parameters; no length for a chunked body)."""
    second_chunk = asyncio.Event()
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nevent:\r\n"
        )
        await second_chunk.wait()
        writer.write(b"5\r\n data\r\n0\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: Application/JSON; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}")
        await reader.read()  # until the client closes

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = RawHttpPool("127.0.0.1", port, "/mcp")
    try:
        first = await pool.post(b"", {})
        assert (first.content_type, first.content_length) == ("text/event-stream", None)
        chunks = first.content.iter_any()
        assert await chunks.__anext__() == b"event:"
        second_chunk.set()
        assert await chunks.__anext__() == b" data"
        assert await first.read() == b"" and first.content.at_eof()
        first.release()
        second = await pool.post(b"{}", {"Content-Type": "application/json"})
        assert (second.status, second.content_type, second.content_length) == (200, "application/json", 2)
        assert second.headers["content-type"] == "Application/JSON; charset=utf-8"
        assert await second.read() == b"{}"
        second.release()
        assert connections == 1 and len(pool.idle) == 1
    finally:
        pool.close()
        server.close()
        await server.wait_closed()
