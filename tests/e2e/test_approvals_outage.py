"""Issue 8.3 end to end: the approval store's Redis goes away under a running gateway.

The gateway keeps its approvals (and counters) in a ``redis-server`` of this test's own, which is
first frozen (SIGSTOP: the socket timeout must answer) and then killed (connection refused). Each
time, a call that needs an approval is denied at once (fail closed) with a clear reason naming the
store, is audited, and no traceback reaches the log; ``portcullis approvals list`` says the same.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.support import KEY_A, WAIT, cli, cli_json, connect, decision_of, gateway_folder, pending_id, text_of
from tests.harness import running_gateway
from tests.limits.test_redis_outage import own_redis

__all__ = ["own_redis"]  # the fixture: a redis-server of the test's own on a free port

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__add": {"action": "require_approval", "reason": "Adding needs a person"}},
}


async def test_a_lost_approval_store_denies_clearly_and_is_audited(
    tmp_path: Path, own_redis: tuple[int, list[subprocess.Popen[bytes]]]
) -> None:
    port, procs = own_redis
    store = f"redis://127.0.0.1:{port}/0"
    config = gateway_folder(tmp_path, POLICY, store=store, approvals={"timeout": 0.2, "progress_interval": 0.1})
    with running_gateway(config) as gw:
        async with connect(gw.url, KEY_A) as a:
            approval = pending_id(await a.call_tool("fx__add", {"a": 1, "b": 1}))  # the store works

            os.kill(procs[0].pid, signal.SIGSTOP)  # Redis hangs: only the socket timeout answers
            try:
                frozen = await asyncio.wait_for(a.call_tool("fx__add", {"a": 1, "b": 1}), WAIT)
            finally:
                os.kill(procs[0].pid, signal.SIGCONT)
            procs[0].kill()
            procs[0].wait()
            gone = await asyncio.wait_for(a.call_tool("fx__add", {"a": 1, "b": 1}), WAIT)
        log = gw.stderr()

    for denied in (frozen, gone):
        assert denied.is_error is True
        text = text_of(denied)
        assert text.startswith(
            "Portcullis denied the call to 'fx__add': approvals cannot be checked because the "
            f"approval store {store} is unreachable ("
        ), text
        assert text.endswith(
            "What you can do: retry in a few seconds; if it keeps failing, tell a person that the "
            "approval store is down"
        ), text
        assert decision_of(denied)["decision"] == "deny" and decision_of(denied)["rule"] == "$.tools.fx__add"
    assert "Traceback" not in log and "approval needed but not checked" in log

    found = cli_json(tmp_path, "audit", "--tool", "add")
    assert [(r["decision"], r["outcome"]) for r in found] == [
        ("require_approval", "pending"),
        ("require_approval", "denied"),
        ("require_approval", "denied"),
    ]
    assert found[0]["approval_id"] == approval
    assert all(f"approval store {store} is unreachable" in r["reason"] for r in found[1:])

    listed = cli(tmp_path, "approvals", "list")
    assert listed.returncode == 2 and "Traceback" not in listed.stderr
    assert f"the approval store {store} is unreachable" in listed.stderr and "check that Redis" in listed.stderr
