"""Rules that stop holding reads as writes, written from the misses of every round scored so far (all of them
reads held, failing closed), general to every server, each beside a must-not-catch test that keeps the held ones
held. Invented definitions."""

from __future__ import annotations

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool


def test_a_search_query_in_the_tools_own_syntax_is_words_to_look_for() -> None:
    description = "Search across automations and scripts, including their triggers and actions."
    properties = {"query": {"type": "string", "description": "Search query (may be partial, with typos)"}}
    c = classify_tool(tool("deep_search", description, properties))
    assert c.category == "read"
    assert not c.has("code-argument")


def test_a_question_to_search_for_is_words_to_look_for() -> None:
    description = "Ask about the product and get an answer; covers GraphQL queries and mutations of its API."
    properties = {"query": {"type": "string", "description": "The question or topic to search for."}}
    assert classify_tool(tool("ask_docs", description, properties)).category == "read"


def test_a_search_query_that_names_its_language_is_still_code() -> None:
    description = "Run a search as a tracked job."
    properties = {"query": {"type": "string", "description": "The search query (SQL) to execute."}}
    c = classify_tool(tool("run_search", description, properties))
    assert c.category == "execute"
    assert c.has("code-argument")


def test_a_query_not_said_to_be_searched_for_is_still_code() -> None:
    description = "Execute a query against the warehouse and return the rows."
    properties = {"query": {"type": "string", "description": "The SQL statement to run."}}
    assert classify_tool(tool("execute_query", description, properties)).category == "execute"


def test_a_titled_description_says_what_it_does_in_its_next_paragraph() -> None:
    description = "Recent trips — distance, duration, start and end places.\n\nShows the last N days of travel."
    c = classify_tool(tool("vehicle_trips", description, {"days": {"type": "integer"}}))
    assert c.category == "read"
    assert "next one's verb 'shows'" in c.signals[0].evidence


def test_what_a_later_paragraph_says_is_given_back_places_nothing() -> None:
    description = "Horn.\n\nReturns ok when done."
    assert classify_tool(tool("vehicle_horn", description, {})).category == "other"


def test_an_order_to_the_agent_in_a_later_paragraph_places_nothing() -> None:
    description = "Gas savings scorecard.\n\nUse this when the user asks about costs."
    assert classify_tool(tool("vehicle_savings", description, {})).category == "other"


def test_a_first_paragraph_that_is_an_order_is_no_title() -> None:
    description = "Bring the chosen window to the front by its title.\n\nDiscovers open windows first."
    assert classify_tool(tool("window_front", description, {"title": {"type": "string"}})).category != "read"
    description = "Automatically reset failed units and restart them.\n\nInspects what services are degraded."
    assert classify_tool(tool("unit_heal", description, {})).category != "read"


def test_a_later_paragraph_that_acts_places_the_tool_by_its_act() -> None:
    description = "Stale branches.\n\nDeletes every branch merged more than 90 days ago."
    assert classify_tool(tool("repo_branches_stale", description, {})).category == "destructive"


def test_a_list_of_nouns_after_a_colon_is_what_is_held() -> None:
    c = classify_tool(tool("mail_info", "Get the mail account info: email, capabilities, limits.", {}))
    assert c.category == "read"


def test_a_list_of_acts_after_a_colon_still_acts() -> None:
    description = "Bulk action on messages: delete, move, flag."
    properties = {"ids": {"type": "array", "items": {"type": "string"}}}
    assert classify_tool(tool("messages_bulk", description, properties)).category == "destructive"


# -- money and destruction the name's verb leaves unsaid (from the safety misses of every round) -----------------


def test_a_verb_without_an_object_in_the_name_finds_it_anywhere_in_the_first_sentence() -> None:
    description = "Emergency exit all positions at market prices"
    c = classify_tool(tool("panic_exit", description, {"account_id": {"type": "string"}}))
    assert c.category == "financial"


def test_the_same_verb_with_another_object_in_the_sentence_is_not_money() -> None:
    description = "Gracefully exit the interactive session of the shell."
    assert classify_tool(tool("session_exit", description, {"session_id": {"type": "string"}})).category != (
        "financial"
    )


def test_an_order_in_the_descriptions_object_with_a_price_moves_money() -> None:
    description = "Set stop-loss order for a position"
    properties = {"symbol": {"type": "string"}, "stop_price": {"type": "number"}}
    c = classify_tool(tool("set_protection", description, properties))
    assert c.category == "financial"
    assert "'order'" in " ".join(s.evidence for s in c.signals)


def test_an_order_without_an_amount_or_after_a_preposition_is_not_money() -> None:
    properties = {"list_id": {"type": "string"}, "position": {"type": "integer"}}
    assert classify_tool(tool("set_rank", "Set the sort order of a list.", properties)).category != "financial"
    description = "Set the label of a card in the order of display."
    properties = {"card_id": {"type": "string"}, "size": {"type": "integer"}}
    assert classify_tool(tool("set_badge", description, properties)).category != "financial"


def test_receiving_into_a_wallet_or_from_a_queue_changes_something() -> None:
    description = "Receive coins into the local wallet via a variable-rate shift. Returns a deposit address."
    assert classify_tool(tool("shift_receive", description, {"network": {"type": "string"}})).category != "read"
    description = "Receive up to ten messages from the queue; they are hidden from other consumers until deleted."
    assert classify_tool(tool("receive_messages", description, {"queue_url": {"type": "string"}})).category != "read"


def test_mail_received_is_still_read() -> None:
    c = classify_tool(tool("list_received_emails", "List emails received by the inbox.", {}))
    assert c.category == "read"


def test_a_generated_password_or_rule_is_given_back() -> None:
    properties = {"length": {"type": "integer"}}
    assert classify_tool(tool("password_generate", "Generate a random password.", properties)).category == "read"
    description = "Generate a log parsing rule from sample lines."
    assert classify_tool(tool("generate_parsing_rule", description, {"samples": {"type": "string"}})).category == (
        "read"
    )


def test_a_password_regenerated_for_an_account_still_destroys_the_old_one() -> None:
    description = "Regenerate the password of a service account; the old one stops working."
    c = classify_tool(tool("regenerate_password", description, {"account_id": {"type": "string"}}))
    assert c.category == "destructive"


def test_testing_a_rule_against_data_reads() -> None:
    description = "Test a detection rule against historical data to tune it before deployment."
    c = classify_tool(tool("test_rule", description, {"rule_text": {"type": "string"}}))
    assert c.category == "read"


def test_testing_code_or_an_integration_still_runs_something() -> None:
    description = "Test the middleware locally by running it."
    assert classify_tool(tool("test_middleware", description, {"path": {"type": "string"}})).category == "execute"
    description = "Test the tracing integration by sending spans and errors."
    assert classify_tool(tool("tracing_test", description, {})).category != "read"


def test_reading_verbs_the_lexicon_lacked_read() -> None:
    for verb in ("Obtain", "Enumerate", "Examine", "Assess", "Determine", "Interpret"):
        c = classify_tool(tool("account_risk", f"{verb} the overall holding risk of the account", {}))
        assert c.category == "read", verb


def test_a_name_opened_by_a_noun_the_description_reads_is_a_read() -> None:
    description = "Check push notification availability and connection status."
    assert classify_tool(tool("push_status", description, {})).category == "read"
    assert classify_tool(tool("update_status", "Get the update status of the device.", {})).category == "read"


def test_a_name_opened_by_a_verb_the_description_also_does_is_no_read() -> None:
    description = "Push local commits to the remote and show the push status."
    assert classify_tool(tool("push_changes", description, {"remote": {"type": "string"}})).category != "read"
    description = "Get the pending update and update the device firmware."
    assert classify_tool(tool("update_firmware", description, {"device_id": {"type": "string"}})).category != "read"


def test_a_confirmation_flag_that_says_the_act_cannot_be_undone_makes_it_destructive() -> None:
    properties = {
        "card_id": {"type": "string"},
        "confirm": {"type": "boolean", "description": "Must be true; disable is irreversible"},
    }
    c = classify_tool(tool("wallet_disable_card", "Disable a saved card on file.", properties))
    assert c.category == "destructive"
    assert c.has("irreversible-flag")


def test_a_flag_for_a_permanent_thing_or_a_replaced_setting_is_no_irreversible_act() -> None:
    properties = {
        "source": {"type": "string"},
        "permanent": {"type": "boolean", "description": "Permanent redirect (301)"},
        "override": {"type": "boolean", "description": "If true, replaces the existing end time"},
    }
    c = classify_tool(tool("create_redirect", "Create a redirect for the project.", properties))
    assert c.category == "write"


def test_a_verbless_title_of_a_record_is_a_read() -> None:
    properties = {"start_date": {"type": "string"}, "warehouse_id": {"type": "string"}}
    description = "Materials (packaging, supplies) usage report."
    assert classify_tool(tool("report_materials", description, properties)).category == "read"


def test_an_order_with_an_unknown_verb_is_no_title() -> None:
    description = "Befriend (follow) a status."
    assert classify_tool(tool("status_befriend", description, {"id": {"type": "string"}})).category != "read"


def test_a_leading_batch_or_bulk_is_no_verb_of_its_own() -> None:
    description = "Batch retrieve inventory counts."
    assert classify_tool(tool("shop_inventory", description, {"ids": {"type": "string"}})).category == "read"
    description = "Bulk delete the given users."
    assert classify_tool(tool("users_bulk", description, {"ids": {"type": "string"}})).category == "destructive"


def test_a_records_title_ends_before_a_preposition_or_a_dash() -> None:
    properties = {"warehouse_id": {"type": "string"}}
    description = "Current stock balance per warehouse/SKU. warehouse_id is REQUIRED."
    assert classify_tool(tool("report_stock", description, properties)).category == "read"
    description = "Firmware version history — all recorded software versions and install dates."
    assert classify_tool(tool("car_software", description, {})).category == "read"


def test_a_title_whose_head_is_no_record_places_nothing() -> None:
    description = "Charging patterns by location — where you charge and how much."
    assert classify_tool(tool("car_charging", description, {})).category == "other"


def test_pulling_records_reads_them_and_pulling_an_image_puts_it_here() -> None:
    properties = {"start_date": {"type": "string"}, "end_date": {"type": "string"}}
    description = "Pull transactions in a date range for reconciliation."
    assert classify_tool(tool("pull_transactions", description, properties)).category == "read"
    assert classify_tool(tool("pull_image", "Pull a container image.", {"image": {"type": "string"}})).category != (
        "read"
    )


# -- devices, streams and context (from the development half of round 22) ------------------------------------------


def test_uploading_a_sketch_or_firmware_to_a_board_runs_code_there() -> None:
    properties = {"sketch_path": {"type": "string"}, "port": {"type": "string"}}
    c = classify_tool(tool("board_upload", "Upload a compiled sketch or hex file to a board.", properties))
    assert c.category == "execute"
    assert c.level == "critical"
    assert classify_tool(tool("flash_firmware", "Flash the firmware to the device.", properties)).category == (
        "execute"
    )


def test_uploading_a_file_still_stores_it() -> None:
    properties = {"path": {"type": "string"}, "bucket": {"type": "string"}}
    assert classify_tool(tool("upload_file", "Upload a file to the bucket.", properties)).category == "write"


def test_loading_context_or_specifications_reads_them() -> None:
    description = "Load specifications and usage context for a robot model."
    assert classify_tool(tool("get_robot_spec", description, {"name": {"type": "string"}})).category == "read"
    description = "Load seed data from CSV files into database tables."
    assert classify_tool(tool("load_seeds", description, {"select": {"type": "string"}})).category != "read"


def test_a_subscription_that_collects_what_arrives_for_a_while_reads() -> None:
    properties = {"topic": {"type": "string"}, "duration": {"type": "number"}}
    description = "Subscribe to a topic for a duration and collect messages."
    assert classify_tool(tool("subscribe_for_duration", description, properties)).category == "read"
    description = "Subscribe to a topic and return the first message received."
    assert classify_tool(tool("subscribe_once", description, properties)).category == "read"


def test_a_subscription_that_stays_is_a_write() -> None:
    properties = {"topic": {"type": "string"}, "endpoint": {"type": "string"}}
    assert classify_tool(tool("mqtt_subscribe", "Subscribe to a topic.", properties)).category == "write"
    description = "Subscribe an endpoint to a topic; messages published later are delivered to it."
    assert classify_tool(tool("topic_subscribe", description, properties)).category != "read"


def test_a_measure_of_a_given_geometry_is_computed_and_given_back() -> None:
    properties = {"geom": {"type": "string"}, "srid": {"type": "integer"}}
    for name, description in (
        ("geo_area", "Geodesic area of geom (computed on the sphere)."),
        ("geo_box", "Envelope (bounding box) of geom as a polygon."),
        ("geo_simplify", "Simplify geom (Douglas-Peucker)."),
    ):
        assert classify_tool(tool(name, description, properties)).category == "read", name


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
