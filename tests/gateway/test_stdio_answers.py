"""``portcullis stdio``: the answer of the only call in flight is written at once, those of calls in flight
together are coalesced; either way every call is answered, in full, and recorded the same, and a call the
client cancels is still recorded (as cancelled)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.gateway.proc import fixture, stdio_gateway
from tests.gateway.test_stdio_downstream import Pipe, _initialize


def _call(rid: int, tool: str, **arguments: Any) -> bytes:
    body = {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    return json.dumps(body).encode() + b"\n"


def test_lone_and_concurrent_calls_are_answered_and_recorded_alike(tmp_path: Path) -> None:
    with stdio_gateway(tmp_path, {"fx": fixture("fx")}) as proc:
        pipe = Pipe(proc)
        _initialize(pipe)
        for rid in (1, 2, 3):  # one at a time: each the only call in flight
            pipe.send(_call(rid, "fx__echo", text=f"lone {rid}"))
            assert pipe.until(rid)["result"]["content"][0]["text"] == f"lone {rid}"
        burst = range(10, 30)  # one read: twenty calls in flight together
        pipe.send(b"".join(_call(rid, "fx__echo", text=f"burst {rid}") for rid in burst))
        answers: dict[int, dict[str, Any]] = {}
        while len(answers) < len(burst):
            msg = pipe.next()
            if msg.get("id") in burst:
                answers[msg["id"]] = msg
        assert {rid: a["result"]["content"][0]["text"] for rid, a in answers.items()} == {
            rid: f"burst {rid}" for rid in burst
        }
        pipe.cancel_a_sleep(40, range(41, 90))
    assert all(msg.get("id") != 40 for msg in pipe.seen)  # a cancelled request gets no answer
    with sqlite3.connect(tmp_path / "audit.db") as db:
        rows = db.execute("SELECT tool, outcome, arguments FROM audit WHERE tool IN ('echo', 'sleep')").fetchall()
    echoes = sorted(json.loads(args)["text"] for tool, outcome, args in rows if tool == "echo" and outcome == "ok")
    assert echoes == sorted([f"lone {rid}" for rid in (1, 2, 3)] + [f"burst {rid}" for rid in burst])
    assert [(tool, outcome) for tool, outcome, _ in rows if tool == "sleep"] == [("sleep", "cancelled")]
