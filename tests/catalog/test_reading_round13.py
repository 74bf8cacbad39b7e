"""Rules written after round 13 was scored (tests/fixtures/real-servers-round13), general to every server: a verb
that doubles as a noun ("run") is a verb when "and" or "then" joins it to a sure one and an article opens its
object; "create or alter" (or modify, edit, patch, change) is an upsert as "create or update" is; a path into a
document (``jsonPath``) is no file, and "saved" that names a kind of thing ("saved searches") tells of no saving.
Invented definitions."""

from __future__ import annotations

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


@pytest.mark.parametrize(
    "description",
    [
        "Pull a repo and run a notebook.",
        "Sync the branch and then run the test suite.",
        "Clone the repository and run its tests.",
    ],
)
def test_a_run_joined_to_a_sure_verb_runs(description: str) -> None:
    c = classify_tool(tool("sync_repo", description, {"repo_id": {"type": "string"}}))
    assert c.category == "execute"


def test_a_run_that_is_a_noun_does_not() -> None:
    c = classify_tool(tool("get_job", "Get the status and run history of a job.", {"job_id": {"type": "string"}}))
    assert c.category == "read"


@pytest.mark.parametrize("name", ["create_or_alter_object", "createOrModifyView", "create_or_patch_policy"])
def test_create_or_change_in_a_name_is_an_upsert(name: str) -> None:
    c = classify_tool(tool(name, "Create the object, or change the one there to match.", {"name": {"type": "string"}}))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "upsert"


def test_create_and_edit_in_a_name_is_no_upsert() -> None:
    properties = {"title": {"type": "string"}}
    c = classify_tool(tool("create_and_edit_draft", "Create a draft and edit its title.", properties))
    assert not c.has("upsert")


@pytest.mark.parametrize(
    ("argument", "description"),
    [
        ("jsonPath", "JSONPath expression to extract (e.g. '$.panels[*]' for saved dashboard queries)"),
        ("field_path", "Dotted path of the field to return"),
        ("path", "Only the saved searches under this path are returned"),
    ],
)
def test_a_path_into_a_document_is_no_file_to_write(argument: str, description: str) -> None:
    properties = {"uid": {"type": "string"}, argument: {"type": "string", "description": description}}
    definition = tool("get_dashboard_part", "Get part of a dashboard.", properties)
    definition["inputSchema"]["required"] = ["uid", argument]
    c = classify_tool(definition)
    assert c.category == "read"
    assert not c.has("writes-files")


def test_a_required_path_said_to_be_saved_to_still_writes() -> None:
    properties = {"file_path": {"type": "string", "description": "Path where the report will be saved"}}
    definition = tool("export_report", "Export the report.", properties)
    definition["inputSchema"]["required"] = ["file_path"]
    c = classify_tool(definition)
    assert c.category == "write"
    assert c.has("writes-files")
