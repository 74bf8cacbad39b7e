"""Policy test cases: reading them (every problem with its line) and running them without upstreams."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from portcullis.config.source import parse_document
from portcullis.errors import ConfigError
from portcullis.policy import compile_policy, parse_policy
from portcullis.policy.caserun import junit_xml, run_cases
from portcullis.policy.cases import Catalogue, case_documents, parse_cases, sibling_tests_file

POLICY = """\
version: "1"
default: deny
tools:
  demo__read_*: {}
  demo__write_note:
    rate_limit: 2/minute
  demo__transfer_funds:
    action: require_approval
    reason: Moves money
    deny_if:
      - conditions: [{path: args.amount, op: gt, value: 1000}]
        on_deny: Too much
  demo__delete_*: {action: deny, reason: Deletion is done by people}
tests:
  - name: reads pass
    tool: demo__read_note
    arguments: {name: a}
    expect: allow
  - name: the third write in a minute is limited
    tool: demo__write_note
    before: [{tool: demo__write_note, repeat: 2}]
    expect: {decision: limit, reason: rate limit}
  - name: two minutes later it passes
    tool: demo__write_note
    before: [{tool: demo__write_note, repeat: 2}, {wait: 2m}]
    expect: allow
  - name: limits are per grant
    tool: demo__write_note
    grant: bob
    before: [{tool: demo__write_note, repeat: 2, grant: alice}]
    expect: allow
  - name: transfers are held
    tool: demo__transfer_funds
    arguments: {amount: 5}
    expect: {decision: require_approval, rule: "$.tools.demo__transfer_funds"}
  - name: big transfers are refused
    tool: demo__transfer_funds
    arguments: {amount: 5000}
    expect: {decision: deny, rule: "$.tools.demo__transfer_funds.deny_if[0]", reason: too much}
  - name: deletion by glob rule
    tool: demo__delete_note
    expect: {decision: deny, rule: "$.tools.demo__delete_*"}
"""


def _run(text: str, file: str = "p.yaml", catalogue: Catalogue | None = None) -> list[tuple[str, bool, str]]:
    doc = parse_document(text, file)
    policy = compile_policy(parse_policy(doc))
    cases = parse_cases(doc, "$.tests", catalogue)
    return [(r.case.name, r.passed, r.describe()) for r in run_cases(policy, cases)]


def test_cases_pass() -> None:
    results = _run(POLICY)
    assert len(results) == 7
    assert [name for name, ok, _ in results if not ok] == []


def test_a_failing_case_says_what_was_expected_and_what_came() -> None:
    text = POLICY + "  - {name: wrong, tool: demo__delete_note, expect: {decision: allow, reason: nope}}\n"
    results = _run(text)
    _, ok, said = results[-1]
    assert not ok
    assert said.startswith("p.yaml:43: wrong: expected decision allow and a reason containing 'nope'; got deny")
    assert "Deletion is done by people" in said


def test_every_problem_has_its_line() -> None:
    text = """\
version: "1"
tests:
  - tool: demo__read_note
    expect: allowed
  - tool: github__read
    expect: allow
  - tool: demo__read_note
    expect: {decision: deny, rulez: x}
  - tool: demo__read_note
  - tool: readnote
    expect: allow
  - tool: demo__read_note
    before: [{tool: demo__read_note, repeat: 0}, {wait: soon}]
    expect: allow
  - tool: demo__raed_note
    expect: allow
"""
    catalogue = Catalogue(servers={"demo"})
    catalogue.add_tools([("demo", "read_note"), ("demo", "write_note")])
    with pytest.raises(ConfigError) as exc:
        _run(text, catalogue=catalogue)
    got = {(p.line, p.path): p.message for p in exc.value.problems}
    assert "got 'allowed'" in got[(4, "$.tests[0].expect")]
    assert "no server 'github'" in got[(5, "$.tests[1].tool")]
    assert "unknown key 'rulez'" in got[(8, "$.tests[2].expect.rulez")]
    assert "needs 'expect'" in got[(9, "$.tests[3]")]
    assert "<server>__<tool>" in got[(10, "$.tests[4].tool")]
    assert "'repeat'" in got[(13, "$.tests[5].before[0].repeat")]
    assert "soon" in got[(13, "$.tests[5].before[1].wait")]
    assert "did you mean demo__read_note" in got[(15, "$.tests[6].tool")]


def test_without_a_catalogue_any_server_tool_name_is_taken() -> None:
    assert _run('version: "1"\ntests: [{tool: x__y, expect: deny}]\n')[0][1]


def test_unknown_grant_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown grant 'eve'"):
        _run('version: "1"\ntests: [{tool: x__y, grant: eve, expect: deny}]\n', catalogue=Catalogue(grants={"al"}))


def test_sibling_tests_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"version": "1", "tools": {"a__b": {}}}')
    assert sibling_tests_file(policy) is None
    (tmp_path / "policy.tests.yaml").write_text(
        "tests:\n  - {tool: a__b, expect: allow}\n  - {tool: a__c, expect: allow}\n"
    )
    doc = parse_document(policy.read_text(), str(policy))
    [(source, where)] = case_documents(doc, policy)
    cases = parse_cases(source, where)
    results = run_cases(compile_policy(parse_policy(doc)), cases)
    assert [r.passed for r in results] == [True, False]
    assert results[1].case.line == 3 and results[1].case.file.endswith("policy.tests.yaml")


def test_junit_report() -> None:
    text = POLICY + "  - {name: wrong, tool: demo__delete_note, expect: allow}\n"
    doc = parse_document(text, "p.yaml")
    results = run_cases(compile_policy(parse_policy(doc)), parse_cases(doc, "$.tests"))
    root = ET.fromstring(junit_xml("p", results))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "8" and suite.get("failures") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["wrong"]
    assert "expected decision allow" in (failed[0].find("failure").get("message") or "")  # type: ignore[union-attr]
