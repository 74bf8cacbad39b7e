"""Rules written after round 17 was scored (tests/fixtures/real-servers-round17), general to every server: a flag
named for a fix or a repair makes a read act; "auto-claims" (an act done along the way) is no read; a status one of
whose values removes the thing ("ENABLED, PAUSED, or REMOVED") destroys; a write's later sentence that triggers what
is set to run executes; a send given an amount, and a budget set, move money. Invented definitions."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


def test_a_read_with_a_fix_flag_can_act() -> None:
    flag = {"type": "boolean", "description": "If true, apply the repairs."}
    c = classify_tool(tool("diagnose_config", "Diagnose the config file.", {"fix": flag}))
    assert c.category == "write"
    assert c.has("acting-option")


def test_a_read_that_auto_claims_acts() -> None:
    description = "Check the status of a swap. For receives it auto-claims the coins when settled."
    c = classify_tool(tool("swap_status", description, {"swap_id": {"type": "string"}}))
    assert c.category == "write"
    assert c.decided_by is not None and c.decided_by.id == "side-effect"


@pytest.mark.parametrize("description", ["Uses auto-generated IDs.", "It auto-detects the file's format."])
def test_auto_words_that_only_describe_do_not(description: str) -> None:
    assert classify_tool(tool("get_item", f"Get an item. {description}", {"id": {"type": "string"}})).category == "read"


@pytest.mark.parametrize(
    "status",
    [
        {"type": "string", "description": "New campaign status: ENABLED, PAUSED, or REMOVED"},
        {"type": "string", "enum": ["active", "paused", "deleted"]},
    ],
)
def test_a_status_that_can_be_removed_destroys(status: dict[str, Any]) -> None:
    properties = {"campaign_id": {"type": "string"}, "status": status}
    c = classify_tool(tool("update_campaign_status", "Update the status of a campaign.", properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "destructive-option"


@pytest.mark.parametrize(
    "properties",
    [
        {"id": {"type": "string"}, "status": {"type": "string", "enum": ["active", "paused", "archived"]}},
        {"user": {"type": "object", "properties": {"status": {"type": "string", "description": "active or deleted"}}}},
    ],
)
def test_a_status_that_keeps_the_thing_or_belongs_to_a_record_given_does_not(properties: dict[str, Any]) -> None:
    assert classify_tool(tool("update_item", "Update an item.", properties)).category == "write"


def test_a_write_whose_later_sentence_triggers_what_is_set_to_run_executes() -> None:
    description = "Push a button in a table row. Triggers the button's configured action (e.g. run an automation)."
    c = classify_tool(tool("push_button", description, {"row_id": {"type": "string"}}))
    assert c.category == "execute"


def test_a_send_given_an_amount_moves_money() -> None:
    properties = {"address": {"type": "string"}, "amount": {"type": "integer", "description": "Amount in sats"}}
    c = classify_tool(tool("wallet_send", "Send coins to an address.", properties))
    assert c.category == "financial"


def test_a_send_whose_only_amounts_are_nested_values_does_not() -> None:
    tags = {"type": "array", "items": {"type": "object", "properties": {"value": {"type": "string"}}}}
    properties = {"to": {"type": "string"}, "subject": {"type": "string"}, "tags": tags}
    assert classify_tool(tool("send_email", "Send an email.", properties)).category == "write"


def test_a_budget_set_moves_money() -> None:
    properties = {"name": {"type": "string"}, "daily_budget": {"type": "integer"}}
    c = classify_tool(tool("create_campaign", "Create an ad campaign.", properties))
    assert c.category == "financial"
