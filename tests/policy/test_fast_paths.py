"""The decision path's shortcuts give what the general code gives.

``new_decision`` makes the same frozen ``Decision`` as its constructor; ``eq``/``neq``/``in``/``not_in``
on strings (compiled without normalising ASCII text) agree with the general JSON comparison on every
kind of value; a remembered decision (same name, grant, session and cost) is the one made fresh.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portcullis.policy import Decision, ToolCall, compile_policy, policy_from_text
from portcullis.policy.conditions import MISSING, _normalised, compile_condition, json_equal
from portcullis.policy.decision import new_decision
from portcullis.policy.model import ConditionSpec


def test_new_decision_is_a_frozen_decision_equal_to_the_constructed_one() -> None:
    made = new_decision("require_approval", "$.tools.x", "why", "hint", (), "s__x", True)
    built = Decision("require_approval", "$.tools.x", "why", "hint", (), "s__x", fail_open=True)
    assert type(made) is Decision
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert made.argument is None and made.retry_after is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.action = "allow"  # type: ignore[misc]
    assert dataclasses.replace(made, action="deny").action == "deny"


def _general(op: str, value: Any, actual: Any) -> bool:
    """The comparisons as written before the shortcuts: JSON equality of normalised values."""
    value = _normalised(value)
    if op in ("eq", "neq"):
        equal = actual is not MISSING and json_equal(_normalised(actual), value)
        return equal if op == "eq" else not equal
    member = actual is not MISSING and any(json_equal(_normalised(actual), v) for v in value)
    return member if op == "in" else not member


_TEXT = st.text(alphabet="ab0Ａｂ\u200b\u00e9e\u0301 ", max_size=4)  # fullwidth, zero-width, composed and not
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
    max_leaves=4,
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["eq", "neq", "in", "not_in"]),
    _TEXT,
    st.lists(_JSON, max_size=3),
    st.one_of(st.just(MISSING), _JSON),
)
def test_string_comparisons_agree_with_json_equality(op: str, text: str, more: list[Any], actual: Any) -> None:
    value: Any = text if op in ("eq", "neq") else [text, *more]
    predicate = compile_condition(ConditionSpec(("a",), op, value, "$.x"))
    assert predicate(actual) == _general(op, value, actual)


POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {
        "bank__pay": {
            "deny_if": [{"conditions": [{"path": "args.to", "op": "not_in", "value": ["ops"]}]}],
            "limits": [
                {"counter": "spend", "window": "day", "max": 100, "scope": "grant", "cost": "args.amount"},
                {"counter": "calls", "window": "minute", "max": 10, "scope": "session"},
            ],
        }
    },
}


def test_a_remembered_decision_is_the_one_made_fresh() -> None:
    warm = compile_policy(policy_from_text(orjson.dumps(POLICY).decode()))
    for amount, session in [(1.5, "s1"), (1.5, "s1"), (2, "s1"), (1.5, "s2"), (-0.5, "s1"), ("x", "s1")]:
        call = ToolCall("bank", "pay", {"to": "ops", "amount": amount}, "alice", session)
        fresh = compile_policy(policy_from_text(orjson.dumps(POLICY).decode()))
        assert warm.decide(call) == fresh.decide(call)
    spent = warm.decide(ToolCall("bank", "pay", {"to": "ops", "amount": 2}, "alice", "s2"))
    assert [r.cost for r in spent.limits] == [2.0, 1.0] and spent.limits[1].scope_id == "s2"
