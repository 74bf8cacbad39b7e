"""The rules written from the development half of the held-out round 6 (issue 11): hard power stops, rebuilds,
restores and resizes of machines, garbage collection, a put or set whose description says create or update,
a search-and-replace pair of arguments, an option to overwrite on a tool that otherwise reads, and snapshots
of machines and disks. Invented definitions shaped like real ones."""

from __future__ import annotations

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import category, tool


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("power_off_server", "Power off a server"),
        ("vm-power-cycle", "Power cycle a virtual machine"),
        ("rebuild_instance", "Rebuild an instance from an image"),
        ("machine-rebuild", "Reinstall the machine's operating system"),
        ("restore_server", "Restore a server from a backup"),
        ("restore_snapshot", "Put a snapshot back in place"),
        ("resize_volume", "Resize a block storage volume"),
        ("resize-vm", "Resize a virtual machine to a new plan"),
        ("registry_gc_start", "Start a garbage collection to free up storage"),
        ("trigger_garbage_collection", "Trigger garbage collection on the repository"),
    ],
)
def test_stopping_wiping_or_resizing_machines_is_destructive(name: str, description: str) -> None:
    assert category(name, description, {"id": {"type": "string"}}) == "destructive"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("power_on_server", "Power on a server", "execute"),  # starting a machine loses nothing
        ("restore_project", "Restore a paused project", "write"),  # un-pausing hosted work
        ("restore_item", "Restore a deleted item from the trash", "write"),  # nothing is overwritten
        ("resize_image", "Resize an image to the given width", "write"),  # a picture, not a machine
        ("get_garbage_collection", "Get the active garbage collection", "read"),
        ("rebuild_index", "Rebuild the search index", "execute"),
    ],
)
def test_the_same_verbs_on_other_objects_keep_their_category(name: str, description: str, expected: str) -> None:
    assert category(name, description, {"id": {"type": "string"}}) == expected


def test_snapshots_of_machines_and_disks_are_made_not_read() -> None:
    assert category("snapshot_instance", "Take a snapshot of an instance", {"name": {"type": "string"}}) == "write"
    assert category("snapshot-volume", "Take a snapshot of a volume") == "write"
    assert category("image-conversion", "Convert an image (backup) to a snapshot.") == "write"
    # a page's snapshot is what the browser shows; converting an image's format returns it
    assert category("browser_snapshot", "Capture an accessibility snapshot of the current page") == "read"
    assert category("convert_image", "Convert an image to PNG") == "read"


def test_a_put_or_set_that_creates_or_updates_replaces_what_was_there() -> None:
    document = {"name": {"type": "string"}, "document": {"type": "string", "description": "The policy in JSON"}}
    c = classify_tool(tool("put_bucket_policy", "Create or update a bucket's policy.", document))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "upsert"
    assert category("set_workflow", "Create or update a workflow with the provided configuration.") == "destructive"
    # a put that only creates does not replace; a create that says "or update" does (written write here, made an
    # upsert after rounds 8, 13 and 19 labelled their create-or-update tools destructive: test_reading_round19)
    assert category("put_item", "Create a new item.", document) == "write"
    assert category("create_policy", "Create or update a policy.", document) == "destructive"


def test_a_search_and_replace_pair_overwrites_text() -> None:
    pair = {
        "path": {"type": "string"},
        "old_text": {"type": "string", "description": "Text to find"},
        "new_text": {"type": "string", "description": "Text to put there"},
    }
    c = classify_tool(tool("edit_block", "Precise block editing in a document", pair))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "replaces-text"
    nested = {"edits": {"type": "array", "items": {"type": "object", "properties": pair}}}
    assert category("apply_edits", "Apply edits to a note", nested) == "destructive"
    # new text alone is an update, and a new name is a rename
    assert category("update_section", "Update a page section", {"new_text": {"type": "string"}}) == "write"
    renames = {"old_name": {"type": "string"}, "new_name": {"type": "string"}}
    assert category("rename_label", "Rename a label", renames) == "write"


def test_an_option_to_overwrite_makes_a_read_a_destructive_write() -> None:
    overwrite = {
        "archive": {"type": "string"},
        "target": {"type": "string"},
        "overwrite": {"type": "boolean", "description": "Overwrite existing files"},
    }
    assert category("extract_archive", "Extracts an archive file", overwrite) == "destructive"
    assert category("export_report", "Export a report as CSV", overwrite) == "destructive"
    # a filter on deleted or trashed things is not an option to delete
    filters = {"in_trash": {"type": "boolean"}, "query": {"type": "string"}}
    assert category("search_pages", "Search pages", filters) == "read"


def test_the_kind_of_each_step_in_a_list_of_operations_is_an_operation() -> None:
    alterations = {
        "operation": {"type": "string", "enum": ["get_info", "create_table", "alter_table"]},
        "operations": {
            "type": "array",
            "items": {"type": "object", "properties": {"type": {"type": "string", "enum": ["add", "alter", "drop"]}}},
        },
    }
    c = classify_tool(tool("db_manage_tables", "Manage tables: get info, create or alter tables.", alterations))
    assert c.category == "destructive"
    assert c.guard is None  # no policy condition can name one step of a list: the tool is held whole
    # a list of steps that only read raises nothing and lowers nothing
    reads = {
        "operation": {"type": "string", "enum": ["create", "update"]},
        "steps": {"type": "array", "items": {"type": "object", "properties": {"kind": {"enum": ["get", "list"]}}}},
    }
    assert category("db_manage_views", "Manage views.", reads) == "write"
    # the type of a list's items that is not a list of operations is not an operation
    columns = {"columns": {"type": "array", "items": {"type": "object", "properties": {"type": {"enum": ["drop"]}}}}}
    assert category("create_table", "Create a table.", columns) == "write"


def test_calling_a_service_named_in_free_text_may_run_any_of_them() -> None:
    free = {"domain": {"type": "string"}, "service": {"type": "string"}, "data": {"type": "object"}}
    c = classify_tool(tool("hub_call_service", "Call a service of the hub (lights, locks, scripts).", free))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "open-operation"
    named = {"function_name": {"type": "string", "description": "The function to run"}}
    assert category("invoke_function", "Invoke a deployed function.", named) == "destructive"
    # a service chosen from a list, a call of one named thing, and a phone call are not open
    listed = {"service": {"type": "string", "enum": ["lights_on", "lights_off"]}}
    assert category("call_service", "Call a service.", listed) != "destructive"
    assert category("invoke_report_action", "Invoke the report action.", {"service": {"type": "string"}}) != (
        "destructive"
    )
    assert category("call_number", "Call a phone number.", {"number": {"type": "string"}}) != "destructive"
