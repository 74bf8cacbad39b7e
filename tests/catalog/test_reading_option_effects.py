"""What a flag does, told in its own description: a flag that says it removes, deletes or revokes what the call
reaches makes the call destroy when it is set, whatever the flag is named; a description that only names deleted
things (a filter, a participle) does not. Invented definitions."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


def _flag(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


@pytest.mark.parametrize(
    ("name", "description", "properties"),
    [
        (
            "get_messages",
            "Fetch messages from a queue.",
            {"queue": {"type": "string"}, "ack": _flag("Acknowledge the messages, removing them from the queue.")},
        ),
        (
            "fetch_jobs",
            "Fetch pending jobs for processing.",
            {"claim": _flag("Claim the jobs for this worker; claimed jobs are removed from the pending queue.")},
        ),
        (
            "sync_folder",
            "Copy a local folder to the bucket.",
            {"folder": {"type": "string"}, "mirror": _flag("Mirror the folder, deleting files the bucket has extra.")},
        ),
    ],
)
def test_a_flag_that_says_it_removes_makes_the_call_destroy(
    name: str, description: str, properties: dict[str, Any]
) -> None:
    c = classify_tool(tool(name, description, properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "destructive-option"


@pytest.mark.parametrize(
    "flag",
    [
        _flag("Include items that are deleted."),
        _flag("Whether removed members are listed too."),
        _flag("Only return the records to delete."),
        _flag("Return deleted items as well; they are never removed by this call."),
    ],
)
def test_a_flag_that_names_deleted_things_does_not(flag: dict[str, Any]) -> None:
    c = classify_tool(tool("list_items", "List the items of a board.", {"board": {"type": "string"}, "extra": flag}))
    assert c.category == "read"
    assert not c.has("destructive-option")
