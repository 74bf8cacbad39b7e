"""Rules that span calls: loop rules and session (data-flow) rules, pure, through the simulator and cases."""

from __future__ import annotations

import pytest

from portcullis.config.source import parse_document
from portcullis.errors import ConfigError
from portcullis.policy import ToolCall, compile_policy, parse_policy, policy_from_text
from portcullis.policy.caserun import run_cases
from portcullis.policy.cases import parse_cases
from portcullis.policy.simulate import Simulator, Verdict

POLICY = """\
version: "1"
default: allow
all_tools:
  loop: {identical: 3, window: 5m}
tools:
  gh__create_issue:
    tags: [external_comm]
    loop: {identical: 2, in_a_row: 4}
  gh__read_private_repo: {tags: [private_data]}
  web__fetch: {tags: [untrusted_content]}
  mail__send: {tags: [external_comm]}
sessions:
  - name: lethal-trifecta
    after: [private_data, untrusted_content]
    then: external_comm
    action: require_approval
"""


def _sim(text: str = POLICY) -> Simulator:
    return Simulator(compile_policy(policy_from_text(text, "p.yaml")))


def _call(
    sim: Simulator, name: str, args: dict[str, object] | None = None, *, session: str = "s1", t: float = 0
) -> Verdict:
    server, tool = name.split("__", 1)
    return sim.step(ToolCall(server, tool, args or {}, "g", session), 1000.0 + t)


def test_a_loop_is_denied_at_the_n_plus_first_identical_call() -> None:
    sim = _sim()
    for i in range(3):
        assert _call(sim, "web__fetch", {"url": "u"}, t=i).kind == "allow"
    denied = _call(sim, "web__fetch", {"url": "u"}, t=3)
    assert denied.kind == "deny" and denied.rule == "$.all_tools.loop.identical"
    assert "3 time(s) in a row with these same arguments" in denied.reason
    assert "change the arguments" in denied.decision.hint
    assert _call(sim, "web__fetch", {"url": "u"}, t=4).kind == "deny"  # still looping
    assert _call(sim, "web__fetch", {"url": "other"}, t=5).kind == "allow"  # other arguments: fine
    assert _call(sim, "web__fetch", {"url": "u"}, session="s2", t=6).kind == "allow"  # another session


def test_the_window_and_argument_order() -> None:
    sim = _sim()
    for i in range(3):
        assert _call(sim, "web__fetch", {"a": 1, "b": 2} if i % 2 else {"b": 2, "a": 1}, t=i).kind == "allow"
    assert _call(sim, "web__fetch", {"a": 1, "b": 2}, t=3).kind == "deny"  # canonical: key order is no difference
    assert _call(sim, "web__fetch", {"a": 1, "b": 2}, t=1000).kind == "allow"  # the earlier ones are out of the window


def test_the_same_tool_too_many_times_in_a_row() -> None:
    sim = _sim()
    for i in range(4):
        assert _call(sim, "gh__create_issue", {"n": i}, session="x", t=i).kind == "allow"
    denied = _call(sim, "gh__create_issue", {"n": 9}, session="x", t=5)
    assert denied.kind == "deny" and denied.rule == "$.tools.gh__create_issue.loop.in_a_row"
    assert _call(sim, "mail__send", {}, session="x", t=6).kind == "allow"
    assert _call(sim, "gh__create_issue", {"n": 10}, session="x", t=7).kind == "allow"  # another tool came between


def test_the_trifecta_is_held_for_the_rest_of_the_session_naming_the_earlier_calls() -> None:
    sim = _sim()
    assert _call(sim, "mail__send", {"to": "x"}).kind == "allow"  # nothing read yet
    assert _call(sim, "gh__read_private_repo", {}, t=1).kind == "allow"
    assert _call(sim, "mail__send", {"to": "x"}, t=2).kind == "allow"  # private only: fine
    assert _call(sim, "web__fetch", {"url": "u"}, t=3).kind == "allow"
    held = _call(sim, "gh__create_issue", {"title": "t"}, t=4)
    assert held.kind == "require_approval" and held.rule == "$.sessions[0]"
    assert "private data by gh__read_private_repo at 1970-01-01T00:16:41.000Z" in held.reason
    assert "untrusted content by web__fetch at 1970-01-01T00:16:43.000Z" in held.reason
    assert _call(sim, "mail__send", {"to": "y"}, t=500).kind == "require_approval"  # for the rest of the session
    assert _call(sim, "mail__send", {"to": "y"}, session="fresh").kind == "allow"  # a fresh session passes


def test_a_denied_read_does_not_count_and_deny_rules() -> None:
    text = POLICY.replace("action: require_approval", "action: deny\n    reason: No exfiltration")
    sim = _sim(text)
    _call(sim, "gh__read_private_repo", {})
    _call(sim, "web__fetch", {}, t=1)
    denied = _call(sim, "mail__send", {}, t=2)
    assert denied.kind == "deny" and denied.reason.startswith("No exfiltration (earlier in this session: private data")
    limited = "gh__read_private_repo: {tags: [private_data], rate_limit: 1/hour}"
    blocked = _sim(text.replace("gh__read_private_repo: {tags: [private_data]}", limited))
    _call(blocked, "gh__read_private_repo", {})
    assert _call(blocked, "gh__read_private_repo", {"again": 1}, session="s9").kind == "limit"
    _call(blocked, "web__fetch", {}, session="s9")
    assert _call(blocked, "mail__send", {}, session="s9").kind == "allow"  # the limited read never happened


def test_policy_cases_cover_session_rules() -> None:
    text = (
        POLICY
        + """\
tests:
  - name: trifecta held
    tool: mail__send
    before: [{tool: gh__read_private_repo}, {tool: web__fetch}]
    expect: {decision: require_approval, rule: "$.sessions[0]", reason: gh__read_private_repo}
  - name: the fourth identical fetch is a loop
    tool: web__fetch
    before: [{tool: web__fetch, repeat: 3}]
    expect: {decision: deny, rule: "$.all_tools.loop.identical"}
"""
    )
    doc = parse_document(text, "p.yaml")
    results = run_cases(compile_policy(parse_policy(doc)), parse_cases(doc, "$.tests"))
    assert [r.passed for r in results] == [True, True], [r.describe() for r in results]


@pytest.mark.parametrize(
    ("snippet", "where", "message"),
    [
        ("tools: {a__b: {loop: {identical: 0}}}", "$.tools.a__b.loop.identical", "1 or more"),
        ("tools: {a__b: {loop: {window: 5m}}}", "$.tools.a__b.loop", "needs 'identical'"),
        ("tools: {a__b: {tags: [secret]}}", "$.tools.a__b.tags", "unknown data-flow tag"),
        ("tools: {a__b: {mode: dry}}", "$.tools.a__b.mode", "'enforce' (the default) or 'shadow'"),
        ("sessions: [{after: [], then: external_comm}]", "$.sessions[0].after", "at least one tag"),
        ("sessions: [{after: [private_data], then: mail, action: deny}]", "$.sessions[0].then", "'then' must be"),
        ("sessions: [{after: [private_data], then: external_comm, action: ask}]", "$.sessions[0].action", "action"),
    ],
)
def test_bad_session_parts_are_refused_with_their_place(snippet: str, where: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        policy_from_text(f'version: "1"\n{snippet}\n', "p.yaml")
    assert any(p.path == where and message in p.message and p.line == 2 for p in exc.value.problems), exc.value


def test_a_session_rule_naming_a_tag_no_tool_has_is_flagged() -> None:
    from portcullis.policy.lintflow import unused_tag_problems

    model = policy_from_text(POLICY.replace("mail__send: {tags: [external_comm]}", "mail__send: {}"), "p.yaml")
    assert unused_tag_problems(model, (), tools_known=True) == []  # gh__create_issue still sends out
    model = policy_from_text(
        'version: "1"\ntools: {a__b: {tags: [private_data]}}\n'
        "sessions: [{name: t, after: [private_data, untrusted_content], then: external_comm}]\n",
        "p.yaml",
    )
    found = {(w.location, w.message.split(",")[0]) for w in unused_tag_problems(model, (), tools_known=False)}
    assert found == {
        ("$.sessions[0].after", "session rule 't' names tag 'untrusted_content'"),
        ("$.sessions[0].then", "session rule 't' names tag 'external_comm'"),
    }
    assert len(unused_tag_problems(model, ["untrusted_content", "external_comm"], tools_known=True)) == 0
