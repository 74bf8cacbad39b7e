"""Namespace routers read from the operations their descriptions enumerate (catalog/routers.py), on invented
definitions shaped like the real ones: only reads is a read, anything that changes something raises it to
the riskiest operation named, and a router that names nothing placeable stays held (fail closed)."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from portcullis.catalog.routers import enumerate_operations

_ROUTER = {
    "command": {"type": "string", "description": "The command to execute against the specified tool."},
    "parameters": {"type": "object"},
}
_ROUTED = "This tool is a hierarchical command router. Set learn=true to discover available sub-commands."


def router(description: str, name: str = "widgets") -> Any:
    return classify_tool(
        {"name": name, "description": f"{description} {_ROUTED}", "inputSchema": {"properties": _ROUTER}}
    )


@pytest.mark.parametrize(
    "description",
    [
        "Widget operations - Commands for listing widgets.",
        "Widget operations - Commands for managing widgets. Includes operations for listing widget stores and "
        "retrieving their settings.",  # 'managing' names the domain; what it does there is listed
        "Widget operations - Manage widget policies. Retrieve assignments, view modes, and analyze compliance.",
        "Widget commands for getting the available regions or checking quota and usage",  # no full stop before ours
        "Diagnostics - Primary tool for diagnosing and troubleshooting widget issues. Uses AI diagnostics to detect "
        "problems and recommend remediation steps.",
        "Commands for accessing guidance, best practices, and recommendations.",  # knowledge, not resources
        "Commands for listing and managing widgets. These commands do not support querying logs.",  # negated
        "Widget tools: list, show, describe.",
        "Commands for managing widget clusters. Includes operations for listing clusters and executing KQL queries.",
    ],
)
def test_a_router_that_enumerates_only_reads_reads(description: str) -> None:
    c = router(description)
    assert c.category == "read", c.signals
    assert c.decided_by is not None and c.decided_by.id in ("routed-reads", "read-verb")
    assert c.has("routed-reads")


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        # a mutating operation anywhere: the riskiest named
        ("Commands for listing and creating widgets.", "write"),
        ("Commands for listing widgets, executing tests and monitoring results.", "execute"),
        ("Commands for listing, creating, updating, and deleting widgets.", "destructive"),
        ("Commands for listing widgets and locking/unlocking settings.", "write"),
        (
            "Widget operations - Commands to manage widget pools. Includes CRUD operations on widget resources.",
            "destructive",
        ),
        ("Commands for listing widgets. Use this tool to deploy and maintain widget sync.", "execute"),
        ("Commands for listing widgets - supports sending SMS", "write"),  # glued to the routing sentence
        ("Commands for getting widgets to streamline provisioning of new ones.", "write"),  # a gerund anywhere
        # wherever it stands: a noun, a passive, a list after a colon, an aside, a warning
        ("Commands for listing widgets and widget deletion.", "destructive"),
        ("Commands for listing widgets. Widgets can be deleted with the delete sub-command.", "destructive"),
        ("Widget tools: list, show, delete.", "destructive"),
        ("Commands for listing widgets (and deleting them when asked).", "destructive"),
        ("Lists widgets. Warning: this permanently removes every widget.", "destructive"),
        ("Commands to get and set widget values.", "write"),
        # 'managing' with a mutating operation: it may delete
        (
            "Commands for creating, updating and listing widgets. The tool focuses on managing all of them.",
            "destructive",
        ),
        ("Commands for managing widgets. Includes operations for listing widgets and configuring them.", "destructive"),
        # a query a router passes on may write, unless the language only reads
        ("Commands for querying and analyzing logs and metrics.", "write"),
        ("Manage and query widget resources across subscriptions.", "destructive"),
        ("Commands for listing servers, executing SQL queries and reading schemas.", "write"),
        # nothing placeable: held
        ("Commands for managing widget stores and their settings.", "destructive"),
        ("Commands for managing and accessing widget resources.", "destructive"),
        ("Widget operations - Commands for working with widgets.", "write"),
        # mutating wording beside reads
        ("Commands for listing widgets. Supports read and write operations.", "write"),
    ],
)
def test_a_router_that_names_anything_else_is_held(description: str, expected: str) -> None:
    c = router(description)
    assert c.category == expected, c.signals
    assert c.category != "read"


def test_the_name_of_a_router_that_is_a_mutating_verb_is_not_lowered_by_reads() -> None:
    c = router("Commands for deploying widgets. Provides sub-commands to generate plans and fetch logs.", "deploy")
    assert c.category == "execute"


def test_the_evidence_names_the_operations() -> None:
    c = router("Commands for managing widgets. Includes operations for listing widgets and retrieving settings.")
    assert c.decided_by is not None
    assert "'listing', 'retrieving'" in c.decided_by.evidence and "'managing'" in c.decided_by.evidence
    held = router("Commands for managing widgets. Includes operations for listing widgets and creating stores.")
    assert held.category == "destructive"
    assert held.decided_by is not None and held.decided_by.id == "routed-operations"
    assert "'creating'" in held.decided_by.evidence and "'managing' (it may delete)" in held.decided_by.evidence


def test_the_routing_sentences_are_not_operations() -> None:
    found = enumerate_operations(f"Commands for listing widgets. {_ROUTED} To invoke a command, set it.")
    assert found.reads == ["listing"] and not found.mutating and not found.scope and found.only_reads
