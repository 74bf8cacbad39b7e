"""One suite that every audit backend passes: SQLite, JSON Lines and the real PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from portcullis.audit import REDACTED, open_audit
from tests.audit.conftest import make_record
from tests.waiting import WAIT, until

# A record for every path through the call pipeline (what the gateway writes for each).
PATHS: list[dict[str, Any]] = [
    {"decision": "allow", "outcome": "ok"},
    {
        "decision": "deny",
        "rule": "github__delete_*",
        "reason": "Deletion is done by people",
        "outcome": "denied",
        "latency_ms": None,
    },
    {"decision": "hide", "rule": "hide[0]", "reason": "unknown tool", "outcome": "hidden", "latency_ms": None},
    {"decision": "limit", "rule": "spend", "reason": "retry after 12 s", "outcome": "denied", "latency_ms": None},
    {
        "decision": "approved",
        "rule": "sperax__*_withdraw*",
        "approval_id": "ap_1",
        "approver": "cli:alice",
        "outcome": "ok",
    },
    {
        "decision": "require_approval",
        "rule": "sperax__*_withdraw*",
        "approval_id": "ap_2",
        "reason": "pending approval ap_2",
        "outcome": "pending",
        "latency_ms": None,
    },
    {"decision": "allow", "outcome": "tool_error"},
    {"decision": "allow", "outcome": "protocol_error"},
    {"decision": "allow", "outcome": "timeout", "latency_ms": 60000.0},
]


async def test_every_path_is_stored_and_read_back(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        for i, changes in enumerate(PATHS):
            await log.write(make_record(i, **changes))
        rows = await log.query(limit=100)
    finally:
        await log.close()
    assert len(rows) == len(PATHS)
    for i, (row, changes) in enumerate(zip(rows, PATHS, strict=True)):
        expected = make_record(i, **changes)
        assert row["time"].startswith("2026-05-28T")
        for name in (
            "grant",
            "session",
            "server",
            "tool",
            "decision",
            "rule",
            "reason",
            "approval_id",
            "approver",
            "latency_ms",
            "outcome",
        ):
            assert row[name] == getattr(expected, name), name
        assert row["arguments"] == {"n": i, "password": REDACTED}


async def test_filters(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        await asyncio.gather(
            *(log.write(make_record(i, decision="deny" if i % 4 == 0 else "allow")) for i in range(40))
        )
        assert len(await log.query(limit=1000)) == 40
        by_tool = await log.query(tool="tool_1", limit=1000)
        assert {r["tool"] for r in by_tool} == {"tool_1"} and len(by_tool) == 8
        denied = await log.query(decision="deny", limit=1000)
        assert len(denied) == 10
        glob = await log.query(tool="tool_[", limit=1000)
        assert glob == []
        assert len(await log.query(tool="tool_*", server="github", limit=1000)) == 40
        assert len(await log.query(tool="tool_?", grant="ci-bot", limit=1000)) == 40
        assert await log.query(grant="someone-else") == []
        window = await log.query(since=1_780_000_010.0, until=1_780_000_020.0, limit=1000)
        times = sorted(r["arguments"]["n"] for r in window)
        assert times == list(range(10, 20))
        newest = await log.query(limit=5)
        ordered = sorted(r["arguments"]["n"] for r in await log.query(limit=1000))
        assert [r["arguments"]["n"] for r in newest] == sorted(r["arguments"]["n"] for r in newest)
        assert len(newest) == 5 and set(r["arguments"]["n"] for r in newest) <= set(ordered)
    finally:
        await log.close()


async def test_follow_reads_forward_from_an_id(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        for i in range(3):
            await log.write(make_record(i))
        first = await log.query(limit=100)
        last_id = first[-1]["id"]
        assert await log.query(after_id=last_id) == []
        await log.write(make_record(3, tool="new_tool"))
        await log.write(make_record(4, tool="other"))
        more = await log.query(after_id=last_id, limit=100)
        assert [r["tool"] for r in more] == ["new_tool", "other"]
        only = await log.query(after_id=last_id, tool="other", limit=100)
        assert [r["tool"] for r in only] == ["other"]
        bounded = await log.query(after_id=last_id, upto_id=more[0]["id"], limit=100)
        assert [r["tool"] for r in bounded] == ["new_tool"]
    finally:
        await log.close()


async def test_concurrent_writes_are_group_committed(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        await asyncio.gather(*(log.write(make_record(i)) for i in range(300)))
        assert log.written == 300
        # All 300 were queued before the writer ran, so far fewer commits than records.
        assert log.commits < 30
        assert len(await log.query(limit=1000)) == 300
    finally:
        await log.close()


async def test_retention_prunes_old_records(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    try:
        for i in range(10):
            await log.write(make_record(i))
        assert await log.prune(1_780_000_005.0) == 5
        left = await log.query(limit=100)
        assert [r["arguments"]["n"] for r in left] == [5, 6, 7, 8, 9]
        await log.write(make_record(10))  # still writable after a prune
        assert len(await log.query(limit=100)) == 6
    finally:
        await log.close()


async def test_records_survive_reopen(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    await log.write(make_record(1))
    await log.close()
    log = await open_audit(url, **options)
    try:
        await log.write(make_record(2))
        assert [r["arguments"]["n"] for r in await log.query()] == [1, 2]
    finally:
        await log.close()


async def test_retention_runs_on_open(backend: tuple[str, dict[str, Any]]) -> None:
    url, options = backend
    log = await open_audit(url, **options)
    await log.write(make_record(1))  # from 2026-05-28, far older than one day
    await log.close()
    log = await open_audit(url, retention_days=1, **options)
    try:

        async def pruned() -> bool:
            return await log.query() == []

        await until(pruned, "the old record pruned")
    finally:
        await log.close()


async def test_write_after_close_is_refused(backend: tuple[str, dict[str, Any]]) -> None:
    from portcullis.errors import StoreUnavailable

    url, options = backend
    log = await open_audit(url, **options)
    await log.close()
    try:
        await log.write(make_record(1))
    except StoreUnavailable:
        pass
    else:
        raise AssertionError("write after close must raise")


async def test_a_leader_cancelled_while_retrying_loses_no_record(tmp_path: Path) -> None:
    """The caller that leads a group commit may be cancelled (its client went away) while a failing
    commit is retried: the records of its batch are still committed, by the writer task."""
    log = await open_audit(f"jsonl:///{tmp_path / 'audit.jsonl'}")
    real_commit = log._commit
    failures = {"left": 1}

    async def flaky(rows: Any) -> None:  # a fake failure: the real file write cannot be made to fail once
        if failures["left"]:
            failures["left"] -= 1
            raise OSError("disk hiccup")
        await real_commit(rows)

    log._commit = flaky  # type: ignore[method-assign]
    try:
        leader = asyncio.ensure_future(log.write(make_record(1)))
        follower = asyncio.ensure_future(log.write(make_record(2)))
        await until(lambda: failures["left"] == 0, "the first commit failed")  # the leader waits to retry
        leader.cancel()
        await asyncio.wait_for(follower, WAIT)  # committed by the writer task that took over
        assert [r["arguments"]["n"] for r in await log.query(limit=10)] == [1, 2]
    finally:
        await log.close()


async def test_nul_and_lone_surrogates_are_stored_alike(backend: tuple[str, dict[str, Any]]) -> None:
    """Text PostgreSQL refuses (NUL) or no backend can encode (a lone surrogate), wherever it is in a
    record, is stored the same way on every backend, and the records committed with it are kept."""
    url, options = backend
    log = await open_audit(url, **options)
    try:
        await asyncio.gather(
            log.write(make_record(1)),
            log.write(
                make_record(
                    2,
                    tool="ec\x00ho",
                    reason="upstream said \x00\ud800",
                    arguments={"k\x00": ["a\x00b", {"deep": "\udfff"}], "n": 2},
                )
            ),
            log.write(make_record(3)),
        )
        rows = await log.query(limit=10)
    finally:
        await log.close()
    assert [r["arguments"]["n"] for r in rows] == [1, 2, 3]
    odd = rows[1]
    assert odd["tool"] == "ec\u2400ho" and odd["reason"] == "upstream said \u2400\\ud800"
    assert odd["arguments"] == {"k\u2400": ["a\u2400b", {"deep": "\\udfff"}], "n": 2}
