"""Rules written after round 14 was scored (tests/fixtures/real-servers-round14), general to every server: a
planned run applied carries the plan out (execute, as applying a plan or a stack); work items, calls and
conversations transferred to another list, queue or person are moved, not paid, while a transfer of money or
tokens stays financial. Invented definitions."""

from __future__ import annotations

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
