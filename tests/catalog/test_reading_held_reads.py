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
