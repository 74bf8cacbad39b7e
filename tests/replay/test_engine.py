"""The replay's pure core: classes of decisions, limits in time order, what is counted apart."""

from __future__ import annotations

import json
from typing import Any

import orjson

from portcullis.policy import compile_policy, policy_from_text
from portcullis.replay import RecordedCall, Replayer, render_report

DRAFT = {
    "version": "1",
    "default": "deny",
    "tools": {
        "s__read": {},
        "s__write": {"rate_limit": "2/minute"},
        "s__pay": {
            "action": "require_approval",
            "deny_if": [{"conditions": [{"path": "args.amount", "op": "gt", "value": 100}]}],
        },
        "s__post": {"args": {"type": "object", "properties": {"body": {"type": "string", "maxLength": 5}}}},
    },
}


def _replay(*records: tuple[Any, ...]) -> Any:
    draft = compile_policy(policy_from_text(json.dumps(DRAFT), "draft.json"))
    return Replayer(draft).feed_all(records)


def rec(
    i: int, tool: str, decision: str = "allow", rule: str = "$.tools.x", args: Any = None, **kw: Any
) -> RecordedCall:
    return RecordedCall(
        i,
        kw.get("time", 1000.0 + i),
        kw.get("grant", "g"),
        kw.get("session", "s1"),
        "s",
        tool,
        orjson.dumps(args or {}).decode(),
        decision,
        rule,
        kw.get("outcome", "ok"),
    )


def test_empty_trail() -> None:
    report = _replay()
    assert report.empty
    assert render_report(report, " since 24h") == [
        "The audit trail has no recorded calls since 24h: there is nothing to replay the draft over."
    ]


def test_limits_are_replayed_in_time_order_per_grant() -> None:
    report = _replay(
        *(rec(i, "write") for i in range(3)),
        rec(3, "write", grant="other"),
        rec(4, "write", time=1000.0 + 200),  # two windows later: free again
    )
    assert report.tools["s__write"].transitions == {"allow→limit": 1}
    example = report.tools["s__write"].examples["allow→limit"][0]
    assert example["id"] == 2 and "rate limit reached" in example["now"]["reason"]


def test_each_kind_of_change() -> None:
    report = _replay(
        rec(1, "read", "deny", "$.default"),
        rec(2, "delete"),
        rec(3, "pay", "allow", args={"amount": 5}),
        rec(4, "pay", "approved", args={"amount": 500}),
        rec(5, "pay", "approved", args={"amount": 5}),  # approved then, held now: the same
        rec(6, "read", "hide", "$.hide[0]"),
    )
    assert report.transitions() == {
        "deny→allow": 1,
        "hide→allow": 1,
        "allow→deny": 1,
        "allow→held": 1,
        "approved→deny": 1,
    }
    assert report.compared == 6 and report.changed == 5


def test_redacted_arguments_a_rule_needs_are_counted_apart_not_guessed() -> None:
    report = _replay(
        rec(1, "post", args={"body": "hi [REDACTED] there"}),  # the rule reads arguments: apart
        rec(2, "read", args={"token": "[REDACTED]"}),  # the rule does not: compared
        rec(3, "post", args={"body": "far too long"}),
    )
    assert report.redacted == 1 and report.tools["s__post"].redacted == 1
    assert report.compared == 2 and report.transitions() == {"allow→deny": 1}


def test_calls_decided_outside_the_policy_are_not_compared() -> None:
    report = _replay(
        rec(1, "read", "deny", "catalog.pin"),
        rec(2, "read", "deny", "catalog.input_schema"),
        rec(3, "nope", "hide", "hide"),
        rec(4, "read", "allow", "upstream", outcome="unavailable"),
        rec(5, "read", "allow", "$.tools.x", outcome="parked"),
        rec(6, "read", "limit", "$.fail_open"),
    )
    assert report.outside == 6 and report.compared == 0 and report.read == 6
    assert any("not compared" in line for line in render_report(report))


def test_session_rules_and_loops_are_replayed_per_session() -> None:
    draft = compile_policy(
        policy_from_text(
            json.dumps(
                {
                    "version": "1",
                    "default": "allow",
                    "tools": {
                        "s__read": {"tags": ["private_data"]},
                        "s__fetch": {"tags": ["untrusted_content"], "loop": {"identical": 1}},
                        "s__send": {"tags": ["external_comm"]},
                    },
                    "sessions": [{"after": ["private_data", "untrusted_content"], "then": "external_comm"}],
                }
            ),
            "draft.json",
        )
    )
    report = Replayer(draft).feed_all(
        [
            rec(1, "read"),
            rec(2, "fetch", args={"u": 1}),
            rec(3, "fetch", args={"u": 1}),  # identical to the one before: a loop under the draft
            rec(4, "send"),
            rec(5, "send", session="other"),
            rec(6, "fetch", args={"u": "[REDACTED]"}),  # the loop rule compares arguments: counted apart
        ]
    )
    assert report.transitions() == {"allow→deny": 1, "allow→held": 1}
    assert report.tools["s__send"].examples["allow→held"][0]["session"] == "s1"
    assert report.redacted == 1


def test_every_transition_reads_as_words() -> None:
    report = _replay(
        rec(1, "pay", "deny", args={"amount": 5}),  # denied then, held now
        rec(2, "read", "limit"),  # rate-limited then, allowed now
        rec(3, "read", "deny"),
    )
    assert report.tools["s__pay"].transitions == {"deny→held": 1}
    assert report.tools["s__read"].transitions == {"limit→allow": 1, "deny→allow": 1}
    text = "\n".join(render_report(report))
    assert "s__pay: 1 of 1 changed: 1 denied → held for approval" in text
    assert "1 rate-limited → allowed" in text and "1 denied → allowed" in text
    assert "→held" not in text and "limit→" not in text
