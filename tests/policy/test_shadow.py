"""Rules in shadow mode: left out of the enforcing policy, kept (as if enforced) in its ``shadow``."""

from __future__ import annotations

from portcullis.policy import ToolCall, compile_policy, policy_from_text
from portcullis.safety import ShadowRunner, shadow_differs

TEXT = """\
version: "1"
default: deny
tools:
  gh__*: {}
  gh__delete_repo: {action: deny, mode: shadow, reason: Rehearsal}
  gh__create_issue: {rate_limit: 1/hour, mode: shadow}
"""


def test_shadow_rules_enforce_nothing_and_decide_in_the_shadow() -> None:
    policy = compile_policy(policy_from_text(TEXT, "p.yaml"))
    call = ToolCall("gh", "delete_repo", {}, "g", "s")
    assert policy.decide(call).action == "allow"  # the live policy: gh__* allows it
    assert policy.shadow is not None and policy.shadow.model.shadow
    assert (policy.shadow.decide(call).action, policy.shadow.decide(call).rule) == ("deny", "$.tools.gh__delete_repo")
    runner = ShadowRunner()
    issue = ToolCall("gh", "create_issue", {}, "g", "s")
    first = runner.decide(policy.shadow, issue, 1000.0, "allow")
    second = runner.decide(policy.shadow, issue, 1001.0, "allow")
    assert (first["decision"], second["decision"]) == ("allow", "limit")  # the shadow's own counters
    assert policy.decide(issue).limits == ()  # the live policy takes no such limit
    assert shadow_differs("allow", second) and not shadow_differs("allow", first)
    assert not shadow_differs("approved", {"decision": "require_approval"})


def test_a_policy_without_shadow_rules_has_no_shadow() -> None:
    assert compile_policy(policy_from_text('version: "1"\ntools: {a__b: {}}\n', "p.yaml")).shadow is None
    whole = compile_policy(policy_from_text('version: "1"\nmode: shadow\n', "p.yaml"))
    assert whole.model.shadow and whole.shadow is None
