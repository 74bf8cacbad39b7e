"""``StdioTransport`` against a real subprocess: many requests in flight, timeouts, death, notifications."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from portcullis.errors import UpstreamTimeout, UpstreamUnavailable
from portcullis.upstream.transports.base import Message
from portcullis.upstream.transports.stdio import StdioTransport
from tests.gateway.proc import FIXTURE
from tests.waiting import WAIT, until


def _fixture(era: str = "legacy", state: Path | None = None) -> StdioTransport:
    args = [str(FIXTURE), "--name", "fx", "--era", era]
    if state is not None:
        args += ["--state", str(state)]
    return StdioTransport("fx", sys.executable, tuple(args))


_next = iter(range(1, 10_000))


def _req(method: str, params: dict[str, Any] | None = None) -> Message:
    msg: Message = {"jsonrpc": "2.0", "id": next(_next), "method": method}
    if params is not None:
        msg["params"] = params
    return msg


async def _initialized(t: StdioTransport) -> None:
    await t.open()
    resp = await t.request(
        _req(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}},
        ),
        10,
    )
    assert resp["result"]["protocolVersion"] == "2025-11-25"
    await t.notify({"jsonrpc": "2.0", "method": "notifications/initialized"})


def _call(tool: str, **arguments: Any) -> Message:
    return _req("tools/call", {"name": tool, "arguments": arguments})


def _text(resp: Message) -> str:
    text: str = resp["result"]["content"][0]["text"]
    return text


async def test_requests_run_concurrently_over_one_pipe() -> None:
    t = _fixture()
    try:
        await _initialized(t)
        pid = t.pid
        # 20 long sleeps in flight at once; an echo sent after them must not wait behind them.
        sleeps = [asyncio.create_task(t.request(_call("sleep", seconds=60), 90)) for _ in range(20)]
        echo = await t.request(_call("echo", text="quick"), 60)
        assert _text(echo) == "quick"
        assert not any(s.done() for s in sleeps)
        for s in sleeps:
            s.cancel()
        await asyncio.gather(*sleeps, return_exceptions=True)
        seen = await t.request(_call("cancelled"), 10)
        reasons = [c["reason"] for c in seen["result"]["structuredContent"]["cancelled"]]
        assert reasons == ["cancelled by the client"] * 20  # each cancelled request was cancelled upstream
        assert t.pid == pid and t.alive
    finally:
        await t.close()


async def test_each_response_reaches_its_own_request() -> None:
    t = _fixture()
    try:
        await _initialized(t)
        texts = [f"msg-{i}" for i in range(50)]
        results = await asyncio.gather(*(t.request(_call("echo", text=x), 20) for x in texts))
        assert [_text(r) for r in results] == texts
    finally:
        await t.close()


async def test_timeout_raises_and_cancels_upstream() -> None:
    t = _fixture()
    try:
        await _initialized(t)
        msg = _call("sleep", seconds=30)
        with pytest.raises(UpstreamTimeout) as info:
            await t.request(msg, 0.2)
        assert info.value.server == "fx"
        assert "did not answer tools/call within 0.2s" in str(info.value)
        seen = await t.request(_call("cancelled"), 10)
        cancelled = seen["result"]["structuredContent"]["cancelled"]
        assert {"requestId": msg["id"], "reason": "timeout"} in cancelled
        assert t.alive  # a timeout does not kill the connection
    finally:
        await t.close()


async def test_a_dying_server_fails_pending_requests_at_once_with_the_reason() -> None:
    t = _fixture()
    closed: list[str] = []
    t.on_close = closed.append
    try:
        await _initialized(t)
        pending = asyncio.create_task(t.request(_call("sleep", seconds=60), 60))
        await until(lambda: t._pending, "the request sent")
        with pytest.raises(UpstreamUnavailable) as crash_info:
            await t.request(_call("crash"), 60)
        with pytest.raises(UpstreamUnavailable) as pending_info:
            await asyncio.wait_for(pending, WAIT)  # bounded only to turn a hang into a failure
        for exc in (crash_info.value, pending_info.value):
            assert exc.server == "fx"
            assert "upstream server 'fx' is unavailable" in str(exc)
            assert "the server exited (code 3)" in str(exc)
        assert closed == ["the server exited (code 3)"]
        assert not t.alive
        with pytest.raises(UpstreamUnavailable):
            await t.request(_call("echo", text="x"), 5)
    finally:
        await t.close()


async def test_stderr_goes_to_the_log_redacted_never_to_callers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = tmp_path / "dies.py"
    script.write_text(
        "import sys\nsys.stderr.write('cannot find the database file\\n')\n"
        "sys.stderr.write('connecting with Bearer abcdefghijklmnop0123\\n')\nsys.exit(7)\n"
    )
    t = StdioTransport("db", sys.executable, (str(script),))
    closed: list[str] = []
    t.on_close = closed.append
    try:
        with caplog.at_level(logging.WARNING, logger="portcullis.upstream"):
            await t.open()
            with pytest.raises(UpstreamUnavailable) as info:
                await t.request(_req("initialize", {}), 10)
        assert info.value.reason == "the server exited (code 7)"
        assert closed == ["the server exited (code 7)"]
        logged = caplog.text
        assert "cannot find the database file" in logged and "the server exited (code 7)" in logged
        assert "abcdefghijklmnop0123" not in logged and "[REDACTED]" in logged
    finally:
        await t.close()


@pytest.mark.parametrize("method", ["request", "notify"])
async def test_a_server_found_dead_at_the_write_is_explained_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    """The exit reaped before the end of the server's output is handled (here never: a child it left holds its
    stdout open): a write then found it dead and said only "the server is not running", and the operator never
    saw the exit code or the server's stderr (under load, a server that exits at once raced this way)."""
    script = tmp_path / "dies.py"
    script.write_text(
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'], stdin=subprocess.DEVNULL,"
        " stderr=subprocess.DEVNULL)\n"
        "sys.stderr.write('no such database\\n')\nsys.exit(5)\n"
    )
    t = StdioTransport("db", sys.executable, (str(script),))
    try:
        with caplog.at_level(logging.WARNING, logger="portcullis.upstream"):
            await t.open()
            proc = t._proc
            assert proc is not None
            await until(lambda: proc.returncode is not None, "the server's exit reaped")
            with pytest.raises(UpstreamUnavailable) as info:
                if method == "request":
                    await t.request(_req("initialize", {}), 10)
                else:
                    await t.notify({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert info.value.reason == "the server exited (code 5)"
        assert not info.value.may_have_run
        assert "no such database" in caplog.text and "the server exited (code 5)" in caplog.text
    finally:
        await t.close()


async def test_missing_command_is_unavailable_naming_the_command() -> None:
    t = StdioTransport("ghost", "/nonexistent/mcp-server-ghost")
    with pytest.raises(UpstreamUnavailable) as info:
        await t.open()
    assert info.value.server == "ghost"
    assert "command not found: '/nonexistent/mcp-server-ghost' (no such file)" in str(info.value)
    bare = StdioTransport("ghost", "mcp-server-ghost-not-installed")
    with pytest.raises(UpstreamUnavailable) as info:
        await bare.open()
    assert "command not found: 'mcp-server-ghost-not-installed' (not on the gateway's PATH)" in str(info.value)
    line = StdioTransport("ghost", "npx -y @modelcontextprotocol/server-filesystem /tmp")
    with pytest.raises(UpstreamUnavailable) as info:
        await line.open()
    assert (
        "(a command line: put the program in 'command' and the rest in 'args': command: npx, "
        "args: [-y, @modelcontextprotocol/server-filesystem, /tmp])"
    ) in str(info.value)


async def test_notifications_and_server_requests_reach_on_message() -> None:
    t = _fixture()
    seen: list[Message] = []

    async def on_message(msg: Message, related: int | None) -> None:
        seen.append(msg)
        if msg.get("method") == "elicitation/create":
            await t.respond(
                {"jsonrpc": "2.0", "id": msg["id"], "result": {"action": "accept", "content": {"name": "Ada"}}}
            )

    t.on_message = on_message
    try:
        await _initialized(t)
        await t.request(
            _req("tools/call", {"name": "progress", "arguments": {"steps": 3}, "_meta": {"progressToken": "tok"}}), 10
        )
        progress = [m for m in seen if m["method"] == "notifications/progress"]
        assert [p["params"]["progress"] for p in progress] == [1, 2, 3]
        assert {p["params"]["progressToken"] for p in progress} == {"tok"}
        resp = await t.request(_call("elicit", message="name?"), 10)
        assert json.loads(_text(resp)) == {"action": "accept", "content": {"name": "Ada"}}
        await t.request(_call("add_tool", name="new"), 10)
        assert any(m["method"] == "notifications/tools/list_changed" for m in seen)
    finally:
        await t.close()


async def test_garbage_lines_are_skipped_and_the_connection_survives() -> None:
    t = _fixture()
    try:
        await _initialized(t)
        resp = await t.request(_call("bad", kind="not_json"), 10)
        assert _text(resp) == "after garbage"
        assert t.alive
    finally:
        await t.close()


async def test_close_stops_the_process_and_fails_what_is_pending() -> None:
    t = _fixture()
    closed: list[str] = []
    t.on_close = closed.append
    await _initialized(t)
    pending = asyncio.create_task(t.request(_call("sleep", seconds=60), 60))
    await until(lambda: t._pending, "the request sent")
    await t.close()
    with pytest.raises(UpstreamUnavailable) as info:
        await asyncio.wait_for(pending, WAIT)
    assert "closing" in str(info.value)
    assert not t.alive
    assert closed == []  # a close we asked for is not a crash


async def test_a_response_waits_for_the_notifications_the_server_sent_before_it() -> None:
    """The server's messages are handled in the order it sent them: while ``on_message`` still handles a
    progress notification, the response that followed it is not handed to its caller."""
    t = _fixture()
    seen: list[Message] = []
    release = asyncio.Event()

    async def on_message(msg: Message, related: int | None) -> None:
        if msg.get("method") == "notifications/progress":
            await release.wait()
        seen.append(msg)

    t.on_message = on_message
    try:
        await _initialized(t)
        call = asyncio.create_task(
            t.request(
                _req("tools/call", {"name": "progress", "arguments": {"steps": 3}, "_meta": {"progressToken": "t"}}),
                WAIT,
            )
        )
        await until(lambda: any("method" not in m for m in t._backlog), "the response read and held back")
        assert not call.done()
        release.set()
        resp = await asyncio.wait_for(call, WAIT)
        assert "result" in resp
        assert [m["params"]["progress"] for m in seen if m.get("method") == "notifications/progress"] == [1, 2, 3]
    finally:
        await t.close()
