"""``UpstreamSession`` against real subprocesses: era negotiation, ``_meta``, progress, restarts with backoff."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal

import pytest

from portcullis.config.model import ServerConfig
from portcullis.errors import UpstreamProtocolError, UpstreamTimeout, UpstreamUnavailable
from portcullis.protocol import CLIENT_CAPABILITIES_KEY, MODERN_VERSION, PROTOCOL_VERSION_KEY
from portcullis.upstream.session import UpstreamSession
from portcullis.upstream.transports.base import Message
from tests.gateway.proc import FIXTURE
from tests.waiting import WAIT

_WAIT = WAIT  # bound on any wait for the session to change state; a hang fails instead of blocking


def _config(
    era: str = "dual",
    protocol: Literal["auto", "legacy", "modern"] = "auto",
    state: Path | None = None,
    timeout: float = 10.0,
    name: str = "fx",
) -> ServerConfig:
    args = [str(FIXTURE), "--name", name, "--era", era]
    if state is not None:
        args += ["--state", str(state)]
    return ServerConfig(
        name=name, transport="stdio", command=sys.executable, args=tuple(args), timeout=timeout, protocol=protocol
    )


@pytest.fixture
async def sessions() -> AsyncIterator[Callable[[ServerConfig], UpstreamSession]]:
    made: list[UpstreamSession] = []

    def make(config: ServerConfig) -> UpstreamSession:
        s = UpstreamSession(config)
        made.append(s)
        return s

    yield make
    for s in made:
        await s.close()


async def _call(session: UpstreamSession, tool: str, **arguments: Any) -> dict[str, Any]:
    resp = await session.request("tools/call", {"name": tool, "arguments": arguments})
    result: dict[str, Any] = resp["result"]
    return result


async def _text(session: UpstreamSession, tool: str, **arguments: Any) -> str:
    text: str = (await _call(session, tool, **arguments))["content"][0]["text"]
    return text


async def _until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(_WAIT):
        while not predicate():
            await asyncio.sleep(0.02)


@pytest.mark.parametrize(
    ("era", "expected", "version", "handshakes"),
    [
        ("legacy", "legacy", "2025-11-25", 2),  # discover refused (-32601), then initialize on the same process
        ("modern", "modern", MODERN_VERSION, 1),
        ("dual", "modern", MODERN_VERSION, 1),
    ],
)
async def test_era_is_negotiated_once(
    sessions: Callable[[ServerConfig], UpstreamSession], era: str, expected: str, version: str, handshakes: int
) -> None:
    s = sessions(_config(era))
    await s.start()
    assert (s.state, s.era, s.protocol_version) == ("ready", expected, version)
    assert s.server_info["name"] == "fixture-fx"
    assert "tools" in s.capabilities
    for _ in range(5):
        assert await _text(s, "echo", text="x") == "x"
    # one session, reused: no handshake per call
    assert await _text(s, "handshakes") == str(handshakes)


async def test_forcing_legacy_skips_the_probe(sessions: Callable[[ServerConfig], UpstreamSession]) -> None:
    s = sessions(_config("dual", protocol="legacy"))
    await s.start()
    assert s.era == "legacy"
    assert await _text(s, "handshakes") == "1"


async def test_forcing_modern_on_a_legacy_server_says_what_to_change(
    sessions: Callable[[ServerConfig], UpstreamSession],
) -> None:
    s = sessions(_config("legacy", protocol="modern"))
    with pytest.raises(UpstreamProtocolError) as info:
        await s.start()
    assert "does not speak 2026-07-28" in str(info.value)
    assert "protocol: auto" in str(info.value)


async def test_modern_requests_carry_meta_and_keep_the_clients_own(
    sessions: Callable[[ServerConfig], UpstreamSession],
) -> None:
    s = sessions(_config("modern"))
    await s.start()
    meta_in = {"app/trace": "abc", PROTOCOL_VERSION_KEY: "1999-01-01"}  # a client may not override ours
    resp = await s.request("tools/call", {"name": "meta_seen", "arguments": {}, "_meta": meta_in})
    meta = resp["result"]["structuredContent"]["meta"]
    assert meta["app/trace"] == "abc"
    assert meta[PROTOCOL_VERSION_KEY] == MODERN_VERSION
    assert isinstance(meta[CLIENT_CAPABILITIES_KEY], dict)


async def test_legacy_requests_do_not_get_modern_meta(sessions: Callable[[ServerConfig], UpstreamSession]) -> None:
    s = sessions(_config("legacy"))
    await s.start()
    resp = await s.request("tools/call", {"name": "meta_seen", "arguments": {}, "_meta": {"app/trace": "abc"}})
    assert resp["result"]["structuredContent"]["meta"] == {"app/trace": "abc"}


class _Downstream:
    """What a forwarded request's client sees (the ``ForwardContext``)."""

    log_level: str | None = None

    def __init__(self) -> None:
        self.client_capabilities: dict[str, Any] | None = {"elicitation": {}}
        self.progress_seen: list[dict[str, Any]] = []
        self.asked: list[Message] = []
        self.logs: list[dict[str, Any]] = []

    async def log(self, params: dict[str, Any]) -> None:
        self.logs.append(params)

    async def progress(self, params: dict[str, Any]) -> None:
        self.progress_seen.append(params)

    async def server_request(self, message: Message) -> Message:
        self.asked.append(message)
        return {"result": {"action": "accept", "content": {"name": "Grace"}}}


@pytest.mark.parametrize("era", ["legacy", "modern"])
async def test_progress_tokens_are_private_upstream_and_restored_downstream(
    sessions: Callable[[ServerConfig], UpstreamSession], era: str
) -> None:
    s = sessions(_config(era))
    await s.start()
    a, b = _Downstream(), _Downstream()
    # Two clients use the same token: each must get only its own progress, under its own token.
    await asyncio.gather(
        s.request("tools/call", {"name": "progress", "arguments": {"steps": 3}, "_meta": {"progressToken": 7}}, ctx=a),
        s.request("tools/call", {"name": "progress", "arguments": {"steps": 2}, "_meta": {"progressToken": 7}}, ctx=b),
    )
    assert [p["progress"] for p in a.progress_seen] == [1, 2, 3]
    assert [p["progress"] for p in b.progress_seen] == [1, 2]
    assert {p["progressToken"] for p in a.progress_seen + b.progress_seen} == {7}
    assert a.progress_seen[0]["total"] == 3 and a.progress_seen[0]["message"] == "step 1"


async def test_a_legacy_servers_question_goes_to_the_caller(
    sessions: Callable[[ServerConfig], UpstreamSession],
) -> None:
    s = sessions(_config("legacy"))
    await s.start()
    d = _Downstream()
    resp = await s.request("tools/call", {"name": "elicit", "arguments": {"message": "Who?"}}, ctx=d)
    assert json.loads(resp["result"]["content"][0]["text"]) == {"action": "accept", "content": {"name": "Grace"}}
    assert d.asked[0]["method"] == "elicitation/create"
    assert d.asked[0]["params"]["message"] == "Who?"


async def test_a_question_with_nobody_to_ask_gets_an_error_not_a_hang(
    sessions: Callable[[ServerConfig], UpstreamSession],
) -> None:
    s = sessions(_config("legacy"))
    await s.start()
    result = await _call(s, "elicit")
    assert result["isError"] is True
    assert "no client is waiting" in result["content"][0]["text"]


async def test_per_call_timeout_from_config(sessions: Callable[[ServerConfig], UpstreamSession]) -> None:
    s = sessions(_config("dual", timeout=3))  # waited out once; ample for the other calls on a busy machine
    await s.start()
    with pytest.raises(UpstreamTimeout) as info:
        await _call(s, "sleep", seconds=60)
    assert "upstream server 'fx' did not answer tools/call within 3s" in str(info.value)
    assert "timeout" in info.value.hint
    assert await _text(s, "echo", text="still here") == "still here"


async def test_crash_restarts_with_backoff_failing_calls_at_once_meanwhile(
    sessions: Callable[[ServerConfig], UpstreamSession], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    s = sessions(_config("legacy", state=state))
    await s.start()
    first_pid = await _text(s, "pid")
    (state / "hold").touch()  # every restart now fails until the hold is lifted
    with pytest.raises(UpstreamUnavailable):
        await _call(s, "crash")
    await _until(lambda: s.state == "restarting")
    # While it is down, calls fail at once, naming the server and saying it is restarting.
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable) as info:
            await asyncio.wait_for(_call(s, "echo", text="x"), _WAIT)
        text = str(info.value)
        assert "upstream server 'fx' is unavailable: restarting" in text
        assert "the server exited (code 3)" in text
    await _until(lambda: len((state / "starts").read_text().split()) >= 3)  # retried (and failed) at least twice
    with pytest.raises(UpstreamUnavailable) as info:
        await _call(s, "echo", text="x")
    assert "the server exited (code 4)" in str(info.value)  # the last failed restart is what is reported
    assert info.value.retry_after is not None
    (state / "hold").unlink()
    await _until(lambda: s.state == "ready")
    assert await _text(s, "echo", text="back") == "back"
    assert await _text(s, "pid") != first_pid
    assert s.restarts == 1
    # the era was found once and remembered: the new process got initialize only, no discover probe
    assert s.era == "legacy"
    assert await _text(s, "handshakes") == "1"


async def test_a_restart_under_way_is_still_restarting_to_callers(
    sessions: Callable[[ServerConfig], UpstreamSession], tmp_path: Path
) -> None:
    """While a restart's new process is coming up, the session says "restarting" (not "connecting"):
    calls and /healthz see one steady state for the whole outage, however long each attempt takes."""
    state = tmp_path / "state"
    s = sessions(_config("legacy", state=state))
    await s.start()
    (state / "slow").touch()  # the next start hangs until this goes
    with pytest.raises(UpstreamUnavailable):
        await _call(s, "crash")
    await _until(lambda: len((state / "starts").read_text().split()) >= 2)  # the restart's process is up
    assert s.state == "restarting"
    with pytest.raises(UpstreamUnavailable) as info:
        await asyncio.wait_for(_call(s, "echo", text="x"), _WAIT)
    assert "upstream server 'fx' is unavailable: restarting" in str(info.value)
    (state / "slow").unlink()
    await _until(lambda: s.state == "ready")
    assert await _text(s, "echo", text="back") == "back"


async def test_a_server_that_cannot_start_keeps_being_retried(
    sessions: Callable[[ServerConfig], UpstreamSession], tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "hold").touch()
    s = sessions(_config("dual", state=state))
    with pytest.raises(UpstreamUnavailable) as info:
        await s.start()
    assert info.value.server == "fx"
    assert s.state == "restarting"
    (state / "hold").unlink()
    await _until(lambda: s.state == "ready")
    assert await _text(s, "echo", text="late") == "late"


async def test_a_missing_command_is_reported_with_its_name(sessions: Callable[[ServerConfig], UpstreamSession]) -> None:
    s = sessions(ServerConfig(name="ghost", transport="stdio", command="/nonexistent/ghost-server"))
    with pytest.raises(UpstreamUnavailable) as info:
        await s.start()
    assert "command not found: '/nonexistent/ghost-server'" in str(info.value)
    with pytest.raises(UpstreamUnavailable) as again:
        await s.request("tools/list")
    assert "ghost" in str(again.value) and "restarting" in str(again.value)


async def test_modern_upstream_list_changed_reaches_the_handler(
    sessions: Callable[[ServerConfig], UpstreamSession],
) -> None:
    s = sessions(_config("modern"))
    seen: list[tuple[str, Message]] = []

    async def on_notification(server: str, msg: Message) -> None:
        seen.append((server, msg))

    s.on_notification = on_notification
    await s.start()
    await asyncio.sleep(0)  # let the session open its subscriptions/listen stream
    await _until(lambda: bool(s._inflight))  # the listen request is in flight
    await _call(s, "add_tool", name="fresh")
    await _until(lambda: any(m.get("method") == "notifications/tools/list_changed" for _, m in seen))
    assert seen[-1][0] == "fx"
    tools = (await s.request("tools/list"))["result"]["tools"]
    assert "fresh" in [t["name"] for t in tools]


async def test_broken_responses_become_protocol_errors_naming_the_server(
    sessions: Callable[[ServerConfig], UpstreamSession],
) -> None:
    s = sessions(_config("legacy"))
    await s.start()
    for kind, what in (
        ("result_not_object", "a 'result' that is not a JSON object"),
        ("no_result", "a response with neither 'result' nor 'error'"),
        ("error_shape", "an error without an integer 'code'"),
    ):
        with pytest.raises(UpstreamProtocolError) as info:
            await _call(s, "bad", kind=kind)
        assert f"upstream server 'fx' sent {what}" in str(info.value)
    assert await _text(s, "echo", text="fine") == "fine"


async def test_a_server_that_cannot_be_reached_is_explained_once() -> None:
    from tests.harness import free_port

    url = f"http://127.0.0.1:{free_port()}/mcp"  # nothing listens there
    session = UpstreamSession(ServerConfig(name="down", transport="streamable-http", url=url))
    try:
        with pytest.raises(UpstreamUnavailable):
            await session.start()
        message = session.unavailable().message
        assert message.count("is unavailable") == 1, message  # the reason is not wrapped twice
        assert f"cannot connect to {url}: connection refused" in message and "restarting" in message
    finally:
        await session.close()
