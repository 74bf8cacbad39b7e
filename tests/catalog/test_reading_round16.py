"""A rule written after round 16 was scored (tests/fixtures/real-servers-round16), general to every server: a
description that runs an API operation it names ("Execute the AWS SNS `list_topics` operation", "Performs the
ListBuckets API call") does what that operation's own verb does; one whose name holds no verb the lexicon knows
runs (fail closed). Invented definitions."""

from __future__ import annotations

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


@pytest.mark.parametrize(
    ("name", "description", "category"),
    [
        ("list_queues", "Execute the AWS Amazon SQS `list_queues` operation.", "read"),
        ("queue_attributes", "Execute the AWS SQS `get_queue_attributes` operation.", "read"),
        ("s3_buckets", "Performs the ListBuckets API call.", "read"),
        ("send_message", "Execute the AWS SQS `send_message` operation.", "write"),
        ("queue", "Execute the AWS SQS `purge_queue` operation.", "destructive"),
        ("get_queue", "Execute the AWS SQS `DeleteQueue` operation.", "destructive"),
    ],
)
def test_a_named_api_operation_run_does_what_its_verb_does(name: str, description: str, category: str) -> None:
    assert classify_tool(tool(name, description, {"queue_url": {"type": "string"}})).category == category


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("phone_numbers", "Execute the AWS SNS `opt_in_phone_number` operation."),  # "opt" is no verb it knows
        ("topics", "Execute the topics operation."),  # no operation named
        ("run_workflow", "Run the `nightly_report` workflow."),  # a workflow, not an API operation
    ],
)
def test_a_run_of_no_placeable_operation_still_runs(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "execute"
