"""The rules written from the development half of the held-out round 8 (issue 11): a forced stop of a machine is
destructive, an update that sets a machine's memory, CPUs or disk size resizes it, a download of a URL into a
server's storage is a write, creating a deployment or promoting one deploys, verifying a domain sets a check going,
a stronger verb before a name's last word acts on it, the free arguments of a program's command are code, an operation
argument whose description lists its values whole is an enum, and a tool with no verb that calls itself read-only
reads. Invented definitions shaped like real ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import tool

MACHINE = {"host": {"type": "string"}, "machine_id": {"type": "string"}}


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("stop_machine", "Stop a virtual machine (force stop). Example: force stop web-1"),
        ("stop_guests", "Stop guests. graceful=True uses shutdown; otherwise force stop."),
        ("halt_server", "Halts the server with a hard stop, as pulling the plug would."),
        ("restart_node", "Restarts a node; a forced reset if it does not answer."),
        ("stop_instance", "Stops the instance forcibly."),
    ],
)
def test_a_forced_stop_is_destructive(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, MACHINE))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "forced-stop"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("stop_machine", "Gracefully shut down a virtual machine."),
        ("stop_machine", "Stop a virtual machine without a force stop: it waits for the guest."),
        ("stop_trace", "Stop the trace (force stop the recording)."),
        ("start_machine", "Start a virtual machine (force start if locked)."),
        ("update_machine", "Update a machine's tags. Use stop_machine to force stop it."),
    ],
)
def test_a_graceful_stop_or_another_act_is_not_a_forced_stop(name: str, description: str) -> None:
    c = classify_tool(tool(name, description, MACHINE))
    assert not c.has("forced-stop")


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("update_instance_memory", {"instance_id": {"type": "string"}, "memory": {"type": "integer"}}),
        ("update_container_resources", {"selector": {"type": "string"}, "cores": {"type": "integer"}}),
        ("modify_vm", {"vmid": {"type": "string"}, "disk_gb": {"type": "integer"}}),
        ("change_server_plan", {"params": {"type": "object", "properties": {"vcpus": {"type": "integer"}}}}),
        ("set_database_size", {"id": {"type": "string"}, "storage_size": {"type": "integer"}}),
    ],
)
def test_an_update_that_sets_a_machines_size_resizes_it(name: str, properties: dict[str, Any]) -> None:
    c = classify_tool(tool(name, "Update the machine's allocation.", properties))
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "resizes-machine"


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("update_instance_name", {"instance_id": {"type": "string"}, "name": {"type": "string"}}),
        ("update_memory", {"memory": {"type": "string"}, "content": {"type": "string"}}),
        ("create_vm", {"vmid": {"type": "string"}, "memory": {"type": "integer"}, "cores": {"type": "integer"}}),
        ("update_page", {"page_id": {"type": "string"}, "size": {"type": "integer"}}),
        ("update_server_labels", {"id": {"type": "string"}, "labels": {"type": "object"}}),
    ],
)
def test_an_update_that_sets_no_size_or_of_no_machine_is_no_resize(name: str, properties: dict[str, Any]) -> None:
    c = classify_tool(tool(name, "Update it.", properties))
    assert not c.has("resizes-machine")


def test_a_download_of_a_url_into_a_servers_storage_is_a_write() -> None:
    c = classify_tool(
        tool(
            "download_image",
            "Download a disk image from a URL to the hypervisor's storage.",
            {"node": {"type": "string"}, "storage": {"type": "string"}, "url": {"type": "string"}},
        )
    )
    assert c.category == "write"
    assert c.decided_by is not None and c.decided_by.id == "fetches-into-storage"


@pytest.mark.parametrize(
    "properties",
    [
        {"url": {"type": "string"}, "path": {"type": "string"}},
        {"bucket": {"type": "string"}, "object_name": {"type": "string"}, "file_path": {"type": "string"}},
        {"storage": {"type": "string"}, "filename": {"type": "string"}},
    ],
)
def test_a_download_to_the_caller_stays_a_read(properties: dict[str, Any]) -> None:
    c = classify_tool(tool("download_file", "Download a file.", properties))
    assert c.category == "read"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("create_deployment", "Create a new deployment"),
        ("acme_create_preview_deployment", "Creates a preview deployment of a branch."),
        ("promote_build", "Promote a build to production"),
        ("release_promote", "Promote a release to the live environment."),
    ],
)
def test_creating_or_promoting_a_deployment_deploys(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"project_id": {"type": "string"}})).category == "execute"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("create_comment", "Create a comment on a deployment"),
        ("create_check", "Create a check for a deployment"),
        ("create_deployment_key", "Create a key"),
        ("promote_member", "Promote a member to admin of the team."),
    ],
)
def test_what_is_made_on_a_deployment_or_a_person_promoted_is_no_deploy(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"id": {"type": "string"}})).category == "write"


def test_verifying_a_domain_sets_a_check_going() -> None:
    c = classify_tool(tool("verify_domain", "Verify domain ownership", {"domain": {"type": "string"}}))
    assert c.category == "execute"
    sender = classify_tool(tool("senders_verify", "Verify a sender.", {"sender_id": {"type": "string"}}))
    assert sender.category == "execute"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("verify_signature", "Verify a message signature"),
        ("verify_checksum", "Verify the checksum of a file"),
        ("check_contract_owner", "Verify the ownership of a contract"),
    ],
)
def test_verifying_anything_else_reads(name: str, description: str) -> None:
    assert classify_tool(tool(name, description, {"value": {"type": "string"}})).category == "read"


def test_a_stronger_verb_before_a_names_last_word_acts_on_it() -> None:
    c = classify_tool(tool("acme_trigger_integration_sync", "Trigger integration sync", {"id": {"type": "string"}}))
    assert c.category == "execute"
    run = classify_tool(tool("run_nightly_backup", "", {"id": {"type": "string"}}))
    assert run.category == "execute"


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("queue_message_send", "write"),  # "queue" is no stronger than "send"
        ("track_shipment_update", "write"),  # a read verb before it is not stronger
        ("schedule_report_delete", "destructive"),
        ("run_accessibility_audit", "read"),  # what is run ends in a read: running it reads
    ],
)
def test_a_weaker_verb_before_a_names_last_word_leaves_it(name: str, category: str) -> None:
    assert classify_tool(tool(name, "", {"id": {"type": "string"}})).category == category


ARGS = {"args": {"type": "array", "items": {"type": "string"}}}


@pytest.mark.parametrize(
    ("description", "properties"),
    [
        ("Executes a gcloud command. Use --format=json to select fields.", ARGS),
        (
            "Run one kubectl command against the current cluster.",
            {"argv": {"type": "array", "items": {"type": "string"}}},
        ),
        ("Runs an az CLI command and returns its output.", {"arguments": {"type": "string"}}),
    ],
)
def test_the_free_arguments_of_a_programs_command_are_code(description: str, properties: dict[str, Any]) -> None:
    c = classify_tool(tool("run_cli_command", description, properties))
    assert c.category == "execute"
    assert c.level == "critical"
    assert c.has("arbitrary-code")


@pytest.mark.parametrize(
    ("name", "description", "properties"),
    [
        ("call_tool", "Call a tool by name with its arguments.", {"arguments": {"type": "object"}}),
        ("run_workflow", "Runs a saved workflow with the given args.", ARGS),
        ("run_cli_command", "Executes a gcloud command.", {"args": {"type": "array", "items": {"type": "object"}}}),
        ("format_args", "Formats command-line arguments for display.", ARGS),
    ],
)
def test_arguments_of_no_command_are_not_code(name: str, description: str, properties: dict[str, Any]) -> None:
    assert not classify_tool(tool(name, description, properties)).has("arbitrary-code")


def action(description: str) -> dict[str, Any]:
    return {"action": {"type": "string", "description": description}, "params_json": {"type": "string"}}


def test_an_action_whose_description_lists_only_reads_reads() -> None:
    c = classify_tool(
        tool(
            "acme_system",
            "Manage acme system operations. Route system operations to the API client.",
            action("Action to perform. Must be one of: 'get_version', 'get_dashboard_stats', 'get_metrics'"),
        )
    )
    assert c.category == "read"
    assert c.decided_by is not None and c.decided_by.id == "operation-router"


def test_an_action_whose_description_lists_a_delete_is_guarded() -> None:
    c = classify_tool(
        tool(
            "acme_hosts",
            "Manage acme hosts.",
            action("One of: 'list_hosts', 'get_host' (by id), 'delete_host'."),
        )
    )
    assert c.category == "destructive"
    assert c.guard is not None and c.guard.values == ("delete_host",)


@pytest.mark.parametrize(
    "description",
    [
        "Action to perform, e.g. one of 'get_version', 'get_metrics'.",  # examples: not the whole set
        "Action to perform: get_version or get_metrics.",  # nothing quoted
        "Must be one of: 'get_version'.",  # a single value
    ],
)
def test_an_action_not_listed_whole_stays_held(description: str) -> None:
    c = classify_tool(tool("acme_system", "Manage acme system operations.", action(description)))
    assert c.category != "read"


@pytest.mark.parametrize(
    "description",
    [
        "Read-only offline migration assessment: preconditions, storage capacity and HA checks.",
        "A read-only preflight of the cluster's upgrade readiness.",
    ],
)
def test_a_tool_with_no_verb_that_calls_itself_read_only_reads(description: str) -> None:
    c = classify_tool(tool("cluster_preflight", description, {"node": {"type": "string"}}))
    assert c.category == "read"
    assert c.decided_by is not None and c.decided_by.id == "read-only-promise"


@pytest.mark.parametrize(
    "description",
    [
        "Not read-only: a migration assessment that reserves capacity.",
        "Migration preflight. Servers in read-only mode are skipped.",
        "Read-only assessment, then INSERT the results into the audit table.",
        "Migration preflight and assessment.",
    ],
)
def test_a_tool_with_no_verb_and_no_promise_is_held(description: str) -> None:
    assert classify_tool(tool("cluster_preflight", description, {"node": {"type": "string"}})).category != "read"


STRING = {"type": "string"}


def _behind_a_model(properties: dict[str, Any]) -> dict[str, Any]:
    """A definition whose arguments sit in one pydantic model, reached through ``$ref`` (as FastMCP lists them)."""
    return {
        "type": "object",
        "properties": {"params": {"$ref": "#/$defs/Params"}},
        "$defs": {"Params": {"type": "object", "properties": properties}},
    }


@pytest.mark.parametrize(
    ("name", "description", "properties", "category", "rule", "argument"),
    [
        # a resize
        ("update_vm", "Update the machine's allocation.", {"vmid": STRING, "memory": STRING}, "destructive",
         "resizes-machine", "params.memory"),
        # a download into the server's storage
        ("download_image", "Download a disk image.", {"storage": STRING, "source_url": STRING}, "write",
         "fetches-into-storage", "params.storage"),
        # a service named in free text
        ("call_service", "Call a service of the hub.", {"service": STRING, "data": {"type": "object"}}, "destructive",
         "open-operation", "params.service"),
    ],
)  # fmt: skip
def test_arguments_behind_a_ref_are_read_by_every_step(
    name: str, description: str, properties: dict[str, Any], category: str, rule: str, argument: str
) -> None:
    """The steps that read particular arguments take them from the one schema walk, which follows a ``$ref``."""
    c = classify_tool({"name": name, "description": description, "inputSchema": _behind_a_model(properties)})
    assert c.category == category
    assert c.decided_by is not None and c.decided_by.id == rule
    assert f"'{argument}'" in c.decided_by.evidence
