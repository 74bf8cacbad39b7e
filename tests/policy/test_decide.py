"""The compiled evaluator: each rule kind, precedence, limits resolved at decide time."""

from __future__ import annotations

from typing import Any

import orjson

from portcullis.policy import CompiledPolicy, ToolCall, compile_policy, deny_policy, policy_from_text


def compile_json(policy: dict[str, Any]) -> CompiledPolicy:
    return compile_policy(policy_from_text(orjson.dumps(policy).decode()))


def decide(
    policy: CompiledPolicy, name: str, args: dict[str, Any] | None = None, grant: str | None = "g", session: str = "s1"
) -> tuple[str, str]:
    server, tool = name.split("__", 1)
    d = policy.decide(ToolCall(server, tool, args or {}, grant, session))
    return d.action, d.rule


def test_precedence_hide_then_deny_then_most_specific() -> None:
    p = compile_json(
        {
            "hide": ["gh__secret_*"],
            "tools": {
                "gh__secret_read": {},  # exact allow, but hidden wins
                "gh__delete_*": {"action": "deny"},
                "gh__delete_branch": {},  # exact allow, but a matching deny wins
                "gh__*": {"action": "require_approval"},
                "gh__list_*": {},  # longer literal prefix than gh__*
                "list_issues": {"action": "deny"},  # cross-server deny still beats server-scoped allow
            },
        }
    )
    assert decide(p, "gh__secret_read") == ("hide", "$.hide[0]")
    assert decide(p, "gh__delete_branch") == ("deny", "$.tools['gh__delete_*']")
    assert decide(p, "gh__list_prs") == ("allow", "$.tools['gh__list_*']")
    assert decide(p, "gh__list_issues") == ("deny", "$.tools.list_issues")
    assert decide(p, "gh__merge") == ("require_approval", "$.tools['gh__*']")
    assert decide(p, "other__merge") == ("deny", "$.default")
    assert p.is_hidden("gh", "secret_read") and not p.is_hidden("gh", "merge")


def test_specificity_exact_then_server_scoped_then_prefix() -> None:
    p = compile_json(
        {
            "default": "deny",
            "tools": {
                "read": {"action": "require_approval"},  # unprefixed exact
                "s1__re*": {},  # server-scoped glob
                "*": {"action": "require_approval"},
                "s1__*": {},
                "*__r*": {"action": "require_approval"},  # glob server: cross-server
            },
        }
    )
    assert decide(p, "s1__read") == ("require_approval", "$.tools.read")  # exact beats server-scoped glob
    assert decide(p, "s1__rest") == ("allow", "$.tools['s1__re*']")
    assert decide(p, "s1__zzz") == ("allow", "$.tools['s1__*']")  # server-scoped beats cross-server '*'
    assert decide(p, "s2__rest") == ("require_approval", "$.tools['*__r*']")  # literal prefix 0 vs 0: more literals
    assert decide(p, "s2__zzz") == ("require_approval", "$.tools['*']")


def test_unprefixed_keys_match_on_every_server_and_glob_question_mark() -> None:
    p = compile_json({"tools": {"get_?": {}, "BinanceOptionsCreateListenKey": {}}})
    assert decide(p, "a__get_x")[0] == "allow"
    assert decide(p, "b__get_xy")[0] == "deny"
    assert decide(p, "sperax__BinanceOptionsCreateListenKey")[0] == "allow"
    assert decide(p, "x__binanceoptionscreatelistenkey")[0] == "deny"  # case-sensitive


def test_server_blocks_scope_keys_and_hides() -> None:
    p = compile_json(
        {
            "default": "allow",
            "servers": {
                "git": {
                    "tools": {"push*": {"action": "deny", "reason": "no pushing"}, "git__status": {}},
                    "hide": ["reset_*"],
                }
            },
        }
    )
    assert decide(p, "git__push_tags") == ("deny", "$.servers.git.tools['push*']")
    assert decide(p, "other__push_tags") == ("allow", "$.default")
    assert decide(p, "git__status") == ("allow", "$.servers.git.tools.git__status")
    assert p.is_hidden("git", "reset_hard") and not p.is_hidden("other", "reset_hard")
    d = p.decide(ToolCall("git", "push", {}, "g", "s"))
    assert d.reason == "no pushing" and d.hint


def test_default_allow_and_all_tools_limits_apply_to_every_call() -> None:
    p = compile_json(
        {
            "default": "allow",
            "all_tools": {"rate_limit": "600/minute"},
            "tools": {"s__a": {"limits": [{"counter": "a", "window": "hour", "max": 5}]}},
        }
    )
    d = p.decide(ToolCall("s", "a", {}, "alice", "x"))
    assert d.action == "allow"
    assert [(r.counter, r.max, r.window) for r in d.limits] == [("a", 5, 3600), ("all_tools#rate", 600, 60)]
    d2 = p.decide(ToolCall("s", "unlisted", {}, "alice", "x"))
    assert d2.rule == "$.default" and [r.counter for r in d2.limits] == ["all_tools#rate"]


def test_limit_keys_follow_the_scope() -> None:
    p = compile_json(
        {
            "tools": {
                "a": {
                    "limits": [
                        {"counter": "c", "window": "minute", "max": 1, "scope": "grant"},
                        {"counter": "c", "window": "minute", "max": 1, "scope": "session"},
                        {"counter": "c", "window": "day", "max": 1, "scope": "global"},
                    ]
                }
            }
        }
    )
    a = p.decide(ToolCall("s", "a", {}, "alice", "sess-1")).limits
    b = p.decide(ToolCall("t", "a", {}, "bob", "sess-2")).limits
    assert a[0].key != b[0].key and a[0].tag == "g:alice" and b[0].tag == "g:bob"
    assert a[1].key != b[1].key and a[1].scope_id == "sess-1"
    assert a[2].key == b[2].key and a[2].tag == "global" and a[2].aligned
    odd = p.decide(ToolCall("s", "a", {}, "we|ird{x}", "s")).limits[0]
    assert "|" not in odd.key.split("|grant:")[1].split("|")[0] and "{" not in odd.tag


def test_same_counter_twice_in_one_call_counts_once() -> None:
    p = compile_json(
        {
            "all_tools": {"limits": [{"counter": "all", "window": "minute", "max": 100}]},
            "tools": {"a": {"limits": [{"counter": "all", "window": "minute", "max": 10}]}},
        }
    )
    limits = p.decide(ToolCall("s", "a", {}, "g", "s")).limits
    assert len(limits) == 1 and limits[0].max == 10


def test_cost_comes_from_the_arguments() -> None:
    p = compile_json(
        {
            "tools": {
                "pay": {"limits": [{"counter": "spend", "window": "day", "max": 5000, "cost": "args.payment.amount"}]}
            }
        }
    )
    ok = p.decide(ToolCall("bank", "pay", {"payment": {"amount": 12.5}}, "g", "s"))
    assert ok.action == "allow" and ok.limits[0].cost == 12.5
    for bad in ({}, {"payment": {"amount": "12"}}, {"payment": {"amount": -1}}, {"payment": {"amount": True}}):
        d = p.decide(ToolCall("bank", "pay", bad, "g", "s"))
        assert d.action == "deny" and d.argument == "payment.amount", bad
        assert d.rule == "$.tools.pay.limits[0]" and "payment.amount" in d.reason


def test_require_approval_carries_reason_and_limits() -> None:
    p = compile_json({"tools": {"w": {"action": "require_approval", "reason": "Moves funds", "rate_limit": "3/hour"}}})
    d = p.decide(ToolCall("s", "w", {}, "g", "s"))
    assert (d.action, d.reason, len(d.limits)) == ("require_approval", "Moves funds", 1)


def test_deny_policy_denies_everything_with_a_reason() -> None:
    d = deny_policy().decide(ToolCall("s", "t", {}, "g", "s"))
    assert d.action == "deny" and d.rule == "no-policy" and "no policy" in d.reason


def test_decision_cache_does_not_leak_arguments() -> None:
    p = compile_json({"tools": {"t": {"require": [{"path": "args.n", "op": "lt", "value": 3}]}}})
    assert p.decide(ToolCall("s", "t", {"n": 1})).action == "allow"
    assert p.decide(ToolCall("s", "t", {"n": 5})).action == "deny"
    assert p.decide(ToolCall("s", "t", {"n": 2})).action == "allow"
