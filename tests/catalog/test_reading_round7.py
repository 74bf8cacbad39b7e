"""The rules written from the development half of the held-out round 7 (issue 11): a "read-only" that is negated
or names a mode of the server is no promise, a read whose description says it overwrites writes over what is
there, a tool that says it also deletes something is destructive, a read that says it starts or triggers
something does more than read, testing a connection or a log-in checks it, and "cache" in a name is a noun when
the description's verb says what the tool does. Invented definitions shaped like real ones."""

from __future__ import annotations

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

COMMAND = {"host": {"type": "string"}, "command": {"type": "string", "description": "The shell command to run"}}


@pytest.mark.parametrize(
    "description",
    [
        "Runs a shell command on the remote host. Changes state depending on the command; not read-only.",
        "Run a command in an open terminal session. Hosts in readonly mode refuse destructive commands.",
        "Runs one command on every host of a group; readonly or restricted members are reported as failed.",
        "Execute a command. It is never read-only, whatever the command.",
    ],
)
def test_a_negated_read_only_or_a_read_only_mode_is_no_promise(description: str) -> None:
    c = classify_tool(tool("remote_exec", description, COMMAND))
    assert c.category == "execute"
    assert c.level == "critical"
    assert any(s.id == "arbitrary-code" for s in c.signals)
    assert not any(s.id == "read-only-promise" for s in c.signals)


@pytest.mark.parametrize(
    "description",
    [
        "Runs a read-only shell command (ls, cat, df) on the host.",
        "Run a command. Read-only: the command may not change the host.",
        "Runs a command; does not modify the host.",
    ],
)
def test_a_read_only_promise_about_the_tool_is_still_read(description: str) -> None:
    c = classify_tool(tool("remote_exec", description, COMMAND))
    assert any(s.id == "read-only-promise" for s in c.signals)
    assert not any(s.id == "arbitrary-code" for s in c.signals)
    assert c.level == "critical"  # running a command is critical, promise or not (the server keeps it)


def test_a_read_that_says_it_overwrites_writes_over_what_is_there() -> None:
    paths = {"remotePath": {"type": "string"}, "localPath": {"type": "string"}}
    c = classify_tool(
        tool("sftp_download", "Downloads a remote file to a local path, overwriting any existing file there.", paths)
    )
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "overwrites-target"
    copy = classify_tool(tool("fetch_object", "Fetches an object into the cache; overwrites the cached copy.", paths))
    assert copy.category == "destructive"


@pytest.mark.parametrize(
    "description",
    [
        "Downloads a remote file to a local path without overwriting existing files.",
        "Downloads a remote file. To overwrite a remote file, use upload_file instead.",
        "Get a file. Set overwrite to true in write_file to replace it.",
    ],
)
def test_a_read_that_does_not_overwrite_stays_a_read(description: str) -> None:
    assert classify_tool(tool("download_file", description, {"path": {"type": "string"}})).category == "read"


def test_a_tool_that_also_deletes_is_destructive() -> None:
    schedule = {"schedule": {"type": "string"}, "retention": {"type": "integer"}}
    c = classify_tool(
        tool(
            "backup_schedule",
            "Schedules a recurring backup with a cron entry. The generated script also deletes backups older than "
            "the retention period.",
            schedule,
        )
    )
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "also-deletes"
    popped = classify_tool(tool("pop_message", "Returns the next message and also removes it from the queue."))
    assert popped.category == "destructive"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("backup_schedule", "Schedules a recurring backup; old ones are kept: it does not also delete any.", "write"),
        ("list_backups", "Lists backups. Deleted backups are also shown when asked.", "read"),
        ("get_task", "Get a task, also its removed subtasks.", "read"),
    ],
)
def test_deleting_named_otherwise_is_not_also_deleting(name: str, description: str, expected: str) -> None:
    assert classify_tool(tool(name, description, {"id": {"type": "string"}})).category == expected


def test_a_read_that_says_it_starts_or_triggers_something_does_more() -> None:
    verify = classify_tool(
        tool(
            "verify-domain",
            "Verify a sending domain. This starts an asynchronous verification of its DNS records.",
            {"id": {"type": "string"}},
        )
    )
    assert verify.category != "read"
    check = classify_tool(tool("check_site", "Check a site's health. Triggers a crawl of every page."))
    assert check.category != "read"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("tail_log", "Reads the end of a log file. In follow mode it starts a streaming tail of new lines."),
        ("verify_signature", "Verify a signature against a public key."),
        ("get_job", "Get a job. Starts at the first page unless a cursor is given."),
    ],
)
def test_starting_to_observe_or_a_starting_point_stays_a_read(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"path": {"type": "string"}})).category == "read"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("site_test_auth", "Tests the authentication and connectivity of a configured site."),
        ("test_connection", "Test the connection to the database."),
        ("test-credentials", "Tests the stored credentials against the API."),
    ],
)
def test_testing_a_connection_or_a_log_in_checks_it(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"site": {"type": "string"}})).category == "read"


def test_testing_code_or_a_webhook_still_runs_it() -> None:
    suite = {"path": {"type": "string"}}
    assert classify_tool(tool("test_suite", "Tests the project's code by running its suite.", suite)).category != "read"
    assert classify_tool(tool("test_webhook", "Test a webhook by sending a sample event.")).category != "read"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("site_cache_stats", "Get cache statistics for a site.", "read"),
        ("cache_info", "Get detailed cache configuration and status information.", "read"),
        ("cache_page", "Cache a web page for later reads.", "write"),
        ("cache_results", "Caches the results of the last query.", "write"),
        # in a description "cache" stays a verb: fetching and caching keeps a copy
        ("get_source", "Download, safely process, cache, and return the source.", "write"),
    ],
)
def test_cache_in_a_name_is_a_noun_when_the_description_says_what_it_does(
    name: str, description: str, expected: str
) -> None:
    assert classify_tool(tool(name, description, {"site": {"type": "string"}})).category == expected
