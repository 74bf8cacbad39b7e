"""Rules written after round 15 was scored (tests/fixtures/real-servers-round15), general to every server: a name
that opens with "mark" and ends in the state it sets ("mark_conversations_read") sets it, it does not read; a verb
that doubles as a noun, joined by "and" to a sure one and followed by "both" or another article, is a verb ("Render
markdown and place both formats on the clipboard"); a conflict policy one of whose values overwrites
(``on_duplicate``: "rename" or "overwrite") makes the call destroy. Invented definitions."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


@pytest.mark.parametrize("name", ["mark_messages_read", "mark_as_unread", "markThreadSeen", "mark_task_done"])
def test_a_mark_that_ends_in_a_state_sets_it(name: str) -> None:
    c = classify_tool(tool(name, "", {"ids": {"type": "array", "items": {"type": "string"}}}))
    assert c.category == "write"


@pytest.mark.parametrize("name", ["get_mark_price", "read_messages"])
def test_names_that_only_hold_mark_or_read_are_unchanged(name: str) -> None:
    assert classify_tool(tool(name, "Get the values.")).category == "read"


def test_a_weak_verb_joined_to_a_sure_one_before_both_is_a_verb() -> None:
    description = "Render markdown to HTML and place both formats on the system clipboard."
    c = classify_tool(tool("clipboard_markdown", description, {"markdown": {"type": "string"}}))
    assert c.category == "write"


@pytest.mark.parametrize(
    ("argument", "schema"),
    [
        ("on_duplicate", {"type": "string", "description": '"rename" (default) or "overwrite"'}),
        ("if_exists", {"type": "string", "enum": ["fail", "replace", "append"]}),
        ("conflictBehavior", {"type": "string", "description": "One of skip, overwrite."}),
    ],
)
def test_a_conflict_policy_that_can_overwrite_destroys(argument: str, schema: dict[str, Any]) -> None:
    properties = {"file_path": {"type": "string"}, argument: schema}
    c = classify_tool(tool("upload_file", "Upload a file to the course.", properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "destructive-option"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "description": '"rename" (default) or "skip"'},
        {"type": "string", "enum": ["fail", "append"]},
        {"type": "boolean", "description": "Whether to check that it exists"},
    ],
)
def test_a_conflict_policy_that_keeps_what_is_there_does_not(schema: dict[str, Any]) -> None:
    properties = {"file_path": {"type": "string"}, "on_duplicate": schema}
    c = classify_tool(tool("upload_file", "Upload a file to the course.", properties))
    assert c.category == "write"
