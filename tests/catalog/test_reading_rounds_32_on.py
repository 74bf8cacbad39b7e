"""Rules written from the development halves of rounds 32 and later (tests/fixtures/real-servers-round32 …), general to
every server, each beside a must-not-catch test. Invented definitions."""

from __future__ import annotations

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

# -- from round 32's development half (adobe-commerce-extensibility, mcp-magento-audit, shopify-admin-mcp,
# shopify-mcp) ---------------------------------------------------------------------------------------------------


def test_running_a_script_through_a_package_manager_or_an_interpreter_executes() -> None:
    properties = {"verbose": {"type": "boolean"}}
    description = "Run npm run sync-catalog to subscribe to product changes. The script registers listeners."
    assert classify_tool(tool("catalog_subscribe", description, properties)).category == "execute"
    description = "Run make seed to load the fixtures into the development database."
    assert classify_tool(tool("seed_database", description, properties)).category == "execute"
    description = "Run npm view to show a package's published versions."
    c = classify_tool(tool("show_package_versions", description, {"package": {"type": "string"}}))
    assert c.category == "read"


def test_building_a_plan_or_a_report_reads() -> None:
    properties = {"path": {"type": "string"}, "target_version": {"type": "string"}}
    description = "Builds an upgrade plan for the project against a target version: a list of blockers."
    assert classify_tool(tool("build_upgrade_plan", description, properties)).category == "read"
    description = "Builds the project's container image and pushes it."
    assert classify_tool(tool("build_image", description, properties)).category == "execute"


def test_a_note_or_a_tag_of_an_order_moves_no_money() -> None:
    """From round 32's over-holding (its confirmation half's order notes, tags and risks held as money; rounds 7, 19,
    20 and 23 held order statuses and bill attachments so): a money-moving noun that only says whose the object is
    ("order_tags") is not the object."""
    properties = {"order_id": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}
    assert classify_tool(tool("add_order_tags", "Add tags to an order.", properties)).category == "write"
    assert classify_tool(tool("add_bill_attachment", "Attach a file to a bill.", properties)).category == "write"
    assert classify_tool(tool("cancel_order", "Cancel an order.", properties)).category == "financial"
    assert classify_tool(tool("cancel_order_by_id", "Cancel an order.", properties)).category == "financial"
    properties = {"id": {"type": "string"}, "capped_amount": {"type": "number"}}
    description = "Update the capped amount of a recurring charge."
    assert classify_tool(tool("update_charge_capped_amount", description, properties)).category == "financial"


# -- from round 34's development half (adguard-home-mcp, mcp-arr, nr-mcp, pihole-mcp, transmission-mcp) -----------


def test_a_search_the_server_is_told_to_trigger_is_a_job_it_runs() -> None:
    properties = {"seriesId": {"type": "number"}}
    description = "Trigger a search for all missing episodes in a series"
    assert classify_tool(tool("series_search_missing", description, properties)).category == "write"
    description = "Search the series for episodes whose title holds the words given."
    assert classify_tool(tool("series_search", description, properties)).category == "read"
    description = "Trigger a build of the series' site."
    assert classify_tool(tool("site_build_trigger", description, properties)).category == "execute"


def test_a_word_that_doubles_as_a_noun_is_a_verb_before_an_article_only_where_it_sets_something_going() -> None:
    description = "Schedule a RESUME action on a paused subscription."
    assert classify_tool(tool("resume_subscription", description, {"id": {"type": "string"}})).category == "write"
    description = "Request a quote for the exchange. Use it before sending."
    c = classify_tool(tool("exchange_quote", description, {"amount": {"type": "string"}}))
    assert c.category == "read"


def test_a_verb_before_a_read_verb_in_a_name_is_its_prefix() -> None:
    description = "Get a quality profile from the TRaSH Guides."
    assert classify_tool(tool("trash_get_profile", description, {"name": {"type": "string"}})).category == "read"
    description = "Delete the items of a list."
    assert classify_tool(tool("delete_list_items", description, {"id": {"type": "string"}})).category == "destructive"


# -- from round 35's development half (agentdomain-mcp, godaddy-mcp, infoblox-ddi-mcp, netbox-mcp, posthog-mcp) ------


def test_an_operation_named_by_a_bare_verb_is_settled_by_the_routers_object() -> None:
    properties = {
        "action": {"enum": ["reserve", "release", "list", "get", "update"], "type": "string"},
        "address": {"type": "string"},
    }
    description = "Reserve, release, list, get, or update fixed IP addresses."
    c = classify_tool(tool("manage_ip_reservation", description, properties))
    assert c.category == "destructive"
    assert c.guard is not None and c.guard.values == ("release",)
    properties = {"action": {"enum": ["release", "list", "get"], "type": "string"}, "address": {"type": "string"}}
    description = "Release, list or get the locks of a repository."
    assert classify_tool(tool("manage_repository_lock", description, properties)).category == "write"


# -- from round 37's development half (actionstep-mcp, amadeus-blade-mcp, duffel-flights-mcp, hotelzero-mcp,
# sharepoint-mcp) ------------------------------------------------------------------------------------------------


def test_a_disbursement_moves_money() -> None:
    properties = {"matter_id": {"type": "string"}, "amount": {"type": "number"}}
    description = "Create a disbursement on a matter."
    assert classify_tool(tool("create_disbursement", description, properties)).category == "financial"


def test_change_tracking_is_a_noun() -> None:
    description = "Return the items of a drive that changed since the cursor given."
    c = classify_tool(tool("drive_change_track", description, {"since": {"type": "string"}}))
    assert c.category == "read"
    description = "Change the tracking settings of a drive."
    assert classify_tool(tool("drive_change_settings", description, {"id": {"type": "string"}})).category == "write"


def test_read_write_in_a_list_of_values_is_no_write() -> None:
    description = "List who has access to a file. Returns each permission with its roles (read/write/owner)."
    assert classify_tool(tool("permission_list", description, {"url": {"type": "string"}})).category == "read"
    description = "Query the store. Supports read and write operations."
    assert classify_tool(tool("store_query", description, {"q": {"type": "string"}})).category != "read"


# -- faults of an existing rule's class, seen in round 34's confirmation half after it was scored -------------------


def test_a_flag_named_for_an_act_but_ending_in_a_filters_lookup_acts_on_nothing() -> None:
    properties = {"archive_serial_number__isnull": {"type": "boolean"}, "title": {"type": "string"}}
    assert classify_tool(tool("list_documents", "List and filter documents.", properties)).category == "read"
    properties = {"archive": {"type": "boolean"}, "id": {"type": "string"}}
    assert classify_tool(tool("get_document", "Get a document.", properties)).category == "write"


# -- from round 38's development half (airbyte-mcp, clearml-mcp, dagster-mcp, mlflow-mcp, temporal-mcp) -----------


def test_a_health_request_sent_is_how_a_read_asks() -> None:
    description = "Check whether the API is reachable. Sends a lightweight health request to the server."
    assert classify_tool(tool("api_health_check", description, {})).category == "read"
    description = "Look a user up by name. Sends a friend request to the user found."
    assert classify_tool(tool("user_lookup", description, {"name": {"type": "string"}})).category != "read"


def test_a_value_said_to_replace_what_is_there_destroys() -> None:
    properties = {
        "connection_id": {"type": "string"},
        "refresh_type": {
            "type": "string",
            "description": "'merge' keeps previous records; 'truncate' replaces destination data with the fresh read.",
        },
    }
    description = "Trigger a refresh of the streams of a connection."
    assert classify_tool(tool("connection_refresh", description, properties)).category == "destructive"
    properties["refresh_type"] = {"type": "string", "description": "'merge' keeps previous records; 'full' reads all."}
    assert classify_tool(tool("connection_refresh", description, properties)).category != "destructive"


# -- from round 39's development half (agentwallet-mcp, alchemy-nft-mcp, exfer-mcp, privy-mcp, railgun-mcp) ----------


def test_an_escrow_created_or_released_moves_money() -> None:
    properties = {"amount": {"type": "number"}, "counterparty": {"type": "string"}}
    assert (
        classify_tool(tool("release_escrow", "Release the escrow to the seller.", properties)).category == "financial"
    )


def test_moving_all_funds_out_moves_money() -> None:
    properties = {"wallet_id": {"type": "string"}, "destination": {"type": "string"}}
    description = "Quickly move all funds out of the pool in case of emergency."
    assert classify_tool(tool("emergency_exit", description, properties)).category == "financial"
    description = "Move the files of a folder into another folder."
    assert classify_tool(tool("folder_move", description, properties)).category != "financial"


def test_a_quote_that_says_no_funds_move_pays_nothing() -> None:
    properties = {"amount_in": {"type": "string"}, "direction": {"type": "string"}}
    description = "Quote a cross-chain swap — NO funds move. The swap is paid from the wallet later, by exfer_swap."
    assert classify_tool(tool("swap_get_quote", description, properties)).category == "read"
    description = "Fetch a URL. It will be paid automatically from the wallet."
    assert classify_tool(tool("paid_fetch", description, {"url": {"type": "string"}})).category == "financial"


def test_a_path_to_the_program_it_runs_executes() -> None:
    properties = {"pools": {"type": "array", "items": {"type": "string"}}, "miner_bin": {"type": "string"}}
    description = "Test whether the pools accept your shares. Returns a verdict per pool."
    assert classify_tool(tool("earn_probe", description, properties)).category == "execute"
    properties = {"id": {"type": "string"}, "binary": {"type": "string", "description": "The file's bytes, base64."}}
    assert classify_tool(tool("get_file", "Get a file's metadata.", properties)).category == "read"


# -- from round 42's development half (agentline-mcp, fritzmoles-mcp, retellai-mcp, zoom-meetings-mcp) ----------------


def test_a_sentence_that_says_when_to_call_the_tool_tells_the_agents_acts() -> None:
    properties = {"timeout": {"type": "integer"}}
    description = "Long-poll for the next inbound SMS. Use this right AFTER submitting a form that triggers an SMS."
    assert classify_tool(tool("wait_for_sms", description, properties)).category == "read"
    description = "Long-poll for the next inbound SMS. Use this to delete the messages read."
    assert classify_tool(tool("sms_poll", description, properties)).category == "destructive"


# -- from round 41's development half (bilims-mcp-sqlserver, database-mcp-libsql, mcpcosmosdb, surreal-mcp) ----------


def test_a_list_of_queries_to_run_in_any_of_a_language_runs_them() -> None:
    properties = {"queries": {"type": "array", "items": {"type": "string"}, "description": "SurrealQL queries to run."}}
    description = (
        "Execute one or more SurrealQL queries against the database. This tool runs any valid SurrealQL queries, "
        "such as complex SELECT queries with JOINs."
    )
    assert classify_tool(tool("query", description, properties)).category == "execute"
    properties = {"queries": {"type": "array", "items": {"type": "object"}, "description": "Metric queries."}}
    description = "Retrieves metric data for a metric, with advanced queries for percentiles."
    assert classify_tool(tool("get_metric_data", description, properties)).category == "read"


def test_content_completely_replaced_or_a_full_document_replacement_is_lost() -> None:
    properties = {"id": {"type": "string"}, "data": {"type": "object"}}
    description = "Update a specific record with new data, completely replacing its content."
    assert classify_tool(tool("update", description, properties)).category == "destructive"
    description = "Update a document (full document replacement)."
    assert classify_tool(tool("update_document", description, properties)).category == "destructive"
    description = "Update a record: only the fields given change."
    assert classify_tool(tool("update", description, properties)).category == "write"


def test_selecting_records_reads_them() -> None:
    properties = {"table": {"type": "string"}, "id": {"type": "string"}}
    assert classify_tool(tool("select", "Select all records from a table.", properties)).category == "read"


def test_a_phone_number_provisioned_or_created_is_bought() -> None:
    properties = {"area_code": {"type": "string"}}
    assert classify_tool(tool("create_phone_number", "Creates a new phone number", properties)).category == "financial"
    description = "Provision a phone number the agent can use for receiving SMS."
    assert classify_tool(tool("provision_number", description, properties)).category == "financial"
    properties = {"contact_id": {"type": "string"}, "phone_number": {"type": "string"}}
    description = "Update a contact's phone number."
    assert classify_tool(tool("update_phone_number", description, properties)).category == "write"


# -- from round 40's development half (fabricator-panel-mcp, godot-ai, mcp-excalidraw-server, penpot-mcp) ------------


def test_a_read_whose_result_is_uploaded_publishes_it() -> None:
    description = "Export the canvas to a shareable URL. The diagram is encrypted and uploaded; anyone can view it."
    assert classify_tool(tool("export_to_url", description, {})).category == "write"
    assert classify_tool(tool("get_posts", "Get published posts from the blog.", {})).category == "read"
    description = "Gets a component's draft. The draft is where edits live before they are published."
    assert classify_tool(tool("get_component_draft", description, {"id": {"type": "string"}})).category == "read"


def test_a_transform_told_which_image_or_layer_changes_it_in_place() -> None:
    """A fault of the transform-in-place rule's class seen in round 40's confirmation half after it was scored: an
    image's index or a layer says where the stored thing is, as an id or a path does."""
    properties = {"mode": {"type": "string"}, "image_index": {"type": "integer"}}
    description = "Convert an image to a different color mode."
    assert classify_tool(tool("convert_color_mode", description, properties)).category == "write"
    properties = {"mode": {"type": "string"}, "content": {"type": "string"}}
    description = "Convert the text given to another encoding."
    assert classify_tool(tool("convert_encoding", description, properties)).category == "read"


# -- from round 44's development half (aws-elasticache-mcp, exoscale-mcp-advisor, openstack-ops-mcp) -----------------


def test_a_free_text_action_whose_description_lists_a_delete_deletes_whatever_the_names_verb() -> None:
    properties = {
        "action": {"type": "string", "description": "Management action (create, delete, list, extend, snapshot)"},
        "name": {"type": "string"},
    }
    description = "Manages volumes with comprehensive operations."
    assert classify_tool(tool("set_volume", description, properties)).category == "destructive"
    properties = {"operation": {"type": "string", "description": "The operation to describe (create, delete, list)"}}
    description = "Get the documentation of an API operation."
    assert classify_tool(tool("get_operation_docs", description, properties)).category == "read"


# -- from round 46's development half (insightvm, pytenable, sops, threatlocker, withsecure) -------------------------


def test_loading_a_list_of_options_reads_it() -> None:
    description = "Load the application list: the applications a file can be permitted into."
    c = classify_tool(tool("application_get_options", description, {"os_type": {"type": "integer"}}))
    assert c.category == "read"
    description = "Load the CSV rows into the table."
    assert classify_tool(tool("table_load", description, {"rows": {"type": "array"}})).category != "read"


def test_an_argument_named_for_a_query_language_holds_a_query_in_it() -> None:
    """A fault of the code-argument rule's class seen in round 46's confirmation half after it was scored: "sql" was
    known as an argument that carries a query, other languages' "…ql" names were not ("vql", "hql")."""
    description = "Execute an arbitrary VQL query and return rows."
    assert classify_tool(tool("query_vql", description, {"vql": {"type": "string"}})).category == "execute"
    description = "Execute an NRQL query"
    assert classify_tool(tool("query_nrql", description, {"nrql": {"type": "string"}})).category == "read"


# -- from round 48's development half (ckan, statbridge, ncbi-datasets, osm-edit, seismic) ---------------------------


def test_what_a_tool_does_if_a_condition_holds_it_does() -> None:
    description = "Check whether the CLI tools are installed and, if not, download and install them automatically."
    assert classify_tool(tool("ensure_cli", description, {})).category == "execute"
    description = "Check whether the index exists and, if missing, create it."
    assert classify_tool(tool("index_check", description, {"name": {"type": "string"}})).category == "write"
    description = "Get the alarms of a region. If not provided, the region defaults to the caller's."
    assert classify_tool(tool("get_alarms", description, {"region": {"type": "string"}})).category == "read"


def test_ensuring_something_exists_makes_it_when_it_does_not() -> None:
    assert classify_tool(tool("ensure_directory", "Make sure a directory exists.", {})).category == "write"


# -- from round 51's development half (adb-mcp, anycubic-cloud-mcp, govee-mcp, shelly-mcp) ---------------------------


def test_a_tap_or_a_swipe_on_a_screen_acts_as_a_click_does() -> None:
    description = "Find a UI element by text and tap its centre."
    assert classify_tool(tool("tap_element", description, {"text": {"type": "string"}})).category == "write"
    description = "Swipe from one point of the screen to another."
    assert classify_tool(tool("screen_swipe", description, {"x1": {"type": "integer"}})).category == "write"
