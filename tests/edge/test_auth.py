"""``edge.auth``: the bearer key turned into a grant, and who may use a session."""

from __future__ import annotations

from collections.abc import Awaitable

from portcullis.config.model import GrantConfig
from portcullis.edge.auth import Refused, authorize, grant_of, owner_of, owns, refresh
from portcullis.oauth.metadata import AuthFailure
from portcullis.sessions.client import ClientSession

ALICE = GrantConfig("alice", "a" * 64)
BOB = GrantConfig("bob", "b" * 64)


def _keys(token: str | None) -> GrantConfig | bool | None:
    return {"alice-key": ALICE, "bob-key": BOB}.get(token or "", False)


def test_a_known_bearer_key_gives_its_grant() -> None:
    assert authorize(_keys, {b"authorization": b"Bearer alice-key"}) is ALICE
    assert authorize(_keys, {b"authorization": b"bearer  bob-key "}) is BOB


def test_no_key_is_refused_without_an_error_code_and_a_wrong_one_with_invalid_token() -> None:
    missing = authorize(_keys, {})
    wrong = authorize(_keys, {b"authorization": b"Bearer nope"})
    assert isinstance(missing, Refused) and missing.challenge == b'Bearer realm="portcullis"'
    assert isinstance(wrong, Refused) and b'error="invalid_token"' in wrong.challenge


def test_a_gateway_without_keys_serves_anonymous_callers() -> None:
    assert authorize(None, {}) is None
    assert grant_of(None) is None
    assert grant_of(True) is None


def test_only_the_key_that_opened_a_session_may_use_it() -> None:
    session = ClientSession(grant=ALICE, owner=owner_of(ALICE))
    assert owns(session, ALICE)
    assert not owns(session, BOB)
    assert not owns(session, None)
    assert owns(ClientSession(owner=owner_of(None)), None)


def test_each_request_gives_the_session_its_grant_as_it_is_now() -> None:
    session = ClientSession(grant=ALICE, owner=owner_of(ALICE))
    narrowed = GrantConfig("alice", ALICE.key_sha256, servers=("docs",))
    session.last_seen = 0.0
    refresh(session, narrowed, seen=True)
    assert session.grant is narrowed
    assert session.last_seen > 0.0


async def test_every_answer_of_an_authenticator_is_turned_into_what_it_stands_for() -> None:
    failure = AuthFailure(403, b'Bearer error="insufficient_scope"', "Forbidden: scope")

    async def later(answer: GrantConfig | AuthFailure) -> GrantConfig | AuthFailure:
        return answer

    assert authorize(lambda _: None, {}) is None
    assert authorize(lambda _: True, {}) is None
    assert authorize(lambda _: ALICE, {}) is ALICE
    refused = authorize(lambda _: False, {})
    assert isinstance(refused, Refused) and refused.status == 401
    assert authorize(lambda _: failure, {}) == Refused(failure.challenge, 403, failure.message)
    pending = authorize(lambda _: later(ALICE), {})
    assert isinstance(pending, Awaitable) and await pending is ALICE
    pending = authorize(lambda _: later(failure), {})
    assert isinstance(pending, Awaitable) and await pending == Refused(failure.challenge, 403, failure.message)
