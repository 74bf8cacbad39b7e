"""Numeric rules fail closed on arguments that are not JSON numbers; strings are compared normalised (issue 8.9)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from portcullis.policy import Decision, ToolCall, compile_policy, policy_from_text
from portcullis.policy.conditions import excerpt, is_numeric_condition, json_number, normalise_text

SNEAKY = ["5000", "5e3", " 5000 ", [5000], None, True, False, {"value": 5000}, 10**400, float("nan"), float("inf")]


def decide(rule: dict[str, Any], args: dict[str, Any]) -> Decision:
    policy = compile_policy(
        policy_from_text(orjson.dumps({"tools": {"pay__send": rule}}, option=orjson.OPT_NON_STR_KEYS).decode())
    )
    return policy.decide(ToolCall("pay", "send", args, "g", "s"))


@pytest.mark.parametrize("value", SNEAKY, ids=repr)
@pytest.mark.parametrize("where", ["deny_if", "require"])
def test_a_numeric_condition_refuses_what_is_not_a_json_number(value: Any, where: str) -> None:
    condition = {"path": "args.amount", "op": "gt" if where == "deny_if" else "lte", "value": 1000}
    rule = {"deny_if": [{"conditions": [condition]}]} if where == "deny_if" else {"require": [condition]}
    d = decide(rule, {"amount": value})
    assert (d.action, d.argument) == ("deny", "amount"), d
    assert d.rule == f"$.tools.pay__send.{where}[0]"
    assert d.reason.startswith("argument 'amount' must be a JSON number, got "), d.reason
    assert "JSON number" in d.hint


@pytest.mark.parametrize(("op", "value"), [("eq", 0), ("neq", 5), ("in", [1, 2]), ("not_in", [1000, 2000])])
def test_any_condition_with_a_numeric_value_needs_a_number(op: str, value: Any) -> None:
    d = decide({"deny_if": [{"conditions": [{"path": "args.amount", "op": op, "value": value}]}]}, {"amount": "0"})
    assert d.action == "deny" and "must be a JSON number" in d.reason, d


def test_numbers_and_absent_arguments_behave_as_before() -> None:
    deny_big = {"deny_if": [{"conditions": [{"path": "args.amount", "op": "gt", "value": 1000}]}]}
    assert decide(deny_big, {"amount": 1000}).action == "allow"
    assert decide(deny_big, {"amount": 1000.5}).action == "deny"
    assert decide(deny_big, {}).action == "allow"  # absent: the condition does not hold, as before
    assert decide({"require": [{"path": "args.amount", "op": "lte", "value": 10}]}, {}).action == "deny"
    mixed = {"deny_if": [{"conditions": [{"path": "args.tag", "op": "in", "value": ["a", 1]}]}]}
    assert decide(mixed, {"tag": "b"}).action == "allow"  # a mixed list is not a numeric condition


def test_a_cost_that_is_not_a_number_fails_closed_instead_of_spending_nothing() -> None:
    rule = {"limits": [{"counter": "spend", "window": "day", "max": 5000, "cost": "args.amount"}]}
    for value in SNEAKY:
        d = decide(rule, {"amount": value})
        assert (d.action, d.argument) == ("deny", "amount"), (value, d)
        assert not d.limits
    assert decide(rule, {"amount": 10}).limits[0].cost == 10.0


@pytest.mark.parametrize(
    "disguise", ["ｄｒｏｐ table", "dr\u200bop table", "d\u00adrop", "dro\ufeffp", "dr\U000e0041op table", "\u202edrop"]
)
def test_strings_are_compared_nfkc_without_invisible_characters(disguise: str) -> None:
    rule = {"deny_if": [{"conditions": [{"path": "args.sql", "op": "regex", "value": "drop"}]}]}
    assert decide(rule, {"sql": disguise}).action == "deny"
    for op, value in (("eq", "drop"), ("in", ["drop"]), ("contains", "rop")):
        assert (
            decide(
                {"deny_if": [{"conditions": [{"path": "args.sql", "op": op, "value": value}]}]},
                {"sql": normalise_text(disguise).split(" ")[0]},
            ).action
            == "deny"
        )
    blocked = {"require": [{"path": "args.to", "op": "not_in", "value": ["treasury"]}]}
    assert decide(blocked, {"to": "treas\u200bury"}).action == "deny"
    assert decide(blocked, {"to": "ｔｒｅａｓｕｒｙ"}).action == "deny"
    assert (
        decide(
            {"deny_if": [{"conditions": [{"path": "args.tags", "op": "contains", "value": "x"}]}]},
            {"tags": ["\u200bx"]},
        ).action
        == "deny"
    )


def test_helpers() -> None:
    assert [json_number(v) for v in (1, 2.5, True, "1", 10**400, float("nan"))] == [1.0, 2.5, None, None, None, None]
    assert is_numeric_condition("gt", "x") and is_numeric_condition("eq", 1) and not is_numeric_condition("eq", "1")
    assert not is_numeric_condition("in", []) and is_numeric_condition("not_in", [1.5])
    assert normalise_text("ﬁle\u200b") == "file" and normalise_text("plain") == "plain"
    long = excerpt("x" * 500)
    assert long.startswith('"xxx') and long.endswith("… (502 characters)") and len(long) < 90
    assert excerpt(float("nan")) == "nan"
