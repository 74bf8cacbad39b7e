"""The policy builder's edits on a draft (pure functions of ``portcullis.api.policy_draft``), checked with
the messages of ``portcullis policy check``."""

from __future__ import annotations

import json

import pytest

from portcullis.api.policy import check_text, diff_text
from portcullis.api.policy_draft import DraftError, RuleEdit, apply_edit, merge_entries

START = json.dumps({"version": "1", "default": "deny", "tools": {"gh__read": {}, "gh__delete": {}}}, indent=2)


def test_each_action_sets_the_entry_a_person_would_write() -> None:
    text = apply_edit(START, ["gh__delete"], RuleEdit(action="deny", reason="people delete"))
    text = apply_edit(text, ["gh__merge"], RuleEdit(action="require_approval", reason="merges need a person"))
    text = apply_edit(text, ["gh__read"], RuleEdit(limit_max="30", limit_window="minute", limit_scope="session"))
    text = apply_edit(
        text, ["gh__pay"], RuleEdit(arg_path="amount", arg_op="gt", arg_value="1000", arg_message="too much")
    )
    text = apply_edit(text, ["gh__secret"], RuleEdit(action="hide"))
    data = json.loads(text)
    assert list(data["tools"]) == ["gh__read", "gh__delete", "gh__merge", "gh__pay"]  # edited in place
    assert data["tools"]["gh__delete"] == {"action": "deny", "reason": "people delete"}
    assert data["tools"]["gh__merge"] == {"action": "require_approval", "reason": "merges need a person"}
    assert data["tools"]["gh__read"]["limits"] == [
        {"counter": "gh__read", "window": "minute", "max": 30, "scope": "session"}
    ]
    assert data["tools"]["gh__pay"]["deny_if"] == [
        {"conditions": [{"path": "args.amount", "op": "gt", "value": 1000}], "on_deny": "too much"}
    ]
    assert data["hide"] == ["gh__secret"]
    assert check_text(text, "policy.json", None)["ok"]
    removed = json.loads(apply_edit(text, ["gh__secret", "gh__pay"], RuleEdit(action="remove")))
    assert "hide" not in removed and "gh__pay" not in removed["tools"]


def test_a_mistake_is_kept_as_typed_for_the_check_to_name() -> None:
    text = apply_edit(START, ["gh__read"], RuleEdit(limit_max="ten"))
    result = check_text(text, "policy.json", None)
    assert not result["ok"]
    assert [p["path"] for p in result["problems"]] == ["$.tools.gh__read.limits[0].max"]


def test_a_draft_that_is_not_a_mapping_cannot_be_edited() -> None:
    with pytest.raises(DraftError):
        apply_edit("[1, 2]", ["x__y"], RuleEdit())
    assert not check_text("{not json", "policy.json", None)["ok"]


def test_added_entries_and_the_diff() -> None:
    text = merge_entries(START, {"gh__merge": {"rate_limit": "10/minute"}})
    diff = diff_text(START, text, "policy.json")
    assert '+    "gh__merge": {' in diff and "policy.json (live)" in diff and "policy.json (draft)" in diff
    assert diff_text(START, START, "policy.json") == ""
