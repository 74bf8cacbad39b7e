"""A client that stops reading its event stream holds up nobody but itself.

``Outbox`` on its own (taken at once, written in order, notifications over the limit dropped, requests
kept), then a real ``portcullis serve`` in front of the raw fixture upstream, with a client that sends
a request over a socket and never reads the answer while the upstream floods it with notifications:
progress on the client's own call (its answers from that upstream used to wait behind them, so every
other client's calls to it timed out), and ``resources/updated`` broadcast to its GET stream (the
broadcast, and the upstream's messages behind it, used to wait for it).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from portcullis.edge.outbox import Outbox
from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import LegacySession, answer, post_modern
from tests.waiting import WAIT, wait_for

FLOOD = 100_000  # notifications of ~150 bytes: far more than the socket buffers between gateway and client hold


async def test_messages_are_taken_at_once_written_in_order_and_notifications_over_the_limit_dropped() -> None:
    written: list[bytes] = []
    reading = asyncio.Event()

    async def write(data: bytes) -> None:
        await reading.wait()  # the client reads nothing until told to
        written.append(data)

    outbox = Outbox(write, limit=100)
    for i in range(20):
        outbox.put({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progress": i}})
    outbox.put({"jsonrpc": "2.0", "id": 7, "method": "sampling/createMessage"})  # a question is never dropped
    assert outbox.dropped > 0 and written == []
    reading.set()
    await asyncio.wait_for(outbox.flush(), WAIT)
    messages = [json.loads(d) for d in written]
    progress = [m["params"]["progress"] for m in messages if "params" in m]
    assert progress == sorted(progress) and progress[0] == 0
    assert messages[-1]["id"] == 7 and len(messages) + outbox.dropped == 21


async def test_a_failed_write_ends_the_outbox_quietly() -> None:
    async def write(data: bytes) -> None:
        raise ConnectionResetError("gone")

    outbox = Outbox(write)
    outbox.put({"jsonrpc": "2.0", "method": "notifications/progress"})
    await asyncio.wait_for(outbox.flush(), WAIT)
    assert outbox.broken
    outbox.put({"jsonrpc": "2.0", "method": "notifications/progress"})  # taken and forgotten
    await asyncio.wait_for(outbox.flush(), WAIT)


# -- through a running gateway ----------------------------------------------------------------------


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[Gateway]:
    # fx's per-call timeout is what a held-up answer would wait out: short, yet ample on a busy machine.
    servers = {"fx": fixture("fx", era="legacy", state=tmp_path / "fx-state", timeout=10)}
    with running_gateway(tmp_path, servers) as gateway:
        yield gateway


def _never_read(gw: Gateway, head: str, body: dict[str, Any] | None) -> socket.socket:
    """Send one request on a socket whose receive buffer is tiny, and never read from it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", gw.port))
    data = json.dumps(body).encode() if body is not None else b""
    sock.sendall(f"{head}Host: 127.0.0.1:{gw.port}\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
    return sock


def _text(reply: dict[str, Any]) -> str:
    assert "result" in reply, reply
    text: str = reply["result"]["content"][0]["text"]
    return text


def test_a_client_not_reading_its_calls_progress_does_not_hold_up_other_clients(gw: Gateway, tmp_path: Path) -> None:
    with httpx.Client(timeout=WAIT) as http:
        session = LegacySession(http, gw.url)
        call = {
            "jsonrpc": "2.0",
            "id": 99,
            "method": "tools/call",
            "params": {
                "name": "fx__progress",
                "arguments": {"steps": FLOOD, "pause": 0},
                "_meta": {"progressToken": 1},
            },
        }
        head = (
            "POST /mcp HTTP/1.1\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
            f"Mcp-Session-Id: {session.sid}\r\nMcp-Protocol-Version: 2025-11-25\r\n"
        )
        stalled = _never_read(gw, head, call)
        try:
            sent = tmp_path / "fx-state" / "progress"
            wait_for(sent.exists, "the upstream sent every progress notification and its answer")
            # this client's answer from fx comes after all of those: it must not wait behind them
            assert (
                _text(
                    answer(post_modern(http, gw.url, "tools/call", {"name": "fx__echo", "arguments": {"text": "on"}}))
                )
                == "on"
            )
            assert "a client is not reading its event stream" in gw.log()
        finally:
            stalled.close()


def test_a_get_stream_not_read_does_not_hold_up_broadcasts_or_the_upstream(gw: Gateway) -> None:
    uri = "fx://fx/static"
    with httpx.Client(timeout=WAIT) as http:
        listener = LegacySession(http, gw.url)
        assert "result" in listener.call("resources/subscribe", {"uri": uri})
        head = f"GET /mcp HTTP/1.1\r\nAccept: text/event-stream\r\nMcp-Session-Id: {listener.sid}\r\n"
        stalled = _never_read(gw, head, None)
        try:
            other = LegacySession(http, gw.url)
            touch = {"name": "fx__touch", "arguments": {"uri": uri, "always": True, "times": FLOOD}}
            assert _text(other.call("tools/call", touch)) == f"touched {uri}"  # sent after every update
            assert _text(other.call("tools/call", {"name": "fx__echo", "arguments": {"text": "on"}})) == "on"
        finally:
            stalled.close()
