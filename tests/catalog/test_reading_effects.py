"""The classifier reads what a tool does past the first word of its name (issue 11, held-out round 4): the act
that ends a noun-first name, files a tool writes as its job, queries that only read, migrations, operations a
description lists, and wording that only points the model somewhere. Invented definitions shaped like real
ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


def answer(name: str, description: str = "", properties: dict[str, Any] | None = None) -> tuple[str, str]:
    c = classify_tool(tool(name, description, properties))
    return c.category, c.level


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("uptime_monitor_run", "Check the endpoint now, outside its schedule.", "execute"),  # the act ends the name
        ("backup_monitor_start", "", "execute"),
        ("uptime_monitor_check", "Get one check.", "read"),
        ("pipeline_build_run", "", "execute"),  # 'build' already says as much: it stays the verb
    ],
)
def test_a_mutating_act_ending_a_noun_first_name_counts(name: str, description: str, expected: str) -> None:
    assert classify_tool(tool(name, description)).category == expected


def test_a_tool_whose_job_is_writing_files_changes_the_workspace() -> None:
    assert answer("legacy_db_inspector", "Inspects a database.", {"output_dir": {"type": "string"}})[0] == "write"
    code = "Generate client code for the API.\n\nReturns: a message with the output location."
    assert answer("generate_api_client", code)[0] == "write"
    assert answer("summarize_logs", "Summarize logs. Generates report files for each service.")[0] == "write"
    # what was observed, saved to a file, is still a read; so is a read whose long result goes to a file
    assert answer("take_screenshot", "Capture the page.", {"outputPath": {"type": "string"}})[0] == "read"
    assert answer("get_build_logs", "Get logs. Long logs are written to a file.")[0] == "read"


def test_a_query_of_search_words_or_one_promised_read_only_is_a_read() -> None:
    words = {"query": {"type": "string", "description": "What to look for, in natural language."}}
    assert answer("search_guides", "Search the SDK guides (Python, JavaScript, SQL).", words) == ("read", "low")
    sql = {"sql": {"type": "string"}}
    assert answer("query_events", "Runs a custom read-only SQL query against the event store.", sql) == ("read", "low")
    assert answer("query_events", "Runs a SQL query against the event store.", sql)[0] == "execute"
    both = "Runs a read-only query; INSERT is allowed for admins."
    assert answer("query_events", both, sql) == ("execute", "critical")


def test_migrations_run_and_pausing_a_hosted_project_stops_it() -> None:
    assert answer("apply_migration", "Applies a migration to the database.") == ("execute", "critical")
    assert answer("finish_schema_migration", "") != ("execute", "critical")  # 'finish' is no known verb
    assert answer("complete_schema_migration", "Complete a schema migration.") == ("execute", "critical")
    rebase = "Rebases a preview branch on main. This will run any newer migrations onto this branch."
    assert answer("rebase_preview", rebase)[0] == "execute"
    assert answer("pause_project", "Pauses a project.")[0] == "destructive"
    assert answer("pause_campaign", "Pauses an email campaign.")[0] == "write"


def test_an_api_executor_listing_delete_operations_is_destructive() -> None:
    description = (
        "Execute message broker API operations directly.\n\nSupported operations:\n- CreateQueue\n- ListQueues\n"
        "- GetQueueAttributes\n- DeleteQueue\n- PurgeQueue"
    )
    props = {"api_operation": {"type": "string", "description": "The operation to execute (CamelCase)"}}
    assert answer("broker_api_executor", description, props)[0] == "destructive"
    listed = "Execute read operations directly. Supported operations: ListQueues, GetQueueAttributes, DescribeQueue."
    assert answer("broker_api_executor", listed, props)[0] == "execute"  # listed reads only raise nothing


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("project_scaffold", "Start here if a user wants to deploy an app. Provides guidance for the layout.", "read"),
        ("confirm_plan_cost", "Ask the user to confirm the cost of the plan. Returns a confirmation ID.", "read"),
        ("confirm_invitation", "Confirms the invitation.", "write"),
        ("get_current_user", "Authenticates the token and returns the user's details.", "read"),
        ("generate_feedback_link", "Returns a link to a feedback form.", "read"),
        ("generate_api_types", "Generates TypeScript types for a project.", "read"),
        ("cpu_start_trace", "Starts a performance trace of the page.", "read"),
        ("recording_stop", "", "write"),  # stopping a recording is not listed as observing: held
        ("screencast_stop", "Stops the screencast.", "read"),
        ("select_tab", "Select a tab as the context for later calls.", "read"),
        ("select_option", "Select an option in a dropdown.", "write"),
        ("execute_logs_batch", "Run a logs query across many log groups and regions.", "read"),
    ],
)
def test_output_only_and_session_wording_is_not_a_write(name: str, description: str, expected: str) -> None:
    assert classify_tool(tool(name, description)).category == expected
