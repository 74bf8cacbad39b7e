"""Rules written after round 20 was scored (tests/fixtures/real-servers-round20), general to every server: a
description that calls the call a financial write moves money; what a sentence about another tool says ("To
permanently store facts, use `memory_retain` instead.", "Do not use for read-only monitoring (use `get_health`).")
is that tool's, not this one's. Invented definitions."""

from __future__ import annotations

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


def test_a_financial_write_said_moves_money() -> None:
    description = "Create a billing item on a project. FINANCIAL WRITE. You MUST set confirm=True to proceed."
    properties = {"project_id": {"type": "string"}, "amount": {"type": "number"}}
    assert classify_tool(tool("create_billing_item", description, properties)).category == "financial"


def test_financial_data_read_is_no_write() -> None:
    c = classify_tool(tool("list_transactions", "List financial transactions of an account.", {}))
    assert c.category == "read"


def test_permanently_said_of_another_tool_is_not_this_ones() -> None:
    description = "Compress large text. To permanently store structured facts, use `memory_retain` instead."
    c = classify_tool(tool("compress_notes", description, {"notes": {"type": "string"}}))
    assert not c.has("irreversible")


def test_permanently_said_of_this_tool_still_counts() -> None:
    description = "Permanently deletes the note (use `archive_note` instead to keep a copy)."
    c = classify_tool(tool("remove_note", description, {"note_id": {"type": "string"}}))
    assert c.category == "destructive"
    assert c.has("irreversible")


def test_a_read_only_promise_about_another_tool_promises_nothing() -> None:
    description = "Restart degraded services. Do not use for general read-only monitoring (use `get_health`)."
    c = classify_tool(tool("heal_services", description, {}))
    assert c.category != "read"
    assert not c.has("read-only-promise")
