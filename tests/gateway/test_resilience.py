"""A crashing, slow or misbehaving upstream through a real ``portcullis serve``: errors that name the
server and say what is happening, and the gateway keeps serving everyone else."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import LegacySession, answer, modern_request, post_modern
from tests.waiting import WAIT

_WAIT = WAIT


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fx-state")


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, state: Path) -> Iterator[Gateway]:
    # fx's per-call timeout is what the timeout test waits out: short, yet ample for every other call to
    # answer on a busy machine (this module's tests depend on time only through it).
    servers = {
        "fx": fixture("fx", era="legacy", state=state, timeout=5),
        "other": fixture("other"),
        "broken": {**fixture("broken"), "args": [*fixture("broken")["args"], "--bad-list"]},
    }
    with running_gateway(tmp_path_factory.mktemp("resilience"), servers) as gateway:
        yield gateway


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _call(http: httpx.Client, gw: Gateway, name: str, **arguments: Any) -> dict[str, Any]:
    return answer(post_modern(http, gw.url, "tools/call", {"name": name, "arguments": arguments}))


def _text(reply: dict[str, Any]) -> str:
    assert "result" in reply, reply
    text: str = reply["result"]["content"][0]["text"]
    return text


def test_one_upstream_session_serves_every_call(gw: Gateway, http: httpx.Client) -> None:
    before = _text(_call(http, gw, "fx__handshakes"))
    for i in range(10):
        assert _text(_call(http, gw, "fx__echo", text=str(i))) == str(i)
    assert _text(_call(http, gw, "fx__handshakes")) == before  # no handshake per call


def test_per_call_timeout_names_the_server_and_cancels_upstream(gw: Gateway, http: httpx.Client) -> None:
    reply = _call(http, gw, "fx__sleep", seconds=60)
    err = reply["error"]
    assert err["code"] == -32003, err
    assert "upstream server 'fx' did not answer tools/call within 5s" in err["message"]
    assert "timeout" in err["message"]  # the hint: raise the server's 'timeout'
    assert err["data"]["server"] == "fx"
    cancelled = _call(http, gw, "fx__cancelled")["result"]["structuredContent"]["cancelled"]
    assert any(c["reason"] == "timeout" for c in cancelled)
    assert _text(_call(http, gw, "fx__echo", text="alive")) == "alive"


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("content_not_list", "a tools/call result whose 'content' is not a list"),
        ("is_error_string", "a tools/call result whose 'isError' is not a boolean"),
        ("result_not_object", "a 'result' that is not a JSON object"),
        ("no_result", "a response with neither 'result' nor 'error'"),
        ("error_shape", "an error without an integer 'code' and a string 'message'"),
    ],
)
def test_a_result_that_breaks_the_schema_is_a_clear_error(
    gw: Gateway, http: httpx.Client, kind: str, what: str
) -> None:
    err = _call(http, gw, "fx__bad", kind=kind)["error"]
    assert err["code"] == -32603
    assert f"upstream server 'fx' sent {what}" in err["message"]
    assert err["data"]["server"] == "fx"
    assert _text(_call(http, gw, "fx__echo", text="still fine")) == "still fine"


def test_a_schema_breaking_tools_list_is_left_out_and_logged(gw: Gateway, http: httpx.Client) -> None:
    names = _all_tool_names(http, gw)
    assert "fx__echo" in names and "other__echo" in names
    assert not any(n.startswith("broken__") for n in names)
    assert "upstream server 'broken' sent a tool without a string 'name'" in gw.log()
    assert "tools of 'broken' are left out" in gw.log()
    # its tools are not in the catalogue, so calls to them are refused, not forwarded; the others go on
    refused = _call(http, gw, "broken__echo", text="x")
    assert "error" in refused or refused["result"]["isError"] is True
    assert _text(_call(http, gw, "fx__echo", text="others go on")) == "others go on"


def test_garbage_on_an_upstreams_stdout_does_not_break_the_session(gw: Gateway, http: httpx.Client) -> None:
    assert _text(_call(http, gw, "fx__bad", kind="not_json")) == "after garbage"


@pytest.mark.parametrize(
    ("kind", "text"), [("lone_surrogate", "cut \ufffd here"), ("bad_utf8", "bytes \ufffd\ufffd here")]
)
def test_a_result_whose_text_is_not_valid_unicode_is_answered_not_lost(
    gw: Gateway, http: httpx.Client, kind: str, text: str
) -> None:
    """Half an emoji (a Node server cutting text by length) or bytes that are not UTF-8: the answer arrives,
    the broken characters replaced, instead of the call waiting out its timeout."""
    assert _text(_call(http, gw, "fx__bad", kind=kind)) == text


def test_a_slow_call_does_not_hold_up_others_and_can_be_cancelled(gw: Gateway) -> None:
    done: list[httpx.Response] = []
    session = LegacySession(httpx.Client(timeout=30), gw.url)

    rid = session.last_id + 1

    def slow() -> None:
        done.append(session.post("tools/call", {"name": "other__sleep", "arguments": {"seconds": 60}}))

    thread = threading.Thread(target=slow, daemon=True)
    thread.start()
    with httpx.Client(timeout=30) as h:
        for i in range(5):
            assert _text(_call(h, gw, "other__echo", text=str(i))) == str(i)
            assert _text(_call(h, gw, "fx__echo", text=str(i))) == str(i)
        assert not done  # the sleep is still running while the others were answered
        note = h.post(
            gw.url,
            json={
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"requestId": rid, "reason": "user pressed stop"},
            },
            headers=session.headers(),
        )
        assert note.status_code == 202
        thread.join(_WAIT)
        assert not thread.is_alive() and done
        assert done[0].status_code == 200
        assert answer(done[0])["error"] == {"code": -32800, "message": "Request cancelled"}
        assert answer(done[0])["id"] == rid
        deadline = time.monotonic() + _WAIT
        cancelled: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not cancelled:
            cancelled = _call(h, gw, "other__cancelled")["result"]["structuredContent"]["cancelled"]
        assert cancelled and cancelled[-1]["reason"] == "cancelled by the client"
    session.delete()
    session.http.close()


def test_a_crashed_upstream_fails_fast_naming_itself_then_recovers(
    gw: Gateway, http: httpx.Client, state: Path
) -> None:
    first_pid = _text(_call(http, gw, "fx__pid"))
    (state / "hold").touch()  # restarts fail until the hold is lifted
    try:
        crashed = _call(http, gw, "fx__crash")["error"]
        assert crashed["code"] == -32001 and "upstream server 'fx' is unavailable" in crashed["message"]
        gw.wait_state("fx", "restarting", _WAIT)
        for _ in range(3):
            err = _call(http, gw, "fx__echo", text="x")["error"]
            assert err["code"] == -32001
            assert "upstream server 'fx' is unavailable: restarting" in err["message"]
            assert "retry" in err["message"]
            assert err["data"]["server"] == "fx"
            # everyone else is served meanwhile
            assert _text(_call(http, gw, "other__echo", text="ok")) == "ok"
        # the other routed methods say the same, with the same code
        prompt = answer(post_modern(http, gw.url, "prompts/get", {"name": "fx__greet", "arguments": {"who": "x"}}))
        assert prompt["error"]["code"] == -32001 and "upstream server 'fx' is unavailable" in prompt["error"]["message"]
        assert prompt["error"]["data"]["server"] == "fx"
        tools = _all_tool_names(http, gw)
        assert "other__echo" in tools and not any(t.startswith("fx__") for t in tools)  # down: lists nothing
        health = gw.health()["servers"]["fx"]
        assert health["state"] == "restarting" and "the server exited (code" in health["lastError"]
    finally:
        (state / "hold").unlink()
    entry = gw.wait_state("fx", "ready", _WAIT)
    assert entry["restarts"] >= 1
    assert _text(_call(http, gw, "fx__echo", text="back")) == "back"
    assert _text(_call(http, gw, "fx__pid")) != first_pid
    assert "fx__echo" in _all_tool_names(http, gw)
    assert _text(_call(http, gw, "fx__handshakes")) == "1"  # era remembered: no second discover probe
    assert "upstream fx lost" in gw.log()


async def test_many_concurrent_calls_from_both_eras_each_get_their_own_answer(gw: Gateway) -> None:
    async with httpx.AsyncClient(timeout=30) as http:

        async def modern(i: int) -> str:
            body, headers = modern_request("tools/call", {"name": "other__echo", "arguments": {"text": f"m{i}"}}, rid=i)
            reply = answer(await http.post(gw.url, json=body, headers=headers))
            assert reply["id"] == i
            return _text(reply)

        with httpx.Client(timeout=30) as sync_http:
            session = LegacySession(sync_http, gw.url)
        headers = session.headers()

        async def legacy(i: int) -> str:
            body = {
                "jsonrpc": "2.0",
                "id": 1000 + i,
                "method": "tools/call",
                "params": {"name": "fx__echo", "arguments": {"text": f"l{i}"}},
            }
            reply = answer(await http.post(gw.url, json=body, headers=headers))
            assert reply["id"] == 1000 + i
            return _text(reply)

        got = await asyncio.gather(*(modern(i) for i in range(40)), *(legacy(i) for i in range(20)))
    assert got == [f"m{i}" for i in range(40)] + [f"l{i}" for i in range(20)]


def test_a_server_that_never_starts_does_not_stop_the_gateway(tmp_path: Path) -> None:
    servers = {"ghost": {"command": str(tmp_path / "no-such-server")}, "ok": fixture("ok")}
    with running_gateway(tmp_path, servers, wait_ready=False) as gateway, httpx.Client(timeout=30) as http:
        gateway.wait_state("ok", "ready", _WAIT)
        ghost = gateway.health()["servers"]["ghost"]
        assert ghost["state"] == "restarting" and "command not found" in ghost["lastError"]
        assert "no-such-server" in ghost["lastError"]
        assert _text(_call(http, gateway, "ok__echo", text="served")) == "served"
        reply = _call(http, gateway, "ghost__anything")  # refused at once, naming the server
        text = reply["error"]["message"] if "error" in reply else reply["result"]["content"][0]["text"]
        assert "ghost" in text
        assert "upstream ghost failed to start" in gateway.log() and "command not found" in gateway.log()
        assert "fix server 'ghost' in the config: its command, args or url" in gateway.log()


def _all_tool_names(http: httpx.Client, gw: Gateway) -> list[str]:
    names: list[str] = []
    cursor: str | None = None
    deadline = time.monotonic() + _WAIT
    while time.monotonic() < deadline:
        result = answer(post_modern(http, gw.url, "tools/list", {"cursor": cursor} if cursor else None))["result"]
        names += [t["name"] for t in result["tools"]]
        cursor = result.get("nextCursor")
        if not cursor:
            return names
    raise AssertionError("tools/list did not end")
