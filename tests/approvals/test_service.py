"""The approval flow as the gateway drives it, against each real store."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import pytest

from portcullis.approvals import ApprovalService, ApprovalState, ApprovalStore
from portcullis.approvals.settings import ApprovalSettings
from portcullis.errors import ApprovalClosed
from portcullis.logs import configure_logging
from tests.approvals.conftest import Clock
from tests.waiting import WAIT, until

ARGS = {"amount": 250, "to": "0xTREASURY", "api_key": "sk-proj-Abcdefghijklmnopqrstuvwx1234"}


async def call(
    service: ApprovalService,
    clock: Clock,
    args: dict[str, object] | None = None,
    timeout: float = 0.3,
    grant: str = "ci-bot",
) -> ApprovalState:
    return await service.gate(grant, "sess-1", "bank", "withdraw", args or ARGS, clock(), timeout=timeout)


async def test_held_call_returns_pending_then_goes_through_once_approved(
    service: ApprovalService, clock: Clock
) -> None:
    state = await call(service, clock)
    assert state.kind == "pending" and state.approval is not None
    approval = state.approval
    assert state.message == f"pending approval {approval.id} — retry the same call once approved"
    assert approval.arguments["api_key"] == "[REDACTED]" and approval.arguments["amount"] == 250
    # Retrying before a decision reuses the same request.
    again = await call(service, clock, timeout=0)
    assert again.kind == "pending" and again.approval is not None and again.approval.id == approval.id
    await service.decide(approval.id, True, "alice", "ok once")
    ok = await call(service, clock, timeout=0)
    assert ok.kind == "approved" and ok.approval is not None and ok.approval.approver == "alice"
    # One call only: the next identical call opens a new request.
    after = await call(service, clock, timeout=0)
    assert after.kind == "pending" and after.approval is not None and after.approval.id != approval.id


async def test_a_different_call_or_grant_is_not_covered(service: ApprovalService, clock: Clock) -> None:
    state = await call(service, clock, timeout=0)
    assert state.approval is not None
    await service.decide(state.approval.id, True, "alice", for_seconds=3600)
    other_args = await call(service, clock, {**ARGS, "amount": 251}, timeout=0)
    assert other_args.kind == "pending"
    other_grant = await call(service, clock, timeout=0, grant="someone-else")
    assert other_grant.kind == "pending"


async def test_held_call_is_released_by_a_decision(service: ApprovalService, clock: Clock) -> None:
    ticks: list[float] = []

    async def on_tick(elapsed: float) -> None:
        ticks.append(elapsed)

    task = asyncio.create_task(
        service.gate("ci-bot", "s", "bank", "withdraw", ARGS, clock(), timeout=WAIT * 4, on_tick=on_tick)
    )

    async def held_and_ticking() -> Any:
        pending = await service.list("pending")
        return pending if pending and len(ticks) >= 2 else None

    pending = await until(held_and_ticking, "the call held, with two progress ticks")
    assert not task.done()
    await service.decide(pending[0].id, True, "alice")
    state = await asyncio.wait_for(task, WAIT)
    assert state.kind == "approved"
    assert len(ticks) >= 2 and ticks == sorted(ticks)
    # The held call used the one-call approval.
    stored = await service.get(pending[0].id)
    assert stored is not None and stored.used_at is not None


async def test_approval_for_a_duration_covers_repeated_calls(service: ApprovalService, clock: Clock) -> None:
    state = await call(service, clock, timeout=0)
    assert state.approval is not None
    await service.decide(state.approval.id, True, "alice", for_seconds=60)
    for _ in range(3):
        assert (await call(service, clock, timeout=0)).kind == "approved"
    clock.advance(61)
    assert (await call(service, clock, timeout=0)).kind == "pending"


async def test_denied_with_the_approvers_comment(service: ApprovalService, clock: Clock) -> None:
    state = await call(service, clock, timeout=0)
    assert state.approval is not None
    await service.decide(state.approval.id, False, "bob", "Too much on a Friday")
    denied = await call(service, clock, timeout=0)
    assert denied.kind == "denied"
    assert "Too much on a Friday" in denied.message and "bob" in denied.message
    with pytest.raises(ApprovalClosed):
        await service.decide(state.approval.id, True, "alice")


async def test_expired_means_denied(service: ApprovalService, clock: Clock) -> None:
    state = await call(service, clock, timeout=0)
    assert state.approval is not None
    clock.advance(service.settings.ttl + 1)
    expired = await call(service, clock, timeout=0)
    assert expired.kind == "denied" and "expired" in expired.message
    with pytest.raises(ApprovalClosed) as err:
        await service.decide(state.approval.id, True, "alice")
    assert err.value.status == "expired"
    assert [a.id for a in await service.list("expired")] == [state.approval.id]


async def test_approvals_survive_a_restart(store_spec: dict[str, object], clock: Clock) -> None:
    from portcullis.approvals import open_store

    settings = ApprovalSettings(timeout=1.0, ttl=600.0)

    async def fresh() -> ApprovalService:
        store: ApprovalStore = open_store(str(store_spec["url"]), key_prefix=str(store_spec["prefix"]))
        await store.open()
        return ApprovalService(store, settings, clock=clock)

    first = await fresh()
    state = await call(first, clock, timeout=0)
    assert state.approval is not None
    await first.close()
    second = await fresh()
    await second.decide(state.approval.id, True, "alice", "after restart")
    await second.close()
    third = await fresh()
    try:
        assert (await call(third, clock, timeout=0)).kind == "approved"
    finally:
        await third.close()


async def test_pending_gauge_follows_the_queue(store: ApprovalStore, clock: Clock) -> None:
    seen: list[int] = []
    service = ApprovalService(store, ApprovalSettings(timeout=1.0, ttl=600.0), clock=clock, on_pending=seen.append)
    a = await service.request("g", "s", "srv", "t", {"n": 1}, clock())
    await service.request("g", "s", "srv", "t", {"n": 2}, clock())
    await service.decide(a.id, False, "bob")
    assert seen == [1, 2, 1]


async def test_secrets_never_reach_the_log(service: ApprovalService, clock: Clock) -> None:
    out = io.StringIO()
    handler = configure_logging({"format": "json", "level": "debug"}, stream=out)
    try:
        state = await call(service, clock, {**ARGS, "password": "hunter2-hunter2"}, timeout=0)
        assert state.approval is not None
        await service.decide(state.approval.id, False, "bob", "token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 leaked")
        logging.getLogger("portcullis.test").info("Authorization: Bearer abcdefghijklmnopqrstuvwxyz")
    finally:
        logging.getLogger("portcullis").removeHandler(handler)
    text = out.getvalue()
    assert '"approval requested"' in text and '"approval decided"' in text
    for secret in (
        "hunter2-hunter2",
        ARGS["api_key"],
        "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "abcdefghijklmnopqrstuvwxyz",
    ):
        assert str(secret) not in text


async def test_default_config_shares_portcullis_db_with_the_audit_trail(tmp_path: object) -> None:
    """``store: memory`` puts approvals in portcullis.db beside the config — the default audit file too."""
    import asyncio as aio
    from pathlib import Path

    from portcullis.approvals import open_approvals
    from portcullis.audit import open_audit
    from portcullis.config import load_config
    from tests.audit.conftest import make_record

    folder = Path(str(tmp_path))
    (folder / "portcullis.yaml").write_text("listen: 127.0.0.1:8765\n")
    config = load_config(folder / "portcullis.yaml")
    service = await open_approvals(config)
    log = await open_audit(config.audit, base_dir=config.base_dir)
    try:
        writes = [log.write(make_record(i)) for i in range(200)]
        requests = [service.request(f"g{i % 4}", "s", "srv", "t", {"n": i}, service.clock()) for i in range(20)]
        await aio.gather(*writes, *requests)
        assert len(await log.query(limit=1000)) == 200
        assert len(await service.list("pending")) == 20
    finally:
        await log.close()
        await service.close()
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "portcullis.db",
        "portcullis.yaml",
    ]


async def test_a_held_request_the_store_loses_is_a_store_failure(
    service: ApprovalService, clock: Clock, store_spec: dict[str, object]
) -> None:
    """A Redis flushed (or restarted empty) while a call is held: the call fails closed as for a store
    that is down (``StoreUnavailable``, which the gateway denies and audits), not with a traceback."""
    import sqlite3

    from portcullis.errors import StoreUnavailable
    from tests.approvals.conftest import delete_prefix

    held = asyncio.create_task(call(service, clock, timeout=WAIT * 4))
    await until(lambda: service.list("pending"), "the call held")
    url = str(store_spec["url"])
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///") :]) as db:
            db.execute("DELETE FROM approvals")
    else:
        await delete_prefix(url, str(store_spec["prefix"]))
    with pytest.raises(StoreUnavailable, match="no longer in the approval store"):
        await asyncio.wait_for(held, WAIT)
