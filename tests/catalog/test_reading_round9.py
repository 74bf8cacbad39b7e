"""The rules written from the development half of the held-out round 9 (issue 11): merging cells or records keeps
one of them and consumes the rest, formatting or sorting a sheet's cells changes them where they are, putting values
into cells writes over what they held, a description that calls its tool destructive is taken at its word, a tool
whose requests may use DELETE can delete, and a verb's object ends at "for" ("formats the calendar for a date
range"). Invented definitions shaped like real ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


def ids(c: Any) -> set[str]:
    return {s.id for s in c.signals}


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("merge_cells", "Merge the cells of a range into one."),
        ("merge-sheet-range", "Merge a worksheet range."),
        ("merge_contacts", "Merge duplicate contacts into a primary contact."),
        ("merge_tickets", "Merge several tickets into one ticket."),
        ("mergeRecords", "Combine two records."),
    ],
)
def test_merging_cells_or_records_consumes_all_but_one(name: str, description: str) -> None:
    c = classify_tool(tool(name, description))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "destructive-verb"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("merge_pull_request", "Merge a pull request into its base branch."),
        ("merge_branch", "Merge a development branch into the main branch."),
        ("merge_translations", "Merge the translation files of a project."),
    ],
)
def test_merging_a_branch_or_a_pull_request_is_no_destruction(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("format_cells", "Apply bold, colours and number formats to cells."),
        ("format-sheet-range-font", "Format a worksheet range's font."),
        ("sort_range", "Sort a range by one of its columns."),
        ("sortRows", "Sort the rows of a sheet."),
    ],
)
def test_formatting_or_sorting_a_sheets_cells_changes_them(name: str, description: str) -> None:
    c = classify_tool(tool(name, description))
    assert c.category == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("format_date", "Format a date in the given locale."),
        ("format_units", "Format a token amount with its decimals."),
        ("sort_results", "Sort search results by relevance."),
        ("get_calendar", "Retrieves and formats the market calendar for a specified date range."),
        ("get_schedule", "Fetches and sorts the schedule for a given range of days."),
    ],
)
def test_formatting_or_sorting_what_is_returned_reads(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "read"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("close_account_position", "Close the position for the given account."),
        ("send_funds", "Send tokens for the invoice to an address."),
    ],
)
def test_an_object_before_for_still_settles_its_verb(name: str, description: str) -> None:
    """Ending the object at "for" lowers nothing that stands before it."""
    assert classify_tool(tool(name, description)).category == "financial"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("update_range", "Update a range. Set cell values, formulas or number formats on any range."),
        ("set_values", "Sets the values of the cells in a block of a worksheet."),
        ("write_block", "Write data into the cells of a sheet, row by row."),
    ],
)
def test_putting_values_into_cells_writes_over_what_they_held(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"address": {"type": "string"}, "values": {"type": "array"}}))
    assert c.category == "destructive"
    assert "overwrites-cells" in ids(c)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("update_cell_style", "Applies cell-level formatting: background colour, alignment and borders."),
        ("update_range_note", "Attach a note to a range; it does not change cell values."),
        ("add_rows", "Append rows below a table; cell values above are kept."),
    ],
)
def test_formatting_cells_or_leaving_their_values_is_no_overwrite(name: str, description: str) -> None:
    c = classify_tool(tool(name, description))
    assert c.category == "write"
    assert "overwrites-cells" not in ids(c)


@pytest.mark.parametrize(
    "description",
    [
        "Fold the source items into a target item. Destructive: the source items are consumed.",
        "Fold a board into another one. This is destructive.",
        "Combine two boards into one (a destructive operation).",
    ],
)
def test_a_description_that_calls_its_tool_destructive_is_taken_at_its_word(description: str) -> None:
    c = classify_tool(tool("combine_boards", description, {"source": {"type": "string"}}))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "irreversible-wording"


@pytest.mark.parametrize(
    "description",
    [
        "Copy a board into a workspace. Non-destructive: the source board is kept.",
        "Copy a board into a workspace (non destructive).",
        "Copy a board into a workspace. This is not destructive.",
    ],
)
def test_a_non_destructive_tool_stays_a_write(description: str) -> None:
    c = classify_tool(tool("copy_board", description, {"source": {"type": "string"}}))
    assert c.category == "write"


def test_a_batch_whose_requests_may_delete_is_destructive() -> None:
    description = (
        "Combine up to 20 API requests into one call. Body: { requests: [{ id: '1', method: 'GET'|'POST'|'PATCH'"
        "|'DELETE', url: '/me/items' }] }."
    )
    c = classify_tool(tool("api-batch", description, {"body": {"type": "object"}}))
    assert c.category == "destructive"
    assert "deleting-requests" in ids(c)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("write_query", "Execute an INSERT, UPDATE, or DELETE statement on the database."),
        ("api_batch_get", "Send several GET requests in one call and return their bodies."),
        ("search_api_docs", "Search the API reference: every endpoint with its GET, POST and DELETE requests."),
    ],
)
def test_a_delete_statement_or_a_method_list_without_delete_or_on_a_read_is_not_a_request_router(
    name: str, description: str
) -> None:
    assert "deleting-requests" not in ids(classify_tool(tool(name, description)))
