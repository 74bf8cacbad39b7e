"""Rules written after round 5's confirmation half was scored (issue 11): running code that is already stored
(a notebook cell, a script) runs whatever it holds; an argument named ``…source`` that its description calls
code is code; a router's free-text operation that names operations only as examples may be any operation of
what it routes to. Invented definitions shaped like real ones, with the cases each rule must not catch."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import Classification, classify_tool
from portcullis.catalog.tokens import prose_words


def classify(name: str, description: str = "", properties: dict[str, Any] | None = None) -> Classification:
    schema = {"type": "object", "properties": properties or {}}
    return classify_tool({"name": name, "description": description, "inputSchema": schema})


def signal_ids(c: Classification) -> set[str]:
    return {s.id for s in c.signals}


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("execute_cell", "Execute a cell of the open notebook and return its outputs."),
        ("run_notebook", "Run every cell of a notebook."),
        ("run_script", "Run one of the project's saved scripts by name."),
    ],
)
def test_running_stored_code_is_critical(name: str, description: str) -> None:
    c = classify(name, description, {"id": {"type": "string"}})
    assert c.category == "execute"
    assert c.level == "critical"
    assert "arbitrary-code" in signal_ids(c)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("run_workflow", "Trigger a CI workflow run."),  # automation, not code stored to run
        ("execute_query", "Execute a saved search."),
        ("get_cell", "Read a cell of the notebook."),
    ],
)
def test_running_other_things_is_not_arbitrary_code(name: str, description: str) -> None:
    assert "arbitrary-code" not in signal_ids(classify(name, description, {"id": {"type": "string"}}))


def test_a_source_argument_the_description_calls_code_is_code() -> None:
    cell = {"cell_source": {"type": "string", "description": "Code source for the cell"}}
    c = classify("insert_cell", "Insert a cell in the notebook and execute it.", cell)
    assert "code-exec" in signal_ids(c)
    assert c.category == "execute" and c.level == "critical"


@pytest.mark.parametrize(
    "properties",
    [
        {"source": {"type": "string", "description": "The data source to query"}},  # a data source
        {"source": {"type": "string", "description": "Source code repository URL"}},  # where code lives
        {"source_branch": {"type": "string", "description": "Branch with the code to merge"}},
    ],
)
def test_other_sources_are_not_code(properties: dict[str, Any]) -> None:
    c = classify("run_build", "Execute a build of the code.", properties)
    assert "code-exec" not in signal_ids(c)


def test_a_router_whose_operations_are_only_examples_may_delete() -> None:
    router = {
        "service": {"type": "string", "description": "The API service (e.g., 'catalog', 'payments')"},
        "method": {"type": "string", "description": "The API method to call (e.g., 'list', 'create')"},
        "request": {"type": "object"},
    }
    c = classify("make_api_request", "Unified tool for all the store's API operations.", router)
    assert c.category == "destructive"
    assert c.decided_by is not None and c.decided_by.id == "open-operation"
    assert any("only as examples" in s.evidence for s in c.signals if s.id == "open-operation")


def test_a_router_whose_examples_only_read_is_not_raised() -> None:
    router = {"method": {"type": "string", "description": "The API method to call (e.g., 'list', 'get')"}}
    c = classify("make_api_request", "Unified tool for reading the store's API.", router)
    assert c.category == "write"  # what "make" says: not raised to destructive, and never lowered to a read
    assert "open-operation" not in signal_ids(c)


def test_a_router_that_lists_its_whole_set_is_what_it_lists() -> None:
    router = {"operation": {"type": "string", "description": "The operation: 'list' or 'create'"}}
    c = classify("widgets", "Widgets of the store.", router)
    assert c.category == "write"


def test_a_quote_closing_a_word_is_not_part_of_it() -> None:
    assert prose_words("Call it (e.g., 'list', 'create'); it's done", 20) == [
        "call", "it", "e", ".", "g", ".", "list", "create", ";", "it's", "done",
    ]  # fmt: skip
