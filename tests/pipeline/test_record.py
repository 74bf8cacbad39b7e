"""``Recorder.prepare``: the part of a call's audit row known before it ends is built while the call is
upstream; the record stored from it is the one stored without it, and a head built for another admission
is not used. Through the gateway, a forwarded call's head is built before its answer comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from portcullis.audit import open_audit
from portcullis.audit.log import AuditLog
from portcullis.pipeline.guard import Admission, CallInfo
from portcullis.pipeline.record import Recorder
from portcullis.sessions.client import ClientSession

_ARGUMENTS = {"path": "/etc/hosts", "token": "ghp_" + "a" * 36, "nul": "a\x00b"}


def _call() -> CallInfo:
    return CallInfo(ClientSession(), "files", "read", "files__read", dict(_ARGUMENTS))


async def _stored(log: AuditLog) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k != "id"} for r in await log.query(limit=10)]


async def test_a_prepared_record_is_stored_as_one_built_at_the_end(tmp_path: Path) -> None:
    prepared_log = await open_audit(f"sqlite:///{tmp_path / 'prepared.db'}")
    plain_log = await open_audit(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        admission = Admission("allow", "$.tools.read", "allowed: reads are free")
        call, same = _call(), _call()
        same.wall_time, same.client = call.wall_time, call.client
        prepared = Recorder(prepared_log, None)
        prepared.prepare(call, admission)
        assert call.audit_head is not None and call.audit_head[0] is admission
        await prepared.record(call, admission, "tool_error", 0.012)
        await Recorder(plain_log, None).record(same, admission, "tool_error", 0.012)
        stored = await _stored(prepared_log)
        assert stored == await _stored(plain_log)
        assert "ghp_" not in str(stored) and stored[0]["outcome"] == "tool_error"  # redacted in the head too
    finally:
        await prepared_log.close()
        await plain_log.close()


async def test_a_head_built_for_another_admission_is_not_used(tmp_path: Path) -> None:
    log = await open_audit(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        recorder = Recorder(log, None)
        call = _call()
        recorder.prepare(call, Admission("allow", "$.tools.read", "allowed"))
        await recorder.record(call, Admission("deny", "$.tools.other", "denied by rule"), "denied", None)
        (stored,) = await _stored(log)
        assert (stored["decision"], stored["rule"], stored["reason"]) == ("deny", "$.tools.other", "denied by rule")
    finally:
        await log.close()


async def test_without_an_audit_log_nothing_is_prepared() -> None:
    call = _call()
    Recorder(None, None).prepare(call, Admission())
    assert call.audit_head is None


async def test_prepare_runs_while_the_call_is_upstream(tmp_path: Path) -> None:
    """The forward step schedules ``prepare`` as it sends the call: it has run before the answer is back.

    The upstream session is a stand-in: the test must hold the answer back at the moment the request is
    out, which a real server's session gives no hook for (the gateway-level tests run real servers)."""
    from portcullis.pipeline.forward import Flight, Forward

    log = await open_audit(f"sqlite:///{tmp_path / 'audit.db'}")
    recorder = Recorder(log, None)
    answered = asyncio.get_running_loop().create_future()
    seen_head: list[object] = []

    class _Upstream:
        era = "legacy"
        exchanger = None

        async def request(self, method: str, params: object, ctx: object = None) -> dict[str, object]:
            await asyncio.sleep(0)  # the request is out; the upstream works
            seen_head.append(call.audit_head)
            await answered
            return {"jsonrpc": "2.0", "id": 1, "result": {"content": [], "isError": False}}

    async def record(c: CallInfo, a: Admission, outcome: str, seconds: float | None) -> None:
        await recorder.record(c, a, outcome, seconds)

    call = _call()
    admission = Admission()
    forward = Forward(record, prepare=recorder.prepare)
    try:
        flight = Flight(call, admission, _Upstream(), {}, None, 0.0)  # type: ignore[arg-type]
        running = asyncio.ensure_future(forward.run(flight))
        while not seen_head:
            await asyncio.sleep(0)
        answered.set_result(None)
        await running
        assert seen_head[0] is not None and seen_head[0][0] is admission  # type: ignore[index]
        assert len(await log.query(limit=10)) == 1
    finally:
        await log.close()
