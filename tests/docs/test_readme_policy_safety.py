"""The README's worked example of policy safety is a valid policy whose own test cases pass."""

from __future__ import annotations

from pathlib import Path

from portcullis.config.source import parse_document
from portcullis.policy import compile_policy, parse_policy
from portcullis.policy.caserun import run_cases
from portcullis.policy.cases import parse_cases
from portcullis.policy.lintflow import unused_tag_problems

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_worked_example_passes_its_own_tests() -> None:
    section = README.split("<!-- section:policy-safety -->", 1)[1].split("<!-- /section:policy-safety -->", 1)[0]
    text = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    doc = parse_document(text, "README-example.yaml")
    model = parse_policy(doc)
    policy = compile_policy(model)
    results = run_cases(policy, parse_cases(doc, "$.tests"))
    assert len(results) == 4 and all(r.passed for r in results), [r.describe() for r in results]
    assert unused_tag_problems(model, (), tools_known=False) == []
