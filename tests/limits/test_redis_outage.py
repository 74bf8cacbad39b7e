"""Killing Redis mid-run denies calls with a clear message (fail closed) and recovers when it returns.

Uses its own ``redis-server`` on a free port; the shared Redis on 6379 is never touched.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portcullis.errors import StoreUnavailable
from portcullis.limits import Acquired, RedisCounterStore
from portcullis.limits.model import Marks
from portcullis.policy import ToolCall, compile_policy, policy_from_text, take_limits, take_marked
from tests.conftest import missing
from tests.harness import accepts
from tests.waiting import SLOW_WAIT, until, wait_for

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: accepts(port), "redis-server listening", SLOW_WAIT)
    except AssertionError:
        proc.kill()
        raise
    return proc


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    if not Path(REDIS_SERVER).exists() and shutil.which("redis-server") is None:
        missing("redis-server binary")
    port = _free_port()
    procs = [_start(port, tmp_path)]
    yield port, procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def _policy(fail_open: bool) -> object:
    return compile_policy(
        policy_from_text(
            '{"fail_open": %s, "tools": {"t": {"rate_limit": "100/minute"}}}' % ("true" if fail_open else "false")
        )
    )


async def test_outage_denies_clearly_and_recovers(
    own_redis: tuple[int, list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    port, procs = own_redis
    store = RedisCounterStore(f"redis://127.0.0.1:{port}/0", timeout=0.5)
    closed = compile_policy(policy_from_text('{"tools": {"t": {"rate_limit": "100/minute"}}}'))
    opened = compile_policy(policy_from_text('{"fail_open": true, "tools": {"t": {"rate_limit": "100/minute"}}}'))
    call = ToolCall("s", "t", {}, "g", "s")
    assert (await take_limits(store, closed.decide(call), 0.0)).decision.action == "allow"

    procs[0].kill()
    procs[0].wait()
    with pytest.raises(StoreUnavailable) as info:
        await store.acquire(closed.decide(call).limits, 0.0)
    assert f"127.0.0.1:{port}" in str(info.value) and "unreachable" in str(info.value)
    denied = (await take_limits(store, closed.decide(call), 0.0)).decision
    assert denied.action == "deny" and denied.rule == "$.fail_open"
    assert "rate limits cannot be checked" in denied.reason and "unreachable" in denied.reason
    assert "retry" in denied.hint
    open_outcome = await take_limits(store, opened.decide(call), 0.0)
    assert open_outcome.decision.action == "allow" and open_outcome.acquired is None  # explicit fail_open
    # Session rules fail closed whatever fail_open says; a tag that could not be recorded is only logged.
    watched = Marks("flow:s", (("private_data", "untrusted_content"),), (), "")
    unchecked = (await take_marked(store, opened.decide(call), 0.0, watched)).decision
    assert unchecked.action == "deny" and unchecked.rule == "$.sessions"
    assert "session rules cannot be checked because" in unchecked.reason and "unreachable" in unchecked.reason
    tagged = await take_marked(store, opened.decide(call), 0.0, Marks("flow:s", (), ("private_data",), "1 s__t"))
    assert tagged.decision.action == "allow"
    assert (await take_marked(store, closed.decide(call), 0.0, Marks("flow:s", (), ("x",)))).decision.rule == (
        "$.fail_open"
    )

    procs.append(_start(port, tmp_path))  # Redis is back (empty, scripts flushed)

    async def allowed() -> Any:
        outcome = await take_limits(store, closed.decide(call), 0.0)
        return outcome if outcome.decision.action == "allow" else None

    recovered = await until(allowed, "the store answering again (the client reconnects on the next call)")
    assert isinstance(recovered.acquired, Acquired)
    await store.close()
