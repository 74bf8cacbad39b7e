"""``Coalescer``: the lines sent in one turn of the event loop leave in one write, in order; a line written
alone goes at once and schedules nothing, and the lines after it are still gathered; a real stdio server
answers every request of a burst (and a lone request), and a held line that cannot be written fails as
unsent."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from portcullis._plumbing.coalesce import Coalescer
from portcullis.errors import UpstreamUnavailable
from portcullis.upstream.transports.stdio import StdioTransport
from tests.gateway.proc import FIXTURE
from tests.waiting import until


async def test_the_first_line_of_a_turn_goes_at_once_and_the_rest_together() -> None:
    writes: list[bytes] = []
    out = Coalescer(writes.append, lambda ids, exc: None, asyncio.get_running_loop())
    out.write(b"a\n", 1)
    assert writes == [b"a\n"]  # a lone call waits for nothing
    out.write(b"b\n", 2)
    out.write(b"c\n", 3)
    assert writes == [b"a\n"] and out.holding == 2
    await until(lambda: out.holding == 0, "the end of the turn")
    assert writes == [b"a\n", b"b\nc\n"]  # one write for the rest of the turn, in order
    await asyncio.sleep(0)
    out.write(b"d\n", 4)  # a new turn: at once again
    assert writes[-1] == b"d\n"


async def test_a_line_written_alone_goes_at_once_and_marks_no_turn() -> None:
    writes: list[bytes] = []
    loop = asyncio.get_running_loop()
    out = Coalescer(writes.append, lambda ids, exc: None, loop)
    out.write(b"a\n", 1, alone=True)
    out.write(b"b\n", 2, alone=True)
    assert writes == [b"a\n", b"b\n"] and out.holding == 0  # each at once: nothing held, no end of turn
    assert not out._turn  # no flush was scheduled


async def test_after_a_lone_line_the_next_lines_of_the_turn_go_together() -> None:
    writes: list[bytes] = []
    out = Coalescer(writes.append, lambda ids, exc: None, asyncio.get_running_loop())
    out.write(b"a\n", 1, alone=True)
    out.write(b"b\n", 2)  # not alone: others may join it this turn
    out.write(b"c\n", 3, alone=True)  # lines are held: it joins them, in order
    out.write(b"d\n", 4)
    assert writes == [b"a\n"] and out.holding == 3
    await until(lambda: out.holding == 0, "the end of the turn")
    assert writes == [b"a\n", b"b\nc\nd\n"]
    await asyncio.sleep(0)
    out.write(b"e\n", 5)  # a new turn after a flush: the first line goes at once, as before
    assert writes[-1] == b"e\n"


async def test_held_lines_that_cannot_be_written_are_reported_by_request_id() -> None:
    lost: list[tuple[list[int], str]] = []
    broken = False

    def send(data: bytes) -> None:
        if broken:
            raise BrokenPipeError("gone")

    out = Coalescer(send, lambda ids, exc: lost.append((ids, str(exc))), asyncio.get_running_loop())
    out.write(b"a\n", 1)
    out.write(b"note\n")  # a notification: no request waits on it
    out.write(b"b\n", 2)
    broken = True
    out.flush()
    assert lost == [([2], "gone")]


def _fixture() -> StdioTransport:
    return StdioTransport("fx", sys.executable, (str(FIXTURE), "--name", "fx", "--era", "legacy"))


@contextlib.asynccontextmanager
async def _counted() -> AsyncIterator[tuple[StdioTransport, list[bytes]]]:
    """The fixture server on a stdio transport, past its handshake, with every write to its pipe counted
    (the writes still happen)."""
    t = _fixture()
    await t.open()
    try:
        assert t._stdin is not None and t._out is not None
        real_write = t._stdin.write
        writes: list[bytes] = []

        def counted(data: bytes) -> None:
            writes.append(data)
            real_write(data)

        t._out._send = counted
        init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}
        await t.request({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}, 10)
        await t.notify({"jsonrpc": "2.0", "method": "notifications/initialized"})
        out = t._out
        await until(lambda: out.holding == 0, "the notification written")  # after a lone line: at the turn's end
        writes.clear()
        yield t, writes
    finally:
        await t.close()


def _call(rid: int, text: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": text}},
    }


async def test_a_burst_of_requests_shares_pipe_writes_and_each_gets_its_answer() -> None:
    async with _counted() as (t, writes):
        answers = await asyncio.gather(*(t.request(_call(100 + i, f"m{i}"), 20) for i in range(40)))
        assert [a["result"]["content"][0]["text"] for a in answers] == [f"m{i}" for i in range(40)]
        assert len(writes) == 2  # 40 requests of one turn: the first at once, the 39 others together
        assert writes[1].count(b"\n") == 39


async def test_a_lone_request_is_written_at_once_and_answered() -> None:
    async with _counted() as (t, writes):
        for i in range(3):  # one at a time: each the only request in flight
            writes.clear()
            answer = await t.request(_call(10 + i, f"n{i}"), 10)
            assert answer["result"]["content"][0]["text"] == f"n{i}"
            assert len(writes) == 1 and writes[0].count(b"\n") == 1


async def test_requests_held_when_the_pipe_breaks_fail_as_never_sent() -> None:
    t = _fixture()
    await t.open()
    try:
        assert t._stdin is not None and t._out is not None
        init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}
        await t.request({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}, 10)
        real_write = t._stdin.write
        sent: list[bytes] = []

        def breaks_after_one(data: bytes) -> None:  # the first write goes through, then the pipe breaks
            if sent:
                raise BrokenPipeError("the pipe broke")
            sent.append(data)
            real_write(data)

        t._out._send = breaks_after_one
        first, held, also_held = (
            asyncio.ensure_future(t.request({"jsonrpc": "2.0", "id": i, "method": "ping"}, 10)) for i in (2, 3, 4)
        )
        for waiting in (held, also_held):
            with pytest.raises(UpstreamUnavailable) as info:
                await waiting
            assert info.value.may_have_run is False
        assert "result" in await first
        assert len(sent) == 1
    finally:
        await t.close()
