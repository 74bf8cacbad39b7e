"""Rules written from what every held-out round missed at first sight (issue 11), not from one round's tools:
running something is critical, verbs that undo or replace what is there destroy, a name that forces its act
destroys, a request tool's undescribed ``method`` may be DELETE, and a name ending in a record noun is not a
read when the description opens with an order whose verb the lexicon lacks. Invented definitions."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

STRING = {"type": "string"}


@pytest.mark.parametrize(
    ("name", "description", "properties"),
    [
        ("trigger_pipeline", "Trigger a CI pipeline for a branch.", {"project": STRING, "ref": STRING}),
        ("deploy_service", "Deploy a service to production.", {"service": STRING, "image": STRING}),
        ("start_container", "Start a stopped container.", {"id": STRING}),
        ("run_job", "Run a scheduled job now.", {"job": STRING}),
    ],
)
def test_running_anything_is_critical(name: str, description: str, properties: dict[str, Any]) -> None:
    """What runs is decided outside the definition (a pipeline's steps, the build deployed): nothing in it
    bounds what the run changes."""
    c = classify_tool(tool(name, description, properties))
    assert (c.category, c.level) == ("execute", "critical")


def test_a_read_stays_low_and_a_write_medium() -> None:
    assert classify_tool(tool("list_jobs", "List the scheduled jobs.")).level == "low"
    assert classify_tool(tool("create_job", "Create a scheduled job.", {"name": STRING})).level == "medium"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("undo_last_change", "Undo the last change made to a board."),
        ("notifications_dismiss", "Dismiss a notification."),
        ("rewrite_history", "Rewrite the branch history."),
        ("reimage_node", "Reimage a node from its base image."),
        ("collection_recreate", "Recreate a collection with a new schema."),
        ("retire_device", "Retire a device from management."),
    ],
)
def test_verbs_that_undo_or_replace_what_is_there_destroy(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, {"id": STRING}))
    assert c.category == "destructive", c.decided_by


@pytest.mark.parametrize("name", ["force_push", "branch_force_update", "forced_stop_instance"])
def test_a_name_that_forces_its_act_destroys(name: str) -> None:
    c = classify_tool(tool(name, "Push a branch to the remote.", {"branch": STRING}))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "forced"


def test_a_force_option_alone_is_not_forcing() -> None:
    """Labels of real servers: applying a manifest with a ``force`` flag is a write."""
    force = {"type": "boolean", "description": "Force the apply"}
    c = classify_tool(tool("apply_manifest", "Apply a manifest to the cluster.", {"manifest": STRING, "force": force}))
    assert c.category != "destructive" or c.decided_by is None or c.decided_by.id != "forced"


@pytest.mark.parametrize(
    "description",
    [
        "Make an HTTP request to the API.",
        "Sends a raw API call to any endpoint.",
        "Perform a request against the service.",
    ],
)
def test_a_request_tools_undescribed_method_may_be_delete(description: str) -> None:
    c = classify_tool(tool("api_request", description, {"method": STRING, "path": STRING, "body": {"type": "object"}}))
    assert c.category == "destructive"
    assert any("DELETE" in s.evidence for s in c.signals)


def test_a_method_that_picks_documentation_is_not_a_request() -> None:
    """Must not catch: a read of an endpoint's reference, by its method and path."""
    c = classify_tool(
        tool(
            "get_endpoint_docs",
            "Fetch reference docs for one API endpoint by method and path. Read-only.",
            {"method": STRING, "path": STRING},
        )
    )
    assert c.category == "read"


def test_a_record_noun_name_whose_description_orders_an_unknown_verb_is_not_a_read() -> None:
    c = classify_tool(tool("squash_history", "Squash the branch history into one commit.", {"branch": STRING}))
    assert c.category != "read"
    assert c.decided_by is not None and c.decided_by.id == "unclassified"


@pytest.mark.parametrize(
    "description", ["", "Status history of an account.", "History of an account's statuses, newest first."]
)
def test_a_record_noun_name_is_still_a_read(description: str) -> None:
    """Must not catch: a name ending in a record noun, and a description that names the record."""
    assert classify_tool(tool("account_status_history", description, {"account": STRING})).category == "read"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("terraform_apply", "Apply the Terraform plan in a directory.", "execute"),
        ("stack_apply", "Apply a stack's changes to the cloud account.", "execute"),
        ("alter_table", "Alter a table's columns.", "destructive"),
        ("release_address", "Release an Elastic IP address.", "destructive"),
        ("number_release", "Release a phone number from the account.", "destructive"),
        ("file_restore", "Restore a file to an earlier revision.", "destructive"),
        ("transfer_repository", "Transfer a repository to another owner.", "destructive"),
    ],
)
def test_acts_whose_object_makes_them_run_or_destroy(name: str, description: str, expected: str) -> None:
    assert classify_tool(tool(name, description, {"id": STRING})).category == expected


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("list_releases", "List the releases of a repository.", "read"),
        ("get_release", "Get a release by its tag.", "read"),
        ("publish_release", "Publish a draft release.", "write"),
        ("apply_manifest", "Apply a YAML manifest to the cluster.", "write"),
        ("transfer_funds", "Transfer funds to another account.", "financial"),
        ("restore_item", "Restore a deleted item from the trash.", "write"),
    ],
)
def test_the_same_verbs_on_other_objects_keep_their_meaning(name: str, description: str, expected: str) -> None:
    """Must not catch: a release as a noun, a manifest applied, money transferred, an item put back."""
    amount = {"amount": {"type": "number"}}
    assert classify_tool(tool(name, description, {"id": STRING, **amount})).category == expected


@pytest.mark.parametrize(
    "description",
    [
        "Get the performance report of a sent campaign — opens, clicks, bounces, and more.",
        "Get a subscriber's recent activity - opens, clicks, bounces, etc.",
        "Get the growth history of a list — subscribes, unsubscribes, and net change over time.",
    ],
)
def test_a_list_of_plural_nouns_after_a_dash_is_what_a_read_holds(description: str) -> None:
    """Round 7's confirmation half held three such reads as writes (written after it was scored: not blind)."""
    assert classify_tool(tool("get_report", description, {"id": STRING})).category == "read"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Work with files - deletes, moves or copies them.", "destructive"),
        ("Branches — creates, deletes, or lists branches.", "destructive"),
        ("Manage contexts - list, get, or set the current one.", "write"),
    ],
)
def test_verbs_after_a_dash_that_take_an_object_are_still_verbs(description: str, expected: str) -> None:
    """Must not catch: third-person verbs after a dash, the last with its object."""
    assert classify_tool(tool("files_tool", description, {"id": STRING})).category == expected


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("server_health", "Runs a comprehensive read-only health check on the server and returns its status."),
        ("site_audit", "Perform a comprehensive SEO audit of the site."),
        ("host_stats", "Collects a snapshot of the host's memory and disk use."),
        ("site_performance_benchmark", "Compare the site's performance against industry benchmarks."),
        ("plan_trip", "Plans a trip from a described itinerary."),
        ("thread_context", "Get the ancestors and descendants of a post (its thread context)."),
    ],
)
def test_inspections_plans_and_a_read_context_are_reads(name: str, description: str) -> None:
    """Round 7's development half held such reads as execute or write (diagnostics, an AI plan, a thread's
    context); written after its halves were scored."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == "read"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("run_tests", "Run the test suite of a project.", "execute"),
        ("gc_start", "Start a garbage collection of the registry.", "destructive"),
        ("collect_payment", "Collect a payment from a customer.", "financial"),
        ("benchmark_model", "Benchmark a model's latency by running it 100 times.", "execute"),
        ("project_context", "Get or set the current project context.", "write"),
        ("use_context", "Switch the current context for later calls.", "write"),
        ("verify_domain", "Trigger domain verification. This starts a process that checks the DNS records.", "execute"),
    ],
)
def test_runs_collections_and_context_switches_keep_their_meaning(name: str, description: str, expected: str) -> None:
    """Must not catch: running tests, collecting garbage or payments, benchmarking by running, switching a
    context, a verification that starts a process."""
    c = classify_tool(tool(name, description, {"id": STRING, "amount": {"type": "number"}}))
    assert c.category == expected, c.decided_by


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("rotate_api_key", "Rotate a project's API key.", "destructive"),
        ("secret_rotate", "Rotate a secret now.", "destructive"),
        ("regenerate_token", "Regenerate a personal access token.", "destructive"),
        ("regenerate_summary", "Regenerate the summary of a document.", "read"),
        ("rotate_image", "Rotate an image by 90 degrees and return it.", "write"),
        ("yank_version", "Yank a published version from the registry.", "destructive"),
        ("undeploy_app", "Undeploy an application.", "destructive"),
        ("offboard_user", "Offboard a user from every system.", "destructive"),
        ("impersonate_user", "Impersonate a user to act on their behalf.", "execute"),
        ("finetune_model", "Fine-tune a model on a dataset.", "execute"),
        ("activate_workflow", "Activate a workflow.", "write"),
        ("load_dataset", "Load a sample dataset into a cluster.", "write"),
        ("scrape_page", "Scrape a web page and return its text.", "read"),
        ("embed_text", "Embed a text with a model and return the vector.", "read"),
    ],
)
def test_verbs_the_lexicon_lacked(name: str, description: str, expected: str) -> None:
    """General API verbs (no round's tool names): new credentials lock out the old ones' users."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Get the event labels that can be used to categorize events.", "read"),
        ("Get the templates which are used to create pages.", "read"),
        ("A tool that is used to delete old files.", "destructive"),
        ("An API which is used to delete old files.", "destructive"),
    ],
)
def test_what_the_object_is_used_for_is_not_what_the_tool_does(description: str, expected: str) -> None:
    """A relative clause on the object ("labels that can be used to …") gives no lead verb; one on the tool
    itself ("a tool that is used to delete") still does (must not catch)."""
    assert classify_tool(tool("labels_tool", description, {"id": STRING})).category == expected


def _with_output(name: str, description: str, *, required: bool) -> dict[str, Any]:
    definition = tool(name, description, {"table": STRING, "output_path": {"type": "string"}})
    definition["inputSchema"]["required"] = ["table", "output_path"] if required else ["table"]
    return definition


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("export_table", "Export a table's rows to JSON or CSV."),
        ("db_dump", "Dumps a database to a file on the server; it reads data only."),
    ],
)
def test_a_recording_that_must_be_told_where_to_write_makes_a_file(name: str, description: str) -> None:
    c = classify_tool(_with_output(name, description, required=True))
    assert c.category == "write"
    assert c.decided_by is not None and c.decided_by.id == "writes-files"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("export_table", "Export a table's rows to JSON or CSV."),
        ("take_screenshot", "Take a screenshot of the page; saved to a file if a path is given."),
    ],
)
def test_a_recording_saved_only_if_asked_stays_a_read(name: str, description: str) -> None:
    """Must not catch: an export or a screenshot whose output path is optional."""
    assert classify_tool(_with_output(name, description, required=False)).category == "read"


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("put_bucket_policy", {"bucket": STRING, "policy": {"type": "string"}}),
        ("set_alert_rules", {"namespace": STRING, "rules": {"type": "array"}}),
        ("save_workflow", {"workflow_id": STRING, "definition": {"type": "object"}}),
        ("automation_set", {"automation_id": STRING, "config": {}}),
    ],
)
def test_putting_a_whole_definition_replaces_the_one_there(name: str, properties: dict[str, Any]) -> None:
    c = classify_tool(tool(name, "Apply what is given.", properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "replaces-definition"


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("update_dashboard", {"uid": STRING, "dashboard": {"type": "object"}}),  # an update may change a part
        ("set_policy_name", {"policy_id": STRING, "policy_name": STRING}),  # only names one
        ("put_label", {"label": STRING}),
    ],
)
def test_updates_and_names_of_definitions_are_writes(name: str, properties: dict[str, Any]) -> None:
    """Must not catch: an update, an argument that only names a definition, a put of no definition."""
    assert classify_tool(tool(name, "Change what is given.", properties)).category == "write"


@pytest.mark.parametrize(
    "properties",
    [
        {"item": STRING, "title": STRING, "removeFields": {"type": "array", "items": STRING}},
        {"record": STRING, "fields_to_delete": {"type": "array", "items": STRING}},
        {"doc": STRING, "delete_blocks": {"type": "string", "description": "Comma-separated block ids"}},
    ],
)
def test_an_edit_with_a_list_of_what_it_removes_destroys(properties: dict[str, Any]) -> None:
    c = classify_tool(tool("edit_item", "Edit an existing item.", properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "removal-argument"


def test_a_read_with_a_removal_named_filter_stays_a_read() -> None:
    """Must not catch: a read is never raised by an argument's name alone."""
    properties = {"query": STRING, "remove_duplicates": {"type": "string"}}
    assert classify_tool(tool("search_items", "Search the items.", properties)).category == "read"


@pytest.mark.parametrize(
    "description",
    [
        "Convert a lead into a deal. IRREVERSIBLE: the lead is gone afterwards.",
        "Export the account's data and close it. This cannot be undone.",
    ],
)
def test_a_read_that_says_it_cannot_be_undone_is_no_read(description: str) -> None:
    """Round 9's confirmation half read an irreversible conversion (written after it was scored: not blind)."""
    c = classify_tool(tool("convert_lead", description, {"id": STRING}))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "irreversible-wording"


@pytest.mark.parametrize(
    "description",
    ["Get the permanent link of a message.", "List employees (permanent and temporary staff)."],
)
def test_a_read_of_permanent_things_stays_a_read(description: str) -> None:
    """Must not catch: "permanent" said of what a read returns."""
    assert classify_tool(tool("get_message_link", description, {"id": STRING})).category == "read"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("paid_fetch", "Fetch a URL. If the endpoint requires payment, it will be paid automatically from the wallet."),
        ("domain_register", "Register a new domain. Requires USDC payment on Base."),
        ("gift_card_create", "Create a gift card; its value is deducted from your spot balance."),
        ("renew_plan", "Renew the plan for a year. Its price is deducted from the account's balance."),
    ],
)
def test_a_call_that_says_it_pays_moves_money(name: str, description: str) -> None:
    """Round 9's confirmation half rate-limited such calls (written after it was scored: not blind)."""
    c = classify_tool(tool(name, description, {"id": STRING}))
    assert c.category == "financial"
    assert c.decided_by is not None and c.decided_by.id == "pays"


@pytest.mark.parametrize(
    "description",
    [
        "Check whether a URL requires payment before fetching it.",
        "List the invoices that are not paid yet.",
        "Get the fees charged by the exchange.",
    ],
)
def test_reads_about_payments_do_not_pay(description: str) -> None:
    """Must not catch: checking for a payment, listing unpaid invoices, reading fees."""
    assert classify_tool(tool("check_payment", description, {"id": STRING})).category == "read"


@pytest.mark.parametrize(
    "description",
    [
        "Run several searches at once and return grouped results. Never perform write operations.",
        "Return a record's payload. Use records_batch for write operations.",
        "Finds the sections of a document and reports the first table that follows each heading.",
    ],
)
def test_writing_that_is_negated_referred_or_said_of_the_object_keeps_a_read(description: str) -> None:
    """Round 9's confirmation half held such reads (written after it was scored: not blind)."""
    assert classify_tool(tool("find_records", description, {"query": STRING})).category == "read"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Query records with read and write operations on the table.", "write"),
        ("Schedule a backup job that deletes backups older than a week.", "destructive"),
        ("Create an automation that triggers on events and executes steps.", "execute"),
    ],
)
def test_writing_said_of_the_tool_or_set_up_by_it_still_counts(description: str, expected: str) -> None:
    """Must not catch: read and write said of the tool, a job set up that deletes, an automation that runs."""
    assert classify_tool(tool("records_tool", description, {"id": STRING})).category == expected


@pytest.mark.parametrize(
    ("name", "description", "argument", "expected"),
    [
        ("format_document", "Format the text of a document.", "id", "write"),
        ("sort_notes", "Sort the notes of a notebook by title.", "notebook", "write"),
        ("format_date", "Format a date as ISO 8601.", "date", "read"),  # must not catch: a value formatted, returned
        ("sort_results", "Sort search results by score.", "results", "read"),
    ],
)
def test_formatting_or_sorting_stored_text_changes_it(
    name: str, description: str, argument: str, expected: str
) -> None:
    assert classify_tool(tool(name, description, {argument: STRING})).category == expected


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("write_object", "Writes a new object to the bucket."),
        ("upload_object", "Uploads a file to a bucket."),
        ("blob_put", "Put a blob into the store."),
        ("move_object", "Moves an object to another bucket."),
    ],
)
def test_an_object_written_to_a_key_takes_the_place_of_the_one_there(name: str, description: str) -> None:
    """Round 8's confirmation half (written after it was scored: not blind)."""
    properties = {"bucket": STRING, "object_name": STRING, "content": STRING}
    assert classify_tool(tool(name, description, properties)).category == "destructive"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("upload_file", "Upload a file as a new attachment."),
        ("copy_file", "Make a copy of a file; the copy gets a new id."),
        ("update_object_metadata", "Update an object's metadata."),
    ],
)
def test_uploads_copies_and_metadata_updates_of_other_things_are_writes(name: str, description: str) -> None:
    """Must not catch: an upload or copy that makes a new thing, a metadata update."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == "write"


def test_a_download_to_a_local_path_it_must_be_given_writes_there() -> None:
    definition = tool(
        "download_object",
        "Downloads an object to a local file.",
        {"object_name": STRING, "file_path": {"type": "string", "description": "The local path to save the file to."}},
    )
    definition["inputSchema"]["required"] = ["object_name", "file_path"]
    assert classify_tool(definition).category == "write"
    definition["inputSchema"]["required"] = ["object_name"]
    assert classify_tool(definition).category == "read"  # must not catch: saved there only if asked


def test_create_or_update_with_a_definition_replaces_it() -> None:
    properties = {"name": STRING, "definition": {"type": "object"}}
    c = classify_tool(tool("create_policy", "Create or update a policy.", properties))
    assert c.category == "destructive"
    assert classify_tool(tool("create_policy", "Create a policy.", properties)).category == "write"


def test_testing_permissions_reads() -> None:
    assert classify_tool(tool("check_permissions", "Tests IAM permissions for a bucket.", {"b": STRING})).category == (
        "read"
    )


@pytest.mark.parametrize(
    "description",
    [
        "Transform existing content. Use for find-and-replace operations and style corrections.",
        "Search and replace text across every page of a site.",
    ],
)
def test_a_find_and_replace_replaces_text_in_place(description: str) -> None:
    """Round 7's confirmation half (written after it was scored: not blind)."""
    c = classify_tool(tool("content_transform", description, {"id": STRING}))
    assert c.category == "destructive"
    assert any(s.id in ("replaces-text", "destructive-verb") for s in c.signals)


def test_a_read_that_mentions_find_and_replace_stays_a_read() -> None:
    """Must not catch: a read that speaks of a find-and-replace it does not do."""
    c = classify_tool(tool("get_guide", "Get the guide to find and replace in documents.", {"id": STRING}))
    assert c.category == "read"


def test_an_object_copied_by_the_descriptions_verb_takes_the_place_of_the_one_there() -> None:
    properties = {"source_object": STRING, "destination_object": STRING}
    c = classify_tool(tool("copy_object", "Copies an object to another bucket.", properties))
    assert c.category == "destructive"


def _behind_a_ref(payload: dict[str, Any], ref: str = "#/$defs/Payload") -> dict[str, Any]:
    return {
        "name": "sqllab_execute_query",
        "description": "Execute a SQL query in SQL Lab",
        "inputSchema": {
            "$defs": {"Payload": {"type": "object", "properties": payload}},
            "type": "object",
            "properties": {"payload": {"$ref": ref}},
        },
    }


def test_arguments_behind_a_local_ref_are_read() -> None:
    """Round 10's confirmation half read a SQL runner whose arguments sit in "$defs" (a pydantic model as the
    parameter; written after it was scored: not blind)."""
    c = classify_tool(_behind_a_ref({"database_id": {"type": "integer"}, "sql": {"type": "string"}}))
    assert (c.category, c.level) == ("execute", "critical")
    assert any(s.id == "code-exec" and "payload.sql" in s.evidence for s in c.signals)


@pytest.mark.parametrize("ref", ["#/$defs/Missing", "https://example.com/schema.json", "#/$defs/Payload/properties"])
def test_a_ref_that_leads_nowhere_or_out_of_the_document_is_left_alone(ref: str) -> None:
    c = classify_tool(_behind_a_ref({"sql": {"type": "string"}}, ref))
    assert not any(s.id == "code-exec" for s in c.signals)


def test_a_ref_to_itself_ends() -> None:
    definition = tool("walk_tree", "Get a tree of nodes.")
    definition["inputSchema"] = {
        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/Node"}},
    }
    assert classify_tool(definition).category == "read"


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("get_email", {"id": STRING, "markRead": {"type": "boolean", "description": "Mark the email as read."}}),
        ("get_quiz", {"id": STRING, "start_if_needed": {"type": "boolean"}}),
    ],
)
def test_a_read_with_a_flag_named_for_an_act_can_act(name: str, properties: dict[str, Any]) -> None:
    """Round 11's development half read these (written after it was scored: not blind)."""
    c = classify_tool(tool(name, "Get the content of an item.", properties))
    assert c.category == "write"
    assert c.decided_by is not None and c.decided_by.id == "acting-option"


@pytest.mark.parametrize("flag", ["remove_duplicates", "include_archived", "update_history", "storeInCache"])
def test_a_read_with_a_filtering_or_caching_flag_stays_a_read(flag: str) -> None:
    """Must not catch: flags that shape what is returned (labelled reads of rounds 1, 10)."""
    properties = {"id": STRING, flag: {"type": "boolean"}}
    assert classify_tool(tool("get_items", "Get the items.", properties)).category == "read"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("session_stats", "Tell the user about the tool usage during this session.", "read"),
        ("api_key_request", "Initiate an API key authorization request. Returns a token.", "write"),
        ("payout_start", "Initiate a payout to a bank account.", "financial"),
        ("dataset_schema", "Generate a JSON schema from a sample of the dataset's items.", "read"),
        ("register_domain", "Register a domain. This is a financial operation charged to account credit.", "financial"),
        ("unit_status", "Get curated status for a unit: active/sub/load state, PID, memory, CPU.", "read"),
        ("supply_assets", "Supply/deposit assets into a lending pool.", "financial"),
    ],
)
def test_words_rounds_10_and_11_showed(name: str, description: str, expected: str) -> None:
    """Telling the user reads, initiating acts (a payment: money), a generated schema is returned, "a financial
    operation" moves money, and a slash list after the verb ("active/sub/load state") holds no verb (written
    after the rounds were scored: not blind); supplying or depositing assets still moves money (must not catch)."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == expected


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("queue_build", "Queue a new build of a pipeline."),
        ("create_build", "Create a new build for a project."),
        ("create_execution", "Create an execution of a workflow."),
        ("kick_off_pipeline", "Kick off a pipeline."),
        ("materialize_assets", "Materialize the selected assets."),
        ("backfill_dag", "Backfill a DAG for a date range."),
        ("rollout_release", "Roll out a release to all users."),
    ],
)
def test_a_build_run_or_backfill_started_by_any_name_runs(name: str, description: str) -> None:
    """Round 10's first sight missed runs started under a writing verb; these are their general kin."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == "execute"


@pytest.mark.parametrize(
    ("name", "description"),
    [("create_pipeline", "Create a pipeline definition."), ("queue_message", "Queue a message for a user.")],
)
def test_defining_a_pipeline_or_queueing_a_message_is_a_write(name: str, description: str) -> None:
    """Must not catch: a pipeline defined, not run; a message queued."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == "write"


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("format_range", {"path": STRING, "range": STRING, "style": {"type": "object"}}),
        ("translate_document", {"document_ids": {"type": "array"}, "language": STRING}),
        ("normalize_table", {"table": STRING}),
    ],
)
def test_a_transform_told_where_a_stored_thing_is_changes_it_in_place(name: str, properties: dict[str, Any]) -> None:
    """Rounds 9 and 10 read such transforms at first sight (formatting a sheet's range, translating documents)."""
    c = classify_tool(tool(name, "Transform it.", properties))
    assert c.category == "write"


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("convert_time", {"time": STRING, "source_timezone": STRING, "target_timezone": STRING}),
        ("format_json", {"text": STRING, "indent": {"type": "integer"}}),
        ("translate_text", {"document_id": STRING, "text": STRING}),
    ],
)
def test_a_transform_of_what_it_is_given_returns_it(name: str, properties: dict[str, Any]) -> None:
    """Must not catch: a value or a text given to transform (the reference server's convert_time)."""
    assert classify_tool(tool(name, "Transform it.", properties)).category == "read"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("network_scan", "Scan a network using the scanner.", "execute"),
        ("scan_ports", "Scan the ports of a host.", "execute"),
        ("scan_document", "Scan a document for secrets.", "read"),  # must not catch: scanning what it is given
        ("components", "Search and navigate the project's components.", "read"),
        ("browser_go", "Navigate the browser to a URL.", "execute"),  # must not catch: a browser reaches anything
        ("investigate_entity", "Investigate an entity across sources.", "read"),
        ("update_deployment", "Update a deployment's model version and hardware.", "execute"),
        ("item_create", "Create an item, or update it if its id exists (upsert behavior).", "destructive"),
        ("activate_plan", "Activate a trial plan. On activation, the vendor bills for the plan at once.", "financial"),
    ],
)
def test_round_12s_words(name: str, description: str, expected: str) -> None:
    """From round 12, after it was scored (not blind): an active scan of a network probes it, navigating a code
    base reads, investigating reads, an updated deployment is rolled out, an upsert replaces, a bill is money."""
    assert classify_tool(tool(name, description, {"id": STRING})).category == expected
