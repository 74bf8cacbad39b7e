"""Slow-starting upstreams (a first ``npx -y``/``uvx`` run downloads packages) come up in their own era.

``tests/servers/slow_start.py`` plays the download: it waits without reading its input, then execs the
real server. Peers: ``mcp-server-time`` (PyPI, modern) and the raw fixture in its legacy era.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from portcullis.config.model import ServerConfig
from portcullis.upstream.session import UpstreamSession
from tests.gateway.proc import FIXTURE
from tests.harness import SERVERS

SLOW_START = SERVERS / "slow_start.py"
_STARTUP = 15.0  # seconds the "download" takes


def _slow(
    name: str, seconds: float, command: list[str], *, once: Path | None = None, **settings: object
) -> ServerConfig:
    args = [str(SLOW_START), str(seconds), *(["--once", str(once)] if once else []), "--", *command]
    return ServerConfig(name=name, transport="stdio", command=sys.executable, args=tuple(args), **settings)  # type: ignore[arg-type]


@pytest.fixture
async def sessions() -> AsyncIterator[Callable[[ServerConfig], UpstreamSession]]:
    made: list[UpstreamSession] = []

    def make(config: ServerConfig) -> UpstreamSession:
        made.append(UpstreamSession(config))
        return made[-1]

    yield make
    for s in made:
        await s.close()


async def _text(session: UpstreamSession, tool: str, **arguments: object) -> str:
    resp = await session.request("tools/call", {"name": tool, "arguments": arguments})
    text: str = resp["result"]["content"][0]["text"]
    return text


async def test_servers_of_both_eras_that_take_15s_to_start_come_up(
    sessions: Callable[[ServerConfig], UpstreamSession], time_server: list[str]
) -> None:
    modern = sessions(_slow("time", _STARTUP, time_server))
    legacy = sessions(_slow("leg", _STARTUP, [sys.executable, str(FIXTURE), "--name", "leg", "--era", "legacy"]))
    forced = sessions(_slow("forced", _STARTUP, [sys.executable, str(FIXTURE), "--name", "forced"], protocol="legacy"))
    await asyncio.gather(modern.start(), legacy.start(), forced.start())
    assert (modern.state, modern.era) == ("ready", "modern")
    assert (legacy.state, legacy.era) == ("ready", "legacy")
    assert (forced.state, forced.era) == ("ready", "legacy")
    assert [s.restarts for s in (modern, legacy, forced)] == [0, 0, 0]
    resp = await modern.request("tools/list")
    assert "get_current_time" in {t["name"] for t in resp["result"]["tools"]}
    assert await _text(legacy, "handshakes") == "2"  # discover refused, then initialize: one process
    assert await _text(forced, "handshakes") == "1"  # protocol: legacy skips the probe


async def test_a_probe_that_times_out_restarts_the_server_before_trying_initialize(
    sessions: Callable[[ServerConfig], UpstreamSession], time_server: list[str], tmp_path: Path
) -> None:
    # The first start outlasts startup_timeout; the restarted process is quick (a warm cache). A modern
    # server refuses initialize on the connection where it read server/discover, so it must be a new one.
    once = tmp_path / "downloaded"
    s = sessions(_slow("time", 600, time_server, once=once, startup_timeout=10.0))
    await s.start()
    assert once.exists()
    assert s.state == "ready" and s.era == "legacy" and s.restarts == 0  # initialize, on the fresh process
    resp = await s.request("tools/call", {"name": "get_current_time", "arguments": {"timezone": "UTC"}})
    assert resp["result"]["isError"] is False


async def test_the_slow_process_is_ended_with_its_children(
    sessions: Callable[[ServerConfig], UpstreamSession], tmp_path: Path
) -> None:
    # npx and uvx run the real server as a child: closing the server must not leave that child behind.
    pid_file = tmp_path / "child.pid"
    child = f"import os,time; open({str(pid_file)!r},'w').write(str(os.getpid())); time.sleep(600)"
    parent = f"import subprocess,sys,time; subprocess.Popen([sys.executable,'-c',{child!r}]); time.sleep(600)"
    s = sessions(
        ServerConfig(
            name="npx",
            transport="stdio",
            command=sys.executable,
            args=("-c", parent),
            startup_timeout=3.0,
            protocol="modern",
        )
    )
    with pytest.raises(Exception, match="did not answer server/discover within 3s"):
        await s.start()
    await s.close()
    async with asyncio.timeout(30):
        while not pid_file.exists() or not pid_file.read_text():
            await asyncio.sleep(0.05)
        pid = int(pid_file.read_text())
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.05)
