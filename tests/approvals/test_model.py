"""The pure rules: what a request means for a call at a given time."""

from __future__ import annotations

from portcullis.approvals.model import Approval, ApprovalState, call_digest, evaluate

T0 = 1_000.0


def pending(**changes: object) -> Approval:
    a = Approval(
        id="ap_1",
        status="pending",
        grant="g",
        session="s",
        server="srv",
        tool="t",
        arguments={},
        digest="d",
        requested_at=T0,
        expires_at=T0 + 100,
    )
    return a if not changes else Approval(**{**a.__dict__, **changes})


def test_digest_is_canonical_and_covers_tool_and_arguments() -> None:
    assert call_digest("s", "t", {"a": 1, "b": [1, 2]}) == call_digest("s", "t", {"b": [1, 2], "a": 1})
    assert call_digest("s", "t", {"a": 1}) != call_digest("s", "t", {"a": 2})
    assert call_digest("s", "t", {"a": 1}) != call_digest("s", "u", {"a": 1})
    assert call_digest("s", "t", {"a": 1}) != call_digest("r", "t", {"a": 1})


def test_pending_then_expired_counts_as_denied_then_nothing() -> None:
    a = pending()
    assert evaluate(None, T0, 50) == "none"
    assert evaluate(a, T0 + 99, 50) == "pending"
    assert a.effective_status(T0 + 100) == "expired"
    assert evaluate(a, T0 + 100, 50) == "denied"
    assert evaluate(a, T0 + 149, 50) == "denied"
    assert evaluate(a, T0 + 150, 50) == "none"
    assert "expired without a decision" in ApprovalState("denied", a).message


def test_single_use_approval() -> None:
    a = pending().decided(True, "alice", "ok", T0 + 10, for_seconds=None, ttl=100)
    assert a.single_use and a.valid_until == T0 + 110
    assert evaluate(a, T0 + 20, 50) == "approved"
    assert evaluate(Approval(**{**a.__dict__, "used_at": T0 + 20}), T0 + 21, 50) == "none"
    assert evaluate(a, T0 + 110, 50) == "none"


def test_approval_for_a_duration() -> None:
    a = pending().decided(True, "alice", "", T0 + 10, for_seconds=3600, ttl=100)
    assert not a.single_use
    assert evaluate(a, T0 + 3000, 50) == "approved"
    assert evaluate(a, T0 + 3610, 50) == "none"


def test_denial_holds_then_lapses_and_carries_the_comment() -> None:
    a = pending().decided(False, "bob", "not on a Friday", T0 + 10, for_seconds=None, ttl=100)
    assert evaluate(a, T0 + 20, 50) == "denied"
    assert evaluate(a, T0 + 59, 50) == "denied"  # for deny_hold after the decision
    assert evaluate(a, T0 + 60, 50) == "none"
    msg = ApprovalState("denied", a).message
    assert "bob" in msg and "not on a Friday" in msg and "ap_1" in msg


def test_pending_message_says_what_to_do() -> None:
    assert ApprovalState("pending", pending()).message == "pending approval ap_1 — retry the same call once approved"
