"""Plain writes the rounds showed held as destructive, read as what they are, with what must stay destructive
beside each: a run, a job, an invite or a scheduled send cancelled can be made again (an order or a transaction
cancelled moves money; a subscription or a booking cancelled is gone); a member, a tag or a label removed *from*
something is a link undone (a member removed from a set is data gone, and a label removed outright is deleted);
a write whose later sentence says it deletes something destroys. Invented definitions."""

from __future__ import annotations

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

ID = {"id": {"type": "string"}}


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("cancel_run", "Cancel a job run that is in progress."),
        ("cancel_build", "Cancel a queued build."),
        ("cancel_invite", "Cancel a pending invite."),
        ("cancel_scheduled_post", "Cancel a scheduled post before it is published."),
        ("pipeline_cancel", "Stop the pipeline."),
    ],
)
def test_cancelling_work_that_can_be_made_again_is_a_write(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, ID)).category == "write"


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("cancel_order", "financial"),
        ("cancel_all_orders", "financial"),
        ("cancel_transaction", "financial"),
        ("cancel_subscription", "destructive"),
        ("cancel_booking", "destructive"),
    ],
)
def test_cancelling_an_order_or_a_subscription_is_not(name: str, category: str) -> None:
    assert classify_tool(tool(name, "Cancel it.", ID)).category == category


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("remove_user_from_group", "Remove a user from a group."),
        ("remove_tag_from_task", "Remove a tag from a task."),
        ("remove_member_from_card", "Remove a member from a card."),
        ("jira_remove_watcher", "Remove a watcher from an issue."),
    ],
)
def test_a_link_undone_is_a_write(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, ID)).category == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("zrem", "Remove a member from a sorted set."),
        ("remove_shared_label", "Remove a shared label from the workspace."),
        ("remove_user", "Remove a user from the organization and delete their data."),
        ("remove_container", "Remove a Docker container."),
    ],
)
def test_what_is_removed_for_good_stays_destructive(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, ID)).category == "destructive"


def test_a_write_that_says_later_it_deletes_destroys() -> None:
    description = "Cancel a scheduled email. Removes it from the queue and deletes the associated draft."
    c = classify_tool(tool("cancel_scheduled", description, ID))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "side-effect"


def test_a_write_that_says_later_it_replaces_what_it_updates_stays_a_write() -> None:
    description = "Update a page section. Replaces only the content beneath the heading."
    assert classify_tool(tool("update_page_section", description, ID)).category == "write"


def test_an_upsert_said_of_another_tool_is_not_this_ones() -> None:
    description = (
        "Update a single row in a table. Only the specified columns are changed. "
        "For bulk updates, use insert_rows with key_columns (upsert) instead."
    )
    c = classify_tool(tool("update_row", description, ID))
    assert c.category == "write"
    assert not c.has("upsert")


def test_an_upsert_said_of_this_tool_destroys() -> None:
    c = classify_tool(tool("create_item", "Create an item, or update it if the id exists (upsert behavior).", ID))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "upsert"
