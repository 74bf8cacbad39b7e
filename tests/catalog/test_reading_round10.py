"""The rules written from the development half of the held-out round 10 (issue 11): a run created or posted is a
run started. Invented definitions shaped like real ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool


def tool(name: str, description: str = "", properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "description": description, "inputSchema": {"type": "object", "properties": properties or {}}}


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("create_pipeline_run", "Create a new pipeline run for the given pipeline."),
        ("post_job_run", "Trigger a job by ID."),
        ("create_workflow_run_from_template", "Create a new workflow run from a saved template."),
        ("runs_create", "Creates runs of a schedule."),
        ("enqueue_flow", "Creates a run of the flow with the given parameters."),
    ],
)
def test_a_run_created_or_posted_is_a_run_started(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"id": {"type": "string"}, "parameters": {"type": "object"}}))
    assert c.category == "execute"
    assert c.level == "critical"


@pytest.mark.parametrize(
    ("name", "description", "category"),
    [
        ("create_pipeline", "Create a new pipeline definition.", "write"),
        ("post_comment", "Post a comment on a run's page.", "write"),
        ("get_pipeline_run", "Get a pipeline run by its ID.", "read"),
        ("update_run_note", "Update the note of a run.", "write"),
    ],
)
def test_other_creations_and_a_run_read_are_not_runs_started(name: str, description: str, category: str) -> None:
    assert classify_tool(tool(name, description)).category == category
