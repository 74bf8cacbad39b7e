"""``portcullis stdio``: the same gateway over newline-delimited JSON-RPC on stdin/stdout.

Spawned as ``python -m portcullis stdio -c FILE``, driven raw (one JSON object per line) and with the
``mcp`` SDK's stdio client in both eras.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from portcullis.protocol import CLIENT_CAPABILITIES_KEY, MODERN_VERSION, PROTOCOL_VERSION_KEY
from tests.gateway.proc import PYTHON, fixture, stdio_gateway, write_config
from tests.waiting import WAIT

_WAIT = WAIT
_META = {PROTOCOL_VERSION_KEY: MODERN_VERSION, CLIENT_CAPABILITIES_KEY: {}}


class Pipe:
    """Talk newline-delimited JSON to a ``portcullis stdio`` process."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stdout: Any) -> None:
        for line in stdout:
            self.inbox.put(json.loads(line))  # a line that is not JSON fails the test here, as it should

    def send(self, msg: dict[str, Any] | bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(msg if isinstance(msg, bytes) else json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def next(self) -> dict[str, Any]:
        msg = self.inbox.get(timeout=_WAIT)
        self.seen.append(msg)
        return msg

    def until(self, rid: Any) -> dict[str, Any]:
        """Read until the response to ``rid``; everything read is kept in ``seen``."""
        for _ in range(1000):
            msg = self.next()
            if msg.get("id") == rid and ("result" in msg or "error" in msg):
                return msg
        raise AssertionError(f"no response to {rid}")

    def request(self, rid: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            body["params"] = params
        self.send(body)
        return self.until(rid)

    def cancel_a_sleep(self, rid: int, tries: range) -> None:
        """Start a long ``fx__sleep`` as request ``rid``, cancel it, and ask the fixture server (with the
        ids of ``tries``) until it says that it was cancelled, by the client."""
        self.send(
            {
                "jsonrpc": "2.0",
                "id": rid,
                "method": "tools/call",
                "params": {"name": "fx__sleep", "arguments": {"seconds": 60}},
            }
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": rid}})
        for probe in tries:
            cancelled = self.request(probe, "tools/call", {"name": "fx__cancelled", "arguments": {}})
            if cancelled["result"]["structuredContent"]["cancelled"]:
                break
        assert cancelled["result"]["structuredContent"]["cancelled"][0]["reason"] == "cancelled by the client"


@pytest.fixture
def servers() -> dict[str, Any]:
    return {"fx": fixture("fx", tools=3), "mod": fixture("mod", era="modern")}


def _initialize(pipe: Pipe, capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
    got = pipe.request(
        0,
        "initialize",
        {
            "protocolVersion": "2025-06-18",
            "capabilities": capabilities or {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    )
    pipe.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    return got


def test_legacy_session_over_stdio(tmp_path: Path, servers: dict[str, Any]) -> None:
    with stdio_gateway(tmp_path, servers) as proc:
        pipe = Pipe(proc)
        init = _initialize(pipe)["result"]
        assert init["protocolVersion"] == "2025-06-18"
        assert init["serverInfo"]["name"] == "portcullis"
        names: list[str] = []
        cursor: str | None = None
        for rid in range(1, 50):
            result = pipe.request(rid, "tools/list", {"cursor": cursor} if cursor else {})["result"]
            names += [t["name"] for t in result["tools"]]
            cursor = result.get("nextCursor")
            if not cursor:
                break
        assert {"fx__echo", "fx__t000", "fx__t002", "mod__echo"} <= set(names)
        echoed = pipe.request(100, "tools/call", {"name": "fx__echo", "arguments": {"text": "over stdio"}})
        assert echoed["result"]["structuredContent"] == {"text": "over stdio"}
        assert echoed["result"]["_meta"] == {"fixture/echoed": True}
        assert pipe.request(101, "ping")["result"] == {}
    assert proc.returncode == 0  # stdin closed: the gateway exits cleanly


def test_modern_requests_over_stdio(tmp_path: Path, servers: dict[str, Any]) -> None:
    with stdio_gateway(tmp_path, servers) as proc:
        pipe = Pipe(proc)
        discovered = pipe.request(1, "server/discover", {"_meta": _META})["result"]
        assert MODERN_VERSION in discovered["supportedVersions"]
        listed = pipe.request(2, "tools/list", {"_meta": _META})["result"]
        assert listed["resultType"] == "complete" and "ttlMs" in listed
        called = pipe.request(3, "tools/call", {"name": "mod__echo", "arguments": {"text": "x"}, "_meta": _META})
        assert called["result"]["content"][0]["text"] == "x"
        missing = pipe.request(4, "tools/list", {})  # no _meta and no initialize
        assert missing["error"]["code"] == -32602 and "_meta" in missing["error"]["message"]
        unknown = pipe.request(5, "tools/frobnicate", {"_meta": _META})
        assert unknown["error"]["code"] == -32601


def test_bad_lines_get_errors_and_the_pipe_keeps_working(tmp_path: Path, servers: dict[str, Any]) -> None:
    with stdio_gateway(tmp_path, servers) as proc:
        pipe = Pipe(proc)
        _initialize(pipe)
        pipe.send(b'{"jsonrpc": "2.0", "id": 1, "method": \n')
        parse = pipe.next()
        assert parse["error"]["code"] == -32700 and parse["id"] is None
        pipe.send(b"[1, 2, 3]\n")
        assert pipe.next()["error"]["code"] == -32600
        pipe.send(b"\n")  # blank lines are ignored
        bad_params = pipe.request(2, "tools/call", {"name": 5})
        assert bad_params["error"]["code"] == -32602
        pipe.send({"jsonrpc": "2.0", "id": 4, "method": 17})
        assert pipe.until(4)["error"]["code"] == -32600
        assert pipe.request(5, "tools/call", {"name": "fx__echo", "arguments": {"text": "ok"}})["result"]


def test_progress_list_changed_and_cancellation_over_stdio(tmp_path: Path, servers: dict[str, Any]) -> None:
    with stdio_gateway(tmp_path, servers) as proc:
        pipe = Pipe(proc)
        _initialize(pipe)
        done = pipe.request(
            1, "tools/call", {"name": "fx__progress", "arguments": {"steps": 3}, "_meta": {"progressToken": 99}}
        )
        assert done["result"]["content"][0]["text"] == "done"
        progress = [m for m in pipe.seen if m.get("method") == "notifications/progress"]
        assert [p["params"]["progress"] for p in progress] == [1, 2, 3]
        assert {p["params"]["progressToken"] for p in progress} == {99}
        pipe.request(2, "tools/call", {"name": "fx__add_tool", "arguments": {"name": "late"}})
        pipe.request(3, "tools/call", {"name": "mod__add_tool", "arguments": {"name": "later"}})
        for _ in range(100):
            changed = [m for m in pipe.seen if m.get("method") == "notifications/tools/list_changed"]
            if len(changed) >= 2:
                break
            pipe.next()
        assert len(changed) >= 2  # one from the dual upstream, one from the modern one
        pipe.cancel_a_sleep(4, range(5, 50))


def test_a_legacy_upstream_question_reaches_the_stdio_client(tmp_path: Path) -> None:
    with stdio_gateway(tmp_path, {"leg": fixture("leg", era="legacy")}) as proc:
        pipe = Pipe(proc)
        _initialize(pipe, {"elicitation": {}})
        pipe.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "leg__elicit", "arguments": {"message": "Your name?"}},
            }
        )
        asked = pipe.next()
        assert asked["method"] == "elicitation/create" and asked["params"]["message"] == "Your name?"
        pipe.send({"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "accept", "content": {"name": "Lin"}}})
        done = pipe.until(1)
        assert json.loads(done["result"]["content"][0]["text"]) == {"action": "accept", "content": {"name": "Lin"}}


def test_an_upstream_cancelling_its_question_cancels_it_at_the_client(tmp_path: Path) -> None:
    with stdio_gateway(tmp_path, {"leg": fixture("leg", era="legacy")}) as proc:
        pipe = Pipe(proc)
        _initialize(pipe, {"elicitation": {}})
        pipe.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "leg__ask_then_cancel", "arguments": {}},
            }
        )
        asked = pipe.next()
        assert asked["method"] == "elicitation/create"
        done = pipe.until(1)
        assert done["result"]["content"][0]["text"] == "gave up asking"
        cancels = [m for m in pipe.seen if m.get("method") == "notifications/cancelled"]
        if not cancels:
            cancels = [pipe.next()]
        assert cancels[0]["method"] == "notifications/cancelled"
        assert cancels[0]["params"]["requestId"] == asked["id"]  # the id the client knows, not the upstream's
        assert "changed its mind" in cancels[0]["params"]["reason"]
        # A client that answers anyway (the answer crossed the cancellation) gets no reply to its reply.
        pipe.send({"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "decline"}})
        pipe.send({"jsonrpc": "2.0", "id": 2, "method": "ping"})
        assert pipe.next() == {"jsonrpc": "2.0", "id": 2, "result": {}}


@pytest.mark.parametrize("server", ["leg", "mod"])
def test_resource_updates_reach_a_subscribed_legacy_client(tmp_path: Path, server: str) -> None:
    servers = {"leg": fixture("leg", era="legacy"), "mod": fixture("mod", era="modern")}
    with stdio_gateway(tmp_path, servers) as proc:
        pipe = Pipe(proc)
        _initialize(pipe)
        uri = f"fx://{server}/static"
        subscribed = pipe.request(1, "resources/subscribe", {"uri": uri})
        assert subscribed.get("result") == {}, subscribed
        pipe.request(2, "tools/call", {"name": f"{server}__touch", "arguments": {"uri": f"fx://{server}/item/9"}})
        pipe.request(3, "tools/call", {"name": f"{server}__touch", "arguments": {"uri": uri}})
        for _ in range(100):
            updates = [m for m in pipe.seen if m.get("method") == "notifications/resources/updated"]
            if updates:
                break
            pipe.next()
        assert [u["params"]["uri"] for u in updates] == [uri]  # only what the client subscribed to
        assert pipe.request(4, "resources/unsubscribe", {"uri": uri}).get("result") == {}


def test_prefix_tools_false_exposes_the_upstream_names(tmp_path: Path) -> None:
    with stdio_gateway(tmp_path, {"solo": fixture("solo")}, prefix_tools=False) as proc:
        pipe = Pipe(proc)
        _initialize(pipe)
        names = [t["name"] for t in pipe.request(1, "tools/list", {})["result"]["tools"]]
        assert "echo" in names and not any("__" in n for n in names)
        echoed = pipe.request(2, "tools/call", {"name": "echo", "arguments": {"text": "bare"}})
        assert echoed["result"]["content"][0]["text"] == "bare"
        prompts = [p["name"] for p in pipe.request(3, "prompts/list", {})["result"]["prompts"]]
        assert prompts == ["greet"]
        got = pipe.request(4, "prompts/get", {"name": "greet", "arguments": {"who": "Ann"}})
        assert got["result"]["messages"][0]["content"]["text"] == "Hello Ann from solo"


def test_the_clients_progress_on_a_question_reaches_the_upstream_that_asked(tmp_path: Path) -> None:
    with stdio_gateway(tmp_path, {"leg": fixture("leg", era="legacy")}) as proc:
        pipe = Pipe(proc)
        _initialize(pipe, {"sampling": {}})
        pipe.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "leg__sample", "arguments": {"prompt": "think hard"}},
            }
        )
        asked = pipe.next()
        assert asked["method"] == "sampling/createMessage"
        token = asked["params"]["_meta"]["progressToken"]
        pipe.send(
            {
                "jsonrpc": "2.0",
                "method": "notifications/progress",
                "params": {"progressToken": token, "progress": 1, "total": 2, "message": "thinking"},
            }
        )
        pipe.send(
            {
                "jsonrpc": "2.0",
                "method": "notifications/progress",
                "params": {"progressToken": ["not", "hashable"], "progress": 1},
            }
        )  # ignored, not a crash
        pipe.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": {"x": 1}}})
        pipe.send(
            {
                "jsonrpc": "2.0",
                "id": asked["id"],
                "result": {"role": "assistant", "content": {"type": "text", "text": "42"}, "model": "m"},
            }
        )
        assert pipe.until(1)["result"]["isError"] is False
        seen = pipe.request(2, "tools/call", {"name": "leg__progress_seen", "arguments": {}})
        progress = seen["result"]["structuredContent"]["progress"]
        assert progress == [{"progressToken": token, "progress": 1, "total": 2, "message": "thinking"}]


def test_a_config_error_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "portcullis.yaml"
    path.write_text("servers:\n  a:\n    command: x\n    colour: red\n")
    proc = subprocess.run(
        [PYTHON, "-m", "portcullis", "stdio", "-c", str(path)],
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stdout == b""  # stdout belongs to the protocol
    assert f"{path}:4: $.servers.a.colour: unknown key 'colour'" in proc.stderr.decode()


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_the_sdk_stdio_client_in_both_eras(tmp_path: Path, mode: str) -> None:
    config = write_config(tmp_path, {"fx": fixture("fx"), "mod": fixture("mod", era="modern")})
    params = StdioServerParameters(
        command=PYTHON, args=["-m", "portcullis", "stdio", "-c", str(config)], cwd=str(tmp_path)
    )
    async with Client(params, mode=mode, cache=None) as c:
        assert c.protocol_version == ("2026-07-28" if mode == "2026-07-28" else "2025-11-25")
        tools = await c.list_tools()
        assert tools.tools
        got = await c.call_tool("mod__echo", {"text": "sdk over stdio"})
        assert isinstance(got.content[0], types.TextContent) and got.content[0].text == "sdk over stdio"
        seen: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(progress)

        await c.call_tool("fx__progress", {"steps": 2}, progress_callback=on_progress)
        assert seen == [1, 2]


_PRINTF_LINES = [
    {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "printf", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "fx__sleep", "arguments": {"seconds": 2}}},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "fx__echo", "arguments": {"text": "a"}}},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
]


def test_end_of_input_answers_every_request_already_read(tmp_path: Path) -> None:
    # printf '…' | portcullis stdio: stdin ends right after the requests; calls in flight are still answered.
    config = write_config(tmp_path, {"fx": fixture("fx")})
    done = subprocess.run(
        [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)],
        cwd=tmp_path,
        timeout=120,
        input=b"".join(json.dumps(line).encode() + b"\n" for line in _PRINTF_LINES),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    _assert_all_answered(done.stdout)


def test_requests_from_a_file_and_answers_into_a_file(tmp_path: Path) -> None:
    # portcullis stdio < requests.txt > answers.txt: regular files, which pipe transports refuse
    # (uvloop aborted the process); notifications only follow the client's initialize.
    config = write_config(tmp_path, {"fx": fixture("fx")})
    requests, answers = tmp_path / "requests.txt", tmp_path / "answers.txt"
    requests.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in _PRINTF_LINES))
    with requests.open("rb") as stdin, answers.open("wb") as stdout:
        done = subprocess.run(
            [PYTHON, "-m", "portcullis", "stdio", "-c", str(config)],
            cwd=tmp_path,
            timeout=120,
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    assert done.returncode == 0, done.stderr.decode()
    first = json.loads(answers.read_bytes().splitlines()[0])
    assert first.get("id") == 0, first  # nothing is sent before the answer to initialize
    _assert_all_answered(answers.read_bytes())


def _assert_all_answered(stdout: bytes) -> None:
    answers = {msg["id"]: msg for msg in map(json.loads, stdout.splitlines()) if "id" in msg}
    assert sorted(answers) == [0, 1, 2, 3], stdout.decode()
    assert all("result" in answers[i] for i in answers), answers
    assert answers[1]["result"]["isError"] is False
