"""Rules written from the development halves of rounds 24 to 27 (tests/fixtures/real-servers-round24 to -round27)
and from two faults of a whole class found on the way (the schema walk's order, deleting stems inside other words),
general to every server, each beside a must-not-catch test. Invented definitions."""

from __future__ import annotations

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

# -- from the development halves of rounds 24 and 25 ---------------------------------------------------------------


def test_posting_a_new_one_or_updating_an_existing_one_is_an_upsert() -> None:
    description = "Post a new silence or update an existing one"
    c = classify_tool(tool("post_silence", description, {"silence": {"type": "object"}}))
    assert c.category == "destructive"
    assert c.has("upsert")


def test_a_flag_that_says_the_call_should_delete_destroys() -> None:
    properties = {
        "project": {"type": "string"},
        "changes": {"type": "array", "items": {"type": "object", "properties": {"shouldDelete": {"type": "boolean"}}}},
    }
    assert classify_tool(tool("secrets_update", "Update", properties)).category == "destructive"


def test_a_change_request_is_a_noun() -> None:
    c = classify_tool(tool("change_request_policies_list", "List the change request policies.", {}))
    assert c.category == "read"


def test_a_description_that_is_a_request_line_says_what_the_call_does() -> None:
    properties = {"request_id": {"type": "string"}}
    c = classify_tool(tool("unit_review", "POST /v3/requests/request/{request_id}/review", properties))
    assert c.category == "write"
    assert c.has("request-method")
    c = classify_tool(tool("unit_status", "DELETE /v3/requests/request/{request_id}", properties))
    assert c.category == "destructive"
    assert classify_tool(tool("unit_get", "GET /v3/requests/request/{request_id}", properties)).category == "read"


def test_cells_written_lose_what_they_held() -> None:
    properties = {"sheet": {"type": "string"}, "cells": {"type": "array", "items": {"type": "object"}}}
    description = "Write values and/or formulas into specific cells, then recalculate the workbook."
    assert classify_tool(tool("write_cells", description, properties)).category == "destructive"
    description = "Set the style of a cell: font, fill and border."
    assert classify_tool(tool("set_cell_style", description, properties)).category == "write"


def test_profiling_data_reads_it_and_profiling_code_runs_it() -> None:
    description = "Profile sheet data: metadata, inferred types, null counts, min/max."
    assert classify_tool(tool("profile_sheet", description, {"sheet": {"type": "string"}})).category == "read"
    description = "Profile a function while it runs."
    assert classify_tool(tool("profile_function", description, {"name": {"type": "string"}})).category == "execute"


def test_a_name_verb_the_description_writes_after_an_article_is_a_noun() -> None:
    c = classify_tool(tool("trash_items", "Retrieve items in the trash.", {"limit": {"type": "integer"}}))
    assert c.category == "read"
    description = "Move the given items to the trash."
    assert classify_tool(tool("trash_items", description, {"ids": {"type": "string"}})).category != "read"


def test_a_name_verb_before_the_record_its_title_names_is_a_noun() -> None:
    description = "Status of a data ingestion job (state, processed and failed document counts)."
    assert classify_tool(tool("search_ingest_status", description, {"job_id": {"type": "string"}})).category == ("read")
    description = "Ingest documents into the index."
    assert classify_tool(tool("search_ingest", description, {"docs": {"type": "string"}})).category != "read"


def test_marking_a_state_after_a_servers_prefix_sets_it() -> None:
    """The rule that a name's 'mark' before a state sets it (round 15) read only names that opened with 'mark': a
    server's prefix ("reader_mark_read") made the state's word, 'read', the verb, and a mutating tool a read."""
    properties = {"ids": {"type": "array", "items": {"type": "string"}}}
    for name in ("reader_mark_read", "feeds_mark_as_unread", "mail_mark_seen"):
        assert classify_tool(tool(name, "Mark the given entries.", properties)).category != "read", name


# -- from the development half of round 26 --------------------------------------------------------------------------


def test_ending_a_poll_or_a_session_changes_it() -> None:
    properties = {"poll_id": {"type": "string"}}
    assert classify_tool(tool("channel_end_poll", "End a poll that is active.", properties)).category != "read"
    description = "End/resolve a prediction."
    assert classify_tool(tool("channel_end_prediction", description, properties)).category != "read"


def test_content_replaced_without_history_is_destroyed() -> None:
    description = "Update a message. Original content is replaced; edit history is not preserved."
    properties = {"message_id": {"type": "string"}, "text": {"type": "string"}}
    c = classify_tool(tool("update_message", description, properties))
    assert c.category == "destructive"
    assert c.has("irreversible")


def test_an_edit_that_keeps_history_destroys_nothing() -> None:
    description = "Update a message. Every earlier version is kept in its edit history."
    properties = {"message_id": {"type": "string"}, "text": {"type": "string"}}
    assert classify_tool(tool("update_message", description, properties)).category == "write"


def test_a_name_that_ends_in_a_catalogue_or_diagnostics_reads() -> None:
    for name in ("audience_catalog", "mailer_diagnostics"):
        assert classify_tool(tool(name, "", {})).category == "read", name
    assert classify_tool(tool("update_catalog", "", {"items": {"type": "array"}})).category != "read"


# -- from the development half of round 27 --------------------------------------------------------------------------


def test_environment_variables_saved_whole_replace_the_ones_there() -> None:
    properties = {
        "app_id": {"type": "string"},
        "env": {"type": "string", "description": "Environment variables to save for the application."},
    }
    c = classify_tool(tool("app_save_environment", "Saves environment variables for an application.", properties))
    assert c.category == "destructive"
    properties["env"] = {"type": "string", "description": "Target environment name (staging or production)."}
    assert classify_tool(tool("app_save_settings", "Saves the app's settings.", properties)).category == "write"


def test_a_replace_that_is_not_a_merge_loses_what_is_left_out() -> None:
    description = (
        "Update app configuration.\n\nWARNING: This is a REPLACE operation, not a merge. Any config keys not "
        "included will revert to defaults."
    )
    properties = {"app_name": {"type": "string"}, "values": {"type": "object"}}
    assert classify_tool(tool("update_app_values", description, properties)).category == "destructive"
    description = "Update app configuration. Keys not included keep their values (a merge)."
    assert classify_tool(tool("update_app_values", description, properties)).category == "write"


def test_a_stop_that_forces_after_a_timeout_is_forced() -> None:
    description = "Stop a virtual machine. Attempts graceful shutdown first, forces after timeout."
    c = classify_tool(tool("stop_vm", description, {"vm_id": {"type": "integer"}}))
    assert c.category == "destructive"
    description = "Stop a virtual machine gracefully; gives up after a timeout."
    assert classify_tool(tool("stop_vm", description, {"vm_id": {"type": "integer"}})).category == "write"


def test_a_name_that_asks_whether_reads() -> None:
    assert classify_tool(tool("domain_can_generate_domains", "Check generation.", {})).category == "read"
    assert classify_tool(tool("can_delete_user", "Whether the user may be deleted.", {})).category == "read"


def test_a_suggestion_generated_is_given_back() -> None:
    description = "Generates a suggested domain for a given application name."
    assert classify_tool(tool("generate_domain", description, {"app_name": {"type": "string"}})).category == "read"


# -- the schema walk's order, and stems inside other words ------------------------------------------------------------


def test_a_shallow_argument_after_a_deep_one_is_read() -> None:
    """The walk went depth first, so the first argument's nested fields used up its bound of 500 arguments before a
    request kind named later at the second level ('deleteSheet') was reached."""
    wide = {"type": "object", "properties": {f"option{j}": {"type": "string"} for j in range(600)}}
    request = {"type": "object", "properties": {"addChart": wide, "deleteSheet": {"type": "object"}}}
    properties = {"requests": {"type": "array", "items": request}}
    c = classify_tool(tool("apply_sheet_updates", "Applies updates to a spreadsheet.", properties))
    assert c.category == "destructive"
    assert "deleteSheet" in " ".join(s.evidence for s in c.signals)


def test_a_flag_about_a_dropdown_or_a_droplet_deletes_nothing() -> None:
    properties = {
        "item_id": {"type": "string"},
        "show_ui": {"type": "boolean", "description": "True if the UI should show a dropdown of the values."},
        "use_droplet": {"type": "boolean", "description": "Set true to run the job on a droplet."},
    }
    assert classify_tool(tool("update_item", "Update an item.", properties)).category == "write"
    properties["purge"] = {"type": "boolean", "description": "Set true to drop the old rows."}
    assert classify_tool(tool("update_item", "Update an item.", properties)).category == "destructive"


def test_a_mode_of_how_results_are_picked_is_no_operation() -> None:
    properties = {
        "topic_id": {"type": "integer"},
        "selection_mode": {"type": "string", "enum": ["latest", "earliest", "post_ids", "around_post"]},
        "post_ids": {"type": "array", "items": {"type": "integer"}},
    }
    assert classify_tool(tool("read_topic_posts", "Read the posts of a topic.", properties)).category == "read"


def test_a_mode_of_what_is_written_still_is() -> None:
    properties = {"path": {"type": "string"}, "write_mode": {"type": "string", "enum": ["append", "overwrite"]}}
    assert classify_tool(tool("save_rows", "Save rows to a file.", properties)).category == "destructive"


# -- from the development halves of rounds 28 and 29 ------------------------------------------------------------------


def test_tracking_an_event_records_it_and_tracking_a_package_reads() -> None:
    properties = {"event_name": {"type": "string"}, "contact_email": {"type": "string"}}
    description = "Track a custom event for a contact; triggers automations."
    assert classify_tool(tool("track_event", description, properties)).category != "read"
    description = "Track a package by its tracking number."
    assert classify_tool(tool("track_package", description, {"number": {"type": "string"}})).category == "read"


def test_a_flag_the_description_says_deletes_when_set_destroys() -> None:
    properties = {"form_id": {"type": "string"}, "clear_existing": {"type": "boolean", "default": False}}
    description = "Bulk add questions. If clear_existing=True, deletes all existing items first."
    assert classify_tool(tool("add_questions", description, properties)).category == "destructive"
    description = "Bulk add questions. If clear_existing=True, the new ones go first."
    assert classify_tool(tool("add_questions", description, properties)).category == "write"


def test_code_scanned_for_dead_code_is_read_not_run() -> None:
    properties = {"code": {"type": "string", "description": "Python code to analyze"}}
    assert classify_tool(tool("dead_code_scan", "Detect unused code.", properties)).category == "read"
    description = "Run the given Python code."
    assert classify_tool(tool("code_run", description, properties)).category == "execute"


def test_a_name_that_ends_in_health_reads() -> None:
    assert classify_tool(tool("job_health", "The audit: which jobs are failing or stale.", {})).category == "read"


# -- from round 30's confirmation half, after it was scored (said so in its README) --------------------------------


def test_printing_a_label_or_a_receipt_puts_it_on_paper() -> None:
    assert classify_tool(tool("print_product_label", "Trigger printing of a product label.", {})).category != "read"
    description = "Trigger thermal printing of the shopping list."
    assert classify_tool(tool("print_shopping_list_thermal", description, {})).category != "read"


def test_printing_a_version_or_a_notes_content_gives_it_back() -> None:
    assert classify_tool(tool("print_version", "Print the SDK version information.", {})).category == "read"
    assert classify_tool(tool("cat", "Print a note's content.", {"id": {"type": "string"}})).category == "read"


def test_a_flag_the_description_says_shows_a_dropdown_deletes_nothing() -> None:
    """The description-side flag rule had its own copy of the deleting stems, with 'drop' inside 'dropdown' (the
    fault fixed for the flag's own description): one list serves both now."""
    properties = {"form_id": {"type": "string"}, "as_list": {"type": "boolean"}}
    description = "Add a question. If as_list=True, shows a dropdown of the choices."
    assert classify_tool(tool("add_question", description, properties)).category == "write"


# -- faults of existing rules' whole classes, seen in misses left on rounds 24, 29 and 30 (confirmation halves,
# scored before): a negation read across a sentence's end, "an existing" and "the entire … is replaced" missing from
# the replacing wording, and a deleting verb chained after "and" only when an article followed it --------------------


def test_a_negation_in_the_sentence_before_does_not_take_back_a_replace() -> None:
    description = (
        "Upload a file to the remote server (secure transfer, not shell-based). Replaces an existing file at that path."
    )
    c = classify_tool(tool("file_upload", description, {"path": {"type": "string"}, "content": {"type": "string"}}))
    assert c.category == "destructive"
    description = "Upload a file to the remote server. Never replaces an existing file: it fails instead."
    c = classify_tool(tool("file_upload", description, {"path": {"type": "string"}, "content": {"type": "string"}}))
    assert c.category == "write"


def test_the_entire_set_replaced_or_destructive_when_set_destroys() -> None:
    properties = {"id": {"type": "integer"}, "variables": {"type": "object"}}
    description = "Update a schedule. When `variables` is given, the entire variable set is replaced."
    assert classify_tool(tool("schedule_update", description, properties)).category == "destructive"
    description = "Update a schedule. Destructive when `variables` is given."
    assert classify_tool(tool("schedule_update", description, properties)).category == "destructive"
    description = "Update a schedule. Only the fields given change; the entire history is kept."
    assert classify_tool(tool("schedule_update", description, properties)).category == "write"


def test_a_deleting_verb_after_and_is_read_whatever_follows_it() -> None:
    description = "Disconnect your account and remove stored credentials."
    assert classify_tool(tool("account_disconnect", description, {})).category == "destructive"
    description = "Get recent transactions for a pool. Shows swaps, adds, removes."
    assert classify_tool(tool("pool_transactions", description, {"pool": {"type": "string"}})).category == "read"
    description = "Disconnect your account and reconnect it later."
    assert classify_tool(tool("account_disconnect", description, {})).category == "write"


def test_history_kept_is_no_loss() -> None:
    """The wording "history is not preserved" took "not" as optional: "the history is kept" was a loss."""
    properties = {"id": {"type": "string"}, "content": {"type": "string"}}
    description = "Update the page content. The edit history is kept."
    assert classify_tool(tool("page_update", description, properties)).category == "write"
    description = "Update the page content. The edit history is not preserved."
    assert classify_tool(tool("page_update", description, properties)).category == "destructive"


def test_a_referral_in_the_sentence_before_does_not_send_writes_elsewhere() -> None:
    """ "Call it first. Read and write operations …": the "call" ends its sentence; it refers nothing to another tool
    (the same fault as the negation read across a sentence's end)."""
    properties = {"q": {"type": "string"}}
    description = "Query the key-value store. Call it first. Read and write operations are both supported."
    assert classify_tool(tool("store_query", description, properties)).category != "read"
    description = "Query the key-value store. Use store_put for write operations."
    assert classify_tool(tool("store_query", description, properties)).category == "read"


def test_popping_an_element_takes_it_away() -> None:
    properties = {"key": {"type": "string"}, "index": {"type": "integer"}}
    assert classify_tool(tool("json_arrpop", "Pop an element from a JSON array.", properties)).category == "destructive"
    assert classify_tool(tool("get_popular_items", "Get the most popular items.", {})).category == "read"


def test_find_slash_replace_operations_replace_text_in_place() -> None:
    description = "Edit the contract's content by applying an ordered list of find/replace operations."
    properties = {"contract_id": {"type": "string"}, "edits": {"type": "array", "items": {"type": "object"}}}
    assert classify_tool(tool("update_contract_content", description, properties)).category == "destructive"


def test_a_signal_that_ends_a_process_destroys_what_it_held() -> None:
    properties = {"pid": {"type": "integer"}, "signal": {"type": "string"}}
    description = "Send a signal (INT, TERM, KILL) to a remote process by PID."
    assert classify_tool(tool("process_signal", description, properties)).category == "destructive"
    description = "Send a signal (HUP, USR1) to a remote process by PID to reload its configuration."
    assert classify_tool(tool("process_signal", description, properties)).category != "destructive"
    description = "Send a message to the team. TERM: the term of the contract, in months."
    assert classify_tool(tool("message_send", description, properties)).category != "destructive"
