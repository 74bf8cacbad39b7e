"""Rules written after round 19 was scored (tests/fixtures/real-servers-round19), general to every server: a
description that opens "Append or update" (or add, insert) is an upsert, as "Create or update" is; a reimbursement
created moves money; a position exited is sold. Invented definitions."""

from __future__ import annotations

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

ROWS = {"table_id": {"type": "string"}, "rows": {"type": "array", "items": {"type": "object"}}}


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("append_table_rows", "Append or update rows in a table by providing cell data."),
        ("insert_records", "Insert or update records, matched on their key."),
        ("add_contacts", "Add or update contacts in the list."),
    ],
)
def test_an_add_or_update_is_an_upsert(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, ROWS))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "upsert"


def test_an_append_alone_is_a_write() -> None:
    assert classify_tool(tool("append_table_rows", "Append rows to a table.", ROWS)).category == "write"


def test_a_reimbursement_created_moves_money() -> None:
    properties = {"employee_id": {"type": "string"}, "distance": {"type": "number"}}
    assert classify_tool(tool("create_mileage_reimbursement", "Create a reimbursement.", properties)).category == (
        "financial"
    )


def test_a_position_exited_is_sold() -> None:
    properties = {"symbol": {"type": "string"}}
    assert classify_tool(tool("exit_position", "Exit a position at the market price.", properties)).category == (
        "financial"
    )
