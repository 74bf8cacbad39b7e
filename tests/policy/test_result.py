"""The tool result a denied call returns: isError, a text saying why and what to do, and _meta."""

from __future__ import annotations

from portcullis.limits import LimitRequest
from portcullis.policy import META_KEY, Decision, denial_result


def test_denial_with_retry_after() -> None:
    d = Decision(
        "deny", "$.tools.a.limits[0]", "rate limit reached", "retry after 13 seconds", tool="s__a", retry_after=12.2
    )
    result = denial_result(d)
    assert result["isError"] is True
    text = result["content"][0]["text"]
    assert "rate limit reached" in text and "retry the same call after 13 seconds" in text
    meta = result["_meta"][META_KEY]
    assert meta == {
        "decision": "deny",
        "rule": "$.tools.a.limits[0]",
        "reason": "rate limit reached",
        "retry_after": 12.2,
        "hint": "retry after 13 seconds",
    }
    assert denial_result(d, retry_after=3)["_meta"][META_KEY]["retry_after"] == 3


def test_denial_for_an_argument_says_which() -> None:
    d = Decision(
        "deny",
        "$.tools.t.deny_if[0]",
        "Only the treasury may receive transfers",
        "change argument 'to' and call again",
        tool="s__t",
        argument="to",
    )
    result = denial_result(d)
    assert "change argument 'to'" in result["content"][0]["text"]
    assert result["_meta"][META_KEY]["argument"] == "to"


def test_approval_and_policy_denials_say_what_to_do() -> None:
    approval = denial_result(Decision("require_approval", "$.tools.w", "Moves funds", "wait for a person", tool="s__w"))
    assert "needs a person's approval" in approval["content"][0]["text"]
    assert approval["_meta"][META_KEY]["decision"] == "require_approval"
    policy = denial_result(Decision("deny", "$.default", "not allowed", tool="s__x"))
    assert "ask a person" in policy["content"][0]["text"]


def test_hidden_looks_like_unknown() -> None:
    req = LimitRequest("k", "t", "c", "grant", "g", 60, False, 1, 1, "$.x")
    result = denial_result(Decision("hide", "$.hide[0]", "hidden", tool="s__secret", limits=(req,)))
    assert result == {"content": [{"type": "text", "text": "Unknown tool: s__secret"}], "isError": True}
