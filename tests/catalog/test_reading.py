"""The classifier reads the whole definition as a person would (issue 11): one behaviour per test, on
invented definitions shaped like the real ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from portcullis.catalog.recommend import recommend_entry
from tests.catalog.definitions import category, tool


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("queue_delete", "destructive"),  # noun first
        ("widgets-delete-hook", "destructive"),  # the verb in the middle, a verb-noun at the end
        ("ledger_entry_get", "read"),
        ("records_create_or_update", "destructive"),  # an upsert replaces what was there
        ("get_or_create_widget", "write"),
        ("api-retrieve-a-comment", "read"),  # an article makes 'comment' a noun
        ("acme-deploy-services-reader", "read"),  # an agent noun: the reader reads
        ("repost_widget", "write"),  # re- verbs
    ],
)
def test_verbs_anywhere_in_a_name(name: str, expected: str) -> None:
    assert category(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pause_cluster", "destructive"),  # the work running on it stops
        ("pause_campaign", "write"),
        ("scale_deployment", "destructive"),
        ("upgrade_cluster", "destructive"),  # a tier upgrade has no way back
        ("upgrade_chart", "execute"),
        ("resume_cluster", "execute"),
        ("scale_pool", "write"),
        ("drain_node", "destructive"),
        ("rebuild_index", "execute"),
        ("split_shard", "write"),
        ("acknowledge_alarm", "write"),
        ("revoke_grant", "destructive"),
        ("rotate_secret", "destructive"),
        ("purge_queue", "destructive"),
        ("truncate_log", "destructive"),
        ("power_on_machine", "execute"),
    ],
)
def test_verbs_the_old_lexicon_lacked(name: str, expected: str) -> None:
    assert category(name) == expected


def test_the_description_leads_stop_and_remove_then_run() -> None:
    c = classify_tool(tool("widget_refresh", "Stop and remove a widget, then run a new one."))
    assert c.category == "destructive"
    assert c.decided_by is not None and "remove" in c.decided_by.evidence


def test_type_names_and_nouns_in_descriptions_are_not_verbs() -> None:
    # "List[str]" is a type and "The sum of" a noun: nothing here says read
    c = classify_tool(tool("zack", "Zacks entries.\n  Args:\n    ids (List[str]): the entries", {"ids": {}}))
    assert c.category == "other" and c.level == "medium"
    assert category("totalizer", "The sum of two numbers.") == "other"


def test_a_verb_name_is_raised_by_the_description_never_lowered() -> None:
    assert category("get_widget", "Get a widget or create it if missing.") == "write"
    assert category("delete_widget", "Get rid of a widget. Returns nothing.") == "destructive"
    assert category("list_widgets", "Calls the widget API to list widgets.") == "read"  # how it works, not what


def test_side_effects_in_later_sentences() -> None:
    assert category("fetch_article", "Fetch an article and return its text. Stores the article locally.") == "write"
    assert category("fetch_article", "Fetch an article and return its text. Use list_articles first.") == "read"
    # a verb ending in -y says it in the third person with -ies
    assert category("get_notes", "Return the notes. Modifies the index of the vault as it goes.") == "write"


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Update a setting. This permanently replaces the previous value.", "destructive"),
        ("Save the document; overwrites the existing copy.", "destructive"),
        ("Save the document. Existing copies are never overwritten.", "write"),
        ("Access the store with both read and write operations.", "write"),
    ],
)
def test_wording_that_says_what_cannot_be_undone(description: str, expected: str) -> None:
    assert category("store_access" if "Access" in description else "save_document", description) == expected


def test_free_text_operation_arguments() -> None:
    props = {"operation": {"type": "string", "description": "Operation to perform: cordon, drain, or uncordon"}}
    c = classify_tool(tool("node_maintenance", "Maintain nodes.", props))
    assert c.category == "destructive" and c.has("described-operation")
    http = {
        "method": {"type": "string", "description": "HTTP method to use (GET, POST, PUT, DELETE)"},
        "path": {"type": "string"},
    }
    assert category("GenericSearchApiTool", "Call any endpoint of the search API.", http) == "destructive"


def test_a_router_with_a_read_only_operation_enum_reads() -> None:
    props = {"action": {"type": "string", "enum": ["list", "get_status", "get_changes"]}}
    c = classify_tool(tool("pipelines_build", "Retrieve build data. Use the action parameter.", props))
    assert c.category == "read"
    writes = {"action": {"type": "string", "enum": ["list", "queue", "cancel"]}}
    # a build queued runs (the bare "queue" is settled by the router's object, "build")
    assert category("pipelines_build", "Build operations.", writes) == "execute"
    deletes = {"action": {"type": "string", "enum": ["list", "queue", "delete"]}}
    assert category("pipelines_build", "Build operations.", deletes) == "destructive"


@pytest.mark.parametrize(
    ("name", "description", "props", "expected"),
    [
        ("shell_run", "Run a command on the host.", {"command": {"type": "array"}}, ("execute", "critical")),
        (
            "db_query",
            "Run SQL against the database: INSERT, UPDATE and DELETE are allowed.",
            {"sql": {"type": "string"}},
            ("execute", "critical"),
        ),
        # a read whose query the description restricts to reading: a read, on the server's word
        ("db_query", "Run a read-only SQL query.", {"sql": {"type": "string"}}, ("read", "low")),
        ("db_run", "Run a read-only SQL query.", {"sql": {"type": "string"}}, ("execute", "critical")),
        ("read_query", "Execute a SELECT query on the database.", {"query": {"type": "string"}}, ("read", "low")),
        (
            "execute_query",
            "Execute a PromQL query against the metrics store.",
            {"query": {"type": "string"}},
            ("read", "low"),
        ),
        ("validate", "Validate a code block.", {"code": {"type": "string"}}, ("read", "low")),
        (
            "console_send",
            "Send input to an existing terminal session.",
            {"input": {"type": "string"}},
            ("execute", "critical"),
        ),
    ],
)
def test_code_queries_and_commands(
    name: str, description: str, props: dict[str, Any], expected: tuple[str, str]
) -> None:
    c = classify_tool(tool(name, description, props))
    assert (c.category, c.level) == expected, c.signals


def test_in_place_file_writes_schema_changes_and_bulk_updates_are_destructive() -> None:
    assert category("write_file", "Write content to a file.") == "destructive"
    assert category("move_item", "Move files and directories.") == "destructive"
    assert category("create_file", "Create a new file.") == "write"
    assert category("update_column", "Update a column's name.") == "destructive"
    assert category("update_records", "Update up to 10 records.", {"records": {"type": "array"}}) == "destructive"
    assert category("update_record", "Update one record.") == "write"


def test_an_option_that_deletes_raises_a_mutating_tool() -> None:
    props = {"purgeOld": {"type": "boolean"}}
    assert category("sync_folder", "Sync a folder.", props) == "destructive"
    flag = {"in_trash": {"type": "boolean", "description": "Set to true to delete the page."}}
    assert category("update_page", "Update page properties.", flag) == "destructive"
    assert category("query_pages", "Query pages.", {"in_trash": {"type": "boolean"}}) == "read"  # a filter


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("cluster_context", "Manage cluster contexts."),
        ("kube_context", ""),
        ("use_database", "Switch to a database for the next queries."),
    ],
)
def test_context_switches_are_at_least_writes(name: str, description: str) -> None:
    assert category(name, description) in ("write", "destructive")


def test_unplaced_tools_are_never_read_and_get_write_treatment() -> None:
    for name, description in (("zorbulate", "Quux the frobnicator."), ("xq", ""), ("blorp", "Flibbers widgets.")):
        c = classify_tool(tool(name, description))
        assert c.category == "other" and c.level == "medium"
        assert c.decided_by is not None and c.decided_by.id == "unclassified"
        entry = recommend_entry(f"s__{name}", c)
        assert entry["limits"][0]["max"] == 30  # the write treatment, not looser


def test_every_classification_names_the_rule_that_decided_it() -> None:
    for t in (tool("get_time"), tool("x"), tool("delete_repo"), tool("w", "Writes things.")):
        c = classify_tool(t)
        assert c.decided_by is not None and c.decided_by in c.signals


def test_tools_show_prints_the_deciding_rule_and_each_signal_with_its_evidence() -> None:
    from portcullis.catalog.render import render_show

    t = tool("widget_refresh", "Stop and remove a widget, then run a new one.", {"command": {"type": "string"}})
    c = classify_tool(t)
    out = render_show("s__widget_refresh", t, c, None, recommend_entry("s__widget_refresh", c), colour=False)
    assert "decided by rule 'description-verb': the description's verb 'remove'" in out
    assert "    code-exec" in out and "argument 'command'" in out  # the field that fired it
    assert '"action":"require_approval"' in out


def test_an_argument_that_quotes_its_values_is_a_setting_not_an_operation() -> None:
    method = {"accounting_method": {"type": "string", "description": "Accounting method: 'Accrual' or 'Cash'"}}
    assert category("ledger_period_summary", "Get a period summary for a ledger.", method) == "read"
    http = {"method": {"type": "string", "description": "HTTP method: 'GET', 'POST' or 'DELETE'"}}
    assert category("widget_api", "Call the widget API.", http) == "destructive"


def test_a_name_verb_without_an_object_is_settled_by_the_descriptions_sentence() -> None:
    assert category("cli_generate", "Generate CLI commands that accomplish a goal.") == "read"
    assert category("key_generate", "Generate a new signing key.") == "write"


def test_changing_what_guards_the_server_is_critical() -> None:
    c = classify_tool(
        tool(
            "set_preference",
            "Set a configuration entry by key. Setting allowedDirectories to [] allows full access to the disk.",
            {"key": {"type": "string"}, "entry": {"type": "string"}},
        )
    )
    assert c.category == "write" and c.has("access-control") and c.level == "high"
    assert "allowedDirectories" in next(s.evidence for s in c.signals if s.id == "access-control")
    assert recommend_entry("s__set_preference", c)["limits"][0]["max"] == 10


def test_learning_about_an_api_reads() -> None:
    assert category("learn_widget_api", "Learn about the widget API before calling other tools.") == "read"


def test_a_restriction_stated_is_not_a_guard_changed() -> None:
    c = classify_tool(tool("create_folder", "Create a folder. Only works within allowed directories."))
    assert not c.has("access-control")
    guard = classify_tool(tool("set_preference", "Set blockedCommands, the commands the server refuses."))
    assert guard.has("access-control")


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("cli_install", "Provide installation instructions for the widget CLI.", "read"),  # it explains the act
        ("deploy_app", "Returns deployment guidance for the app.", "read"),
        ("cli_install", "Install the widget CLI.", "execute"),
        ("cli_install", "Provide installation instructions, then install the CLI.", "execute"),  # it also acts
        ("deploy_app", "Return the deployment id after deploying the app.", "execute"),  # no explaining noun
    ],
)
def test_a_name_whose_act_the_description_only_explains_reads(name: str, description: str, expected: str) -> None:
    c = classify_tool(tool(name, description))
    assert c.category == expected, c.signals
    if expected == "read":
        assert c.decided_by is not None and c.decided_by.id == "act-as-topic"


def test_running_a_prompt_reads_running_a_script_executes() -> None:
    assert category("get_prompts", "Retrieve an onboarding prompt by ID and execute it.") == "read"
    assert category("run_prompt", "Run a prompt template with the given arguments.") == "read"
    assert category("get_script", "Retrieve a script by ID and execute it.") == "execute"
