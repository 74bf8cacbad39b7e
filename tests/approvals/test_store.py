"""One suite every approval store passes: the SQLite file and the real Redis."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from portcullis.approvals import ApprovalStore
from portcullis.approvals.model import Approval, new_approval_id
from portcullis.errors import ApprovalClosed, ApprovalNotFound, TooManyPending

T0 = 1_780_000_000.0


def req(digest: str = "d1", grant: str | None = "g", at: float = T0) -> Approval:
    return Approval(
        id=new_approval_id(),
        status="pending",
        grant=grant,
        session="s",
        server="srv",
        tool="t",
        arguments={"amount": 5, "list": [], "nested": {"x": []}},
        digest=digest,
        requested_at=at,
        expires_at=at + 100,
    )


async def test_create_get_latest_roundtrip(store: ApprovalStore) -> None:
    a = req()
    assert await store.create(a, T0) == a
    assert await store.get(a.id) == a
    assert await store.latest("g", "d1") == a
    assert await store.latest("other", "d1") is None
    assert await store.get("ap_missing") is None
    none_grant = req(digest="d2", grant=None)
    await store.create(none_grant, T0)
    assert await store.latest(None, "d2") == none_grant


async def test_one_pending_request_per_grant_and_call(store: ApprovalStore) -> None:
    first = req()
    results = await asyncio.gather(*(store.create(req(), T0 + 1) for _ in range(10)), store.create(first, T0))
    ids = {r.id for r in results}
    assert len(ids) == 1
    # After expiry a new request may be opened.
    late = req(at=T0 + 200)
    assert (await store.create(late, T0 + 200)).id == late.id
    assert (await store.latest("g", "d1")) == late


async def test_decide_once(store: ApprovalStore) -> None:
    a = req()
    await store.create(a, T0)
    approved = a.decided(True, "alice", "fine", T0 + 5, for_seconds=None, ttl=100)
    assert await store.decide(approved, T0 + 5) == approved
    assert await store.get(a.id) == approved
    with pytest.raises(ApprovalClosed) as err:
        await store.decide(a.decided(False, "bob", "", T0 + 6, for_seconds=None, ttl=100), T0 + 6)
    assert err.value.status == "approved"
    with pytest.raises(ApprovalNotFound):
        await store.decide(replace(approved, id="ap_nope"), T0 + 6)


async def test_an_expired_request_cannot_be_decided(store: ApprovalStore) -> None:
    a = req()
    await store.create(a, T0)
    with pytest.raises(ApprovalClosed) as err:
        await store.decide(a.decided(True, "alice", "", T0 + 100, for_seconds=None, ttl=100), T0 + 100)
    assert err.value.status == "expired"


async def test_consume_single_use_exactly_once(store: ApprovalStore) -> None:
    a = req()
    await store.create(a, T0)
    assert not await store.consume(a.id, T0 + 1)  # still pending
    await store.decide(a.decided(True, "alice", "", T0 + 5, for_seconds=None, ttl=100), T0 + 5)
    results = await asyncio.gather(*(store.consume(a.id, T0 + 6) for _ in range(8)))
    assert results.count(True) == 1
    stored = await store.get(a.id)
    assert stored is not None and stored.used_at == T0 + 6
    b = req(digest="d2")
    await store.create(b, T0)
    await store.decide(b.decided(True, "alice", "", T0 + 5, for_seconds=60, ttl=100), T0 + 5)
    assert not await store.consume(b.id, T0 + 6)  # a duration approval is not consumed


async def test_list_and_count_pending(store: ApprovalStore) -> None:
    items = [req(digest=f"d{i}", at=T0 + i) for i in range(6)]
    for a in items:
        await store.create(a, a.requested_at)
    await store.decide(items[0].decided(True, "a", "", T0 + 10, for_seconds=None, ttl=100), T0 + 10)
    await store.decide(items[1].decided(False, "a", "", T0 + 10, for_seconds=None, ttl=100), T0 + 10)
    everything = await store.list(None, 100, T0 + 10)
    assert [a.id for a in everything] == [a.id for a in reversed(items)]
    assert {a.id for a in await store.list("pending", 100, T0 + 10)} == {a.id for a in items[2:]}
    assert [a.id for a in await store.list("approved", 100, T0 + 10)] == [items[0].id]
    assert [a.id for a in await store.list("denied", 100, T0 + 10)] == [items[1].id]
    assert len(await store.list(None, 2, T0 + 10)) == 2
    assert await store.count_pending(T0 + 10) == 4
    # items[2] expires at T0+102, items[5] at T0+105
    assert await store.count_pending(T0 + 102.5) == 3
    assert [a.id for a in await store.list("expired", 100, T0 + 102.5)] == [items[2].id]


async def test_a_grant_has_at_most_max_pending_requests_open(store: ApprovalStore) -> None:
    opened = [await store.create(req(digest=f"d{i}"), T0, max_pending=3) for i in range(3)]
    with pytest.raises(TooManyPending) as info:
        await store.create(req(digest="d9"), T0, max_pending=3)
    assert (info.value.grant, info.value.limit) == ("g", 3)
    assert (await store.create(req(digest="d0"), T0, max_pending=3)).id == opened[0].id  # the same call: reused
    assert (await store.create(req(digest="d9", grant="other"), T0, max_pending=3)).grant == "other"
    # Deciding one frees a place; so does expiry.
    await store.decide(opened[0].decided(False, "bob", "", T0 + 1, for_seconds=None, ttl=100), T0 + 1)
    assert (await store.create(req(digest="d9"), T0 + 1, max_pending=3)).digest == "d9"
    with pytest.raises(TooManyPending):
        await store.create(req(digest="d10"), T0 + 1, max_pending=3)
    late = req(digest="d10", at=T0 + 200)
    assert (await store.create(late, T0 + 200, max_pending=3)).id == late.id
    assert (await store.create(req(digest="d11"), T0 + 200)).digest == "d11"  # no cap given: none applies
