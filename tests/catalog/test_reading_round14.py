"""Rules written after round 14 was scored (tests/fixtures/real-servers-round14), general to every server: a
planned run applied carries the plan out (execute, as applying a plan or a stack); work items, calls and
conversations transferred to another list, queue or person are moved, not paid, while a transfer of money or
tokens stays financial; a list that is a field of the one thing updated (``update_group`` with ``users``) is no
update of many (the over-holding round 14 showed). Invented definitions."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("apply_run", "Apply a run that has been planned."),
        ("runs_apply", "Apply the planned changes of a run."),
    ],
)
def test_a_planned_run_applied_executes(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"run_id": {"type": "string"}}))
    assert c.category == "execute"
    assert c.level == "critical"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("transfer_cycle_tasks", "Transfer the open tasks of one cycle to the next."),
        ("transfer_ticket", "Transfer a ticket to another queue."),
        ("transfer", "Transfer the conversation to a human agent."),
    ],
)
def test_work_handed_over_is_moved_not_paid(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"id": {"type": "string"}}))
    assert c.category == "write"
    assert not c.has("financial-object")


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("transfer_funds", "Transfer money between two accounts."),
        ("transfer", "Transfer tokens to an address."),
        ("create_transfer", "Create a transfer to a connected account."),
        ("transfer_ticket_payment", "Transfer the payment for a ticket to the organiser."),
    ],
)
def test_money_transferred_stays_financial(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"amount": {"type": "number"}}))
    assert c.category == "financial"


ARRAY = {"type": "array", "items": {"type": "string"}}


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("update_group", {"group_id": {"type": "string"}, "users": ARRAY}),
        ("stories_update", {"story_id": {"type": "string"}, "owner_ids": ARRAY}),
        ("update_application", {"client_id": {"type": "string"}, "allowed_logout_urls": ARRAY}),
        (
            "update_issue_type",
            {"id": {"type": "string"}, "data": {"type": "object", "properties": {"project_ids": ARRAY}}},
        ),
    ],
)
def test_a_list_that_is_a_field_of_the_one_thing_updated_is_no_bulk_overwrite(
    name: str, properties: dict[str, Any]
) -> None:
    c = classify_tool(tool(name, "Update it.", properties))
    assert c.category == "write"
    assert not c.has("bulk-overwrite")


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("update_records", {"base_id": {"type": "string"}, "records": {"type": "array", "items": {"type": "object"}}}),
        ("update_issues", {"issue_ids": ARRAY, "state": {"type": "string"}}),
        ("update_labels", {"ids": ARRAY, "color": {"type": "string"}}),
        ("bulk_update_tasks", {"project_id": {"type": "string"}, "status": {"type": "string"}}),
    ],
)
def test_an_update_of_many_listed_things_overwrites_them(name: str, properties: dict[str, Any]) -> None:
    c = classify_tool(tool(name, "Update them.", properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "bulk-overwrite"
