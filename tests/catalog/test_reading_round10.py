"""The rules written from the development half of the held-out round 10 (issue 11): a run created or posted is a
run started; a name's word the description's read takes as a noun is a noun; an address or a file name in a
description is no sentence; scrolling, geocoding and a prompt sent to a model read; a ``cmd`` limited to listed
commands chooses among them; processing again on the server writes; an option that deletes and is on by default
makes a tool destructive; a snapshot of a table or a model is a stored copy. Invented definitions shaped like real
ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("create_pipeline_run", "Create a new pipeline run for the given pipeline."),
        ("post_job_run", "Trigger a job by ID."),
        ("create_workflow_run_from_template", "Create a new workflow run from a saved template."),
        ("runs_create", "Creates runs of a schedule."),
        ("enqueue_flow", "Creates a run of the flow with the given parameters."),
    ],
)
def test_a_run_created_or_posted_is_a_run_started(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"id": {"type": "string"}, "parameters": {"type": "object"}}))
    assert c.category == "execute"
    assert c.level == "critical"


@pytest.mark.parametrize(
    ("name", "description", "category"),
    [
        ("create_pipeline", "Create a new pipeline definition.", "write"),
        ("post_comment", "Post a comment on a run's page.", "write"),
        ("get_pipeline_run", "Get a pipeline run by its ID.", "read"),
        ("update_run_note", "Update the note of a run.", "write"),
    ],
)
def test_other_creations_and_a_run_read_are_not_runs_started(name: str, description: str, category: str) -> None:
    assert classify_tool(tool(name, description)).category == category


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("web_data_market_seller", "Quickly read structured market seller data. Requires a valid seller URL."),
        ("shop_data_store_profile", "Read structured store profile data from its page."),
        ("records_feed_play_store", "Fetch structured play store listing data."),
        ("social_account_profile_posts", "Get the most recent posts from a profile."),
    ],
)
def test_a_name_word_the_description_reads_as_a_noun_is_a_noun(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"url": {"type": "string"}}))
    assert c.category == "read"


@pytest.mark.parametrize(
    ("name", "description", "category"),
    [
        # the name's verb opens it: a verb, whatever the description's object holds
        ("profile_function", "Read the profile of a function.", "execute"),
        # what follows "to" is a purpose, not the object
        ("report_delete", "Get the report to delete.", "destructive"),
        # a description that also does more than read
        ("records_purge", "List records and purge them.", "destructive"),
        ("queue_message_send", "Send the queued message to its channel.", "write"),
    ],
)
def test_a_name_verb_the_description_does_not_read_as_a_noun_stays(name: str, description: str, category: str) -> None:
    assert classify_tool(tool(name, description)).category == category


@pytest.mark.parametrize(
    "description",
    [
        "Read structured feed entries.\nRequires an entry URL, for example:\n"
        "example.com/entries/... or example.com/posts/...",
        "Fetch a page's text. Pages such as news.example.org/posts/today are supported.",
        "Get the settings kept in the file app.posts.yaml for the user.",
    ],
)
def test_an_address_or_a_file_name_in_a_description_is_no_sentence(description: str) -> None:
    c = classify_tool(tool("feed_entry_fetch", description, {"url": {"type": "string"}}))
    assert c.category == "read"
    assert not any(s.id == "side-effect" for s in c.signals)


def test_a_sentence_still_ends_after_an_address() -> None:
    c = classify_tool(tool("page_fetch", "Fetch the page at example.com/news. Deletes the cached copy afterwards.", {}))
    assert c.category == "destructive"
    assert any(s.id == "side-effect" for s in c.signals)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("page_scroll", "Scroll to the bottom of the current page."),
        ("viewer_scroll_to_element", "Scroll the element with the given ref into view."),
        ("ForwardGeocodeLookup", "Forward geocode place names into coordinates."),
        ("geocode_address", "Geocodes an address to latitude and longitude."),
    ],
)
def test_scrolling_a_page_and_geocoding_read(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "read"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("scroll_and_click", "Scroll to an element and click it."),
        ("forward_message", "Forward a message to another chat."),
        ("page_scroll_fill", "Scroll to the form and fill its fields."),
    ],
)
def test_what_is_done_after_scrolling_and_forwarding_still_writes(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "write"


@pytest.mark.parametrize(
    "description",
    [
        "Send a prompt to a hosted model and get back its answer with citations.",
        "Sends a prompt to the search assistant API and returns the generated text.",
    ],
)
def test_a_prompt_sent_to_a_model_asks_it(description: str) -> None:
    c = classify_tool(tool("model_answer_insights", description, {"prompt": {"type": "string"}}))
    assert c.category == "read"


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("Send a prompt to the coding agent running in the given pane.", "write"),
        ("Send a prompt to an open terminal session.", "execute"),  # input to a terminal runs there
        ("Send a message to a channel.", "write"),
        ("Send tokens to an address.", "financial"),
    ],
)
def test_a_prompt_sent_to_an_agent_or_a_message_sent_is_no_question(description: str, category: str) -> None:
    assert classify_tool(tool("relay_text", description, {"text": {"type": "string"}})).category == category


def _commands(cmd: dict[str, Any]) -> dict[str, Any]:
    return {"operations": {"type": "array", "items": {"type": "object", "properties": {"cmd": cmd}}}}


def test_a_cmd_argument_that_can_only_be_listed_commands_chooses_among_them() -> None:
    c = classify_tool(
        tool(
            "hub_files",
            "Browse the model hub as a filesystem, one or more operations per call.",
            _commands({"type": "string", "enum": ["list", "get", "search", "find"]}),
        )
    )
    assert c.category == "read"
    assert not any(s.id == "arbitrary-code" for s in c.signals)


def test_a_cmd_argument_of_free_text_still_runs_anything() -> None:
    c = classify_tool(
        tool("box_exec", "Run shell commands in the sandbox.", {"cmd": {"type": "string", "description": "A command"}})
    )
    assert c.category == "execute"
    assert any(s.id == "arbitrary-code" for s in c.signals)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("reparse_job_file", "Request re-parsing of a job definition file."),
        ("rescan_library", "Rescan the media library for new files."),
        ("reprocess_upload", "Reprocess an uploaded document."),
    ],
)
def test_processing_again_on_the_server_writes(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"id": {"type": "string"}})).category == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("parse_job_file", "Parse a job definition file and return its tasks."),
        ("scan_library", "Scan the media library and list its files."),
        ("refetch_page", "Fetch the page again, bypassing any cache."),
    ],
)
def test_processing_once_or_fetching_again_reads(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"id": {"type": "string"}})).category == "read"


@pytest.mark.parametrize(
    "option",
    [
        {"type": "boolean", "description": "Truncate and reload the target tables (default behavior)"},
        {"type": "boolean", "default": True, "description": "Drop the old table before loading"},
        {"type": "boolean", "description": "Remove rows missing from the file; on by default"},
    ],
)
def test_an_option_that_deletes_and_is_on_by_default_makes_the_tool_destructive(option: dict[str, Any]) -> None:
    c = classify_tool(
        tool("load_fixtures", "Load fixture data from CSV files into database tables.", {"full_reload": option})
    )
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "destructive-option"


@pytest.mark.parametrize(
    "option",
    [
        {"type": "boolean", "description": "Truncate the target tables first (default: false)"},
        {"type": "boolean", "default": False, "description": "Drop the old table before loading"},
        {"type": "boolean", "default": True, "description": "Skip rows that fail validation"},
    ],
)
def test_an_option_off_by_default_or_that_deletes_nothing_does_not(option: dict[str, Any]) -> None:
    c = classify_tool(
        tool("load_fixtures", "Load fixture data from CSV files into database tables.", {"full_reload": option})
    )
    assert c.category == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("snapshot_tables", "Snapshot the selected tables, keeping their history."),
        ("snapshot_model", "Snapshot a trained model for later rollback."),
    ],
)
def test_a_snapshot_of_a_table_or_a_model_is_a_stored_copy(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("snapshot_page", "Capture an accessibility snapshot of the current page."),
        ("take_snapshot", "Take a text snapshot of the current view."),
    ],
)
def test_a_snapshot_of_a_page_or_a_view_is_a_record_of_what_is_seen(name: str, description: str) -> None:
    assert classify_tool(tool(name, description)).category == "read"
