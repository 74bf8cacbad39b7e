"""Argument rules: the JSON Schema, every operator of ``require`` and ``deny_if``, and the messages."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from portcullis.policy import ToolCall, compile_policy, policy_from_text


def verdict(rule: dict[str, Any], args: dict[str, Any]) -> tuple[str, str | None, str]:
    p = compile_policy(policy_from_text(orjson.dumps({"tools": {"t": rule}}).decode()))
    d = p.decide(ToolCall("s", "t", args, "g", "s"))
    return d.action, d.argument, d.reason


def require(op: str, value: Any, args: dict[str, Any], path: str = "args.x") -> str:
    return verdict({"require": [{"path": path, "op": op, "value": value}]}, args)[0]


@pytest.mark.parametrize(
    ("op", "value", "passing", "failing"),
    [
        ("eq", "main", "main", "dev"),
        ("eq", 1, 1.0, True),
        ("neq", "draft", "ready", "draft"),
        ("in", ["usd", "eur"], "eur", "gbp"),
        ("in", [1, 2], 2, "2"),
        ("not_in", ["admin"], "user", "admin"),
        ("lt", 10, 9.5, 10),
        ("lte", 10, 10, 10.01),
        ("gt", 0, 1, 0),
        ("gte", 1, 1, "5"),
        ("regex", "^feat/", "feat/x", "fix/feat/x"),
        ("contains", "test", "a test run", "prod"),
        ("contains", "b", ["a", "b"], ["a"]),
        ("contains", {"k": 1}, [{"k": 1}], [{"k": 2}]),
        ("eq", {"a": [1, True]}, {"a": [1, True]}, {"a": [1, 1]}),
    ],
)
def test_operators(op: str, value: Any, passing: Any, failing: Any) -> None:
    assert require(op, value, {"x": passing}) == "allow"
    assert require(op, value, {"x": failing}) == "deny"


def test_exists_and_missing_values() -> None:
    assert require("exists", True, {"x": None}) == "allow"
    assert require("exists", True, {}) == "deny"
    assert require("exists", False, {}) == "allow"
    assert require("neq", "a", {}) == "allow"  # absent is different from anything
    assert require("not_in", ["a"], {}) == "allow"
    for op, value in (("eq", 1), ("in", [1]), ("lt", 5), ("gt", 0), ("regex", "."), ("contains", "a")):
        assert require(op, value, {}) == "deny", op


def test_nested_paths_and_list_indexes() -> None:
    assert require("eq", "x", {"a": {"b": [{"c": "x"}]}}, "args.a.b.0.c") == "allow"
    assert require("eq", "x", {"a": {"b": []}}, "args.a.b.0.c") == "deny"


def test_require_message_names_the_argument() -> None:
    action, argument, reason = verdict(
        {"require": [{"path": "args.amount", "op": "lte", "value": 1000}]}, {"amount": 5000}
    )
    assert (action, argument) == ("deny", "amount")
    assert reason == "argument 'amount' must be at most 1000 (got 5000)"
    _, _, missing = verdict({"require": [{"path": "args.amount", "op": "lte", "value": 1000}]}, {})
    assert "required" in missing


def test_deny_if_needs_every_condition_and_uses_on_deny() -> None:
    rule = {
        "deny_if": [
            {
                "conditions": [
                    {"path": "args.to", "op": "not_in", "value": ["0xT"]},
                    {"path": "args.amount", "op": "gt", "value": 100},
                ],
                "on_deny": "Only small transfers leave the treasury",
            }
        ]
    }
    assert verdict(rule, {"to": "0xE", "amount": 5})[0] == "allow"
    assert verdict(rule, {"to": "0xT", "amount": 500})[0] == "allow"
    assert verdict(rule, {"to": "0xE", "amount": 500}) == ("deny", "to", "Only small transfers leave the treasury")
    rule["deny_if"][0].pop("on_deny")
    reason = verdict(rule, {"to": "0xE", "amount": 500})[2]
    assert "argument 'to' is not one of" in reason and "argument 'amount' is greater than 100" in reason


def test_schema_failures_name_the_argument() -> None:
    rule = {
        "args": {
            "type": "object",
            "required": ["to"],
            "additionalProperties": False,
            "properties": {
                "to": {"type": "string"},
                "amount": {"type": "number", "maximum": 1000},
                "legs": {"prefixItems": [{"type": "string"}]},
            },
        }
    }
    assert verdict(rule, {"to": "x", "amount": 3})[0] == "allow"
    assert verdict(rule, {"to": "x", "amount": 3000})[:2] == ("deny", "amount")
    assert verdict(rule, {"amount": 3})[:2] == ("deny", "to")
    assert verdict(rule, {"to": "x", "legs": [1]})[:2] == ("deny", "legs.0")  # 2020-12 prefixItems is enforced
    action, _, reason = verdict(rule, {"to": "x", "zz": 1})
    assert action == "deny" and "zz" in reason


def test_all_tools_argument_rules_apply_to_every_tool() -> None:
    p = compile_policy(
        policy_from_text(
            orjson.dumps(
                {
                    "default": "allow",
                    "all_tools": {
                        "deny_if": [
                            {
                                "conditions": [{"path": "args.path", "op": "regex", "value": r"\.env$"}],
                                "on_deny": "no secrets",
                            }
                        ]
                    },
                }
            ).decode()
        )
    )
    assert p.decide(ToolCall("fs", "read", {"path": "/app/.env"})).reason == "no secrets"
    assert p.decide(ToolCall("fs", "read", {"path": "/app/main.py"})).action == "allow"
