"""The one registry of client sessions (``sessions.registry``): who hears notifications, and the HTTP sessions."""

from __future__ import annotations

import asyncio

from portcullis.config.model import GrantConfig
from portcullis.sessions.client import ClientSession
from portcullis.sessions.registry import SessionRegistry

ALICE = GrantConfig("alice", "a" * 64)


def test_an_opened_session_is_found_by_id_and_hears_notifications() -> None:
    registry = SessionRegistry()
    client = ClientSession(grant=ALICE, owner=ALICE.key_sha256)
    registry.open(client)
    assert registry.get(client.id) is client
    assert registry.listeners() == [client]
    assert len(registry) == 1


def test_an_attached_client_hears_notifications_but_is_no_http_session() -> None:
    registry = SessionRegistry()
    pipe = ClientSession()
    assert registry.attach(pipe) is True
    assert registry.attach(pipe) is False  # already there: its first attacher detaches it
    assert registry.get(pipe.id) is None
    assert registry.listeners() == [pipe]
    registry.detach(pipe)
    assert registry.listeners() == []


def test_dropping_a_session_forgets_it_everywhere_and_cancels_its_requests() -> None:
    async def main() -> None:
        registry = SessionRegistry()
        client = ClientSession(owner="k")
        registry.open(client)
        task = asyncio.ensure_future(asyncio.Event().wait())
        client.inflight[1] = task
        registry.drop(client)
        assert registry.get(client.id) is None
        assert registry.listeners() == []
        await asyncio.sleep(0)
        assert task.cancelled()

    asyncio.run(main())


def test_a_key_over_its_cap_loses_its_session_idle_the_longest() -> None:
    registry = SessionRegistry(per_key=2)
    old, newer, newest = (ClientSession(owner="k") for _ in range(3))
    old.last_seen, newer.last_seen = 1.0, 2.0
    registry.open(old)
    registry.open(newer)
    registry.open(newest)
    assert registry.get(old.id) is None
    assert {c.id for c in registry.listeners()} == {newer.id, newest.id}


def test_sessions_of_revoked_keys_are_dropped() -> None:
    registry = SessionRegistry()
    kept, revoked = ClientSession(owner="keep"), ClientSession(owner="gone")
    registry.open(kept)
    registry.open(revoked)
    assert registry.drop_unowned({"keep"}) == 1
    assert registry.get(kept.id) is kept
    assert registry.get(revoked.id) is None
