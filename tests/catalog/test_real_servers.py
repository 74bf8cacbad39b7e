"""The classifier on 25 real servers' labelled tool lists (tests/fixtures/real-servers), annotations removed.

The servers are split by a rule fixed before any rule was written (see the fixtures' README): the
development part is what the classifier's rules were written from; the confirmation part was only
scored. Each test prints the figures per server and every tool it gets wrong (``pytest -s`` shows them).
"""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import CATEGORIES, classify_tool
from tests.catalog.real_servers import CONFIRMATION, DEVELOPMENT, SERVERS, Score, load_labels, load_tools, report

_CATEGORY_RANK = {c: i for i, c in enumerate(("read", "other", "write", "execute", "destructive"))} | {
    "financial": 4}
_LEVEL_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def _assert_targets(total: Score, label: str) -> None:
    assert total.agreement >= 0.97, f"{label}: read-vs-mutating {total.agreement:.1%} < 97 %"
    assert total.mutating_read_rate <= 0.01, f"{label}: {total.mutating_read_rate:.1%} of mutating tools read"
    assert total.destructive_rate >= 0.95, f"{label}: destructive caught {total.destructive_rate:.1%} < 95 %"
    assert total.execute_rate >= 0.95, f"{label}: execute caught {total.execute_rate:.1%} < 95 %"


def test_the_split_is_the_documented_rule() -> None:
    assert len(SERVERS) == 25
    assert DEVELOPMENT == SERVERS[0::2] and CONFIRMATION == SERVERS[1::2]
    assert DEVELOPMENT[:3] == ("airtable-mcp", "azure-devops-mcp", "circleci-mcp")
    assert not set(DEVELOPMENT) & set(CONFIRMATION)


@pytest.mark.parametrize(("label", "servers"), [("development", DEVELOPMENT), ("confirmation", CONFIRMATION),
                                                ("all", SERVERS)])
def test_scores_with_annotations_removed(label: str, servers: tuple[str, ...]) -> None:
    text, total = report(label, servers)
    print("\n" + text)
    _assert_targets(total, label)


def test_every_labelled_tool_is_in_the_fixtures() -> None:
    labels = load_labels()
    names = {(server, t["name"]) for server in SERVERS for t in load_tools(server)}
    assert names == set(labels)
    assert sum(1 for row in labels.values() if not row["ambiguous"]) == 556


def _risk(c: Any) -> tuple[int, int]:
    return _CATEGORY_RANK[c.category], _LEVEL_RANK[c.level]


def test_annotations_raise_risk_and_never_lower_it() -> None:
    """With the servers' own annotations kept, no tool is classified less risky than without them."""
    raised = 0
    for server in SERVERS:
        for tool in load_tools(server):
            if not isinstance(tool.get("annotations"), dict):
                continue
            bare = classify_tool({k: v for k, v in tool.items() if k != "annotations"})
            annotated = classify_tool(tool)
            assert annotated.category in CATEGORIES
            assert _risk(annotated) >= _risk(bare), (server, tool["name"], bare.category, annotated.category)
            if annotated.category != bare.category and tool["annotations"].get("destructiveHint") is True:
                assert annotated.category == "destructive"
            raised += _risk(annotated) > _risk(bare)
            if tool["annotations"].get("readOnlyHint") is True:
                assert annotated.category == bare.category, (server, tool["name"])  # a hint never lowers
    assert raised > 0  # destructiveHint/readOnlyHint: false raised some tools
