"""Definitions written to hurt the gateway that reads them: a schema whose ``$ref`` branches point back at
themselves (a walk that follows them multiplies without end), and a definition on which a step of the classifier
fails. Neither may hang the gateway nor let the tool through unjudged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from portcullis.catalog import classify
from portcullis.catalog.arguments import SchemaFacts, read_schema
from portcullis.catalog.catalog import Catalog
from portcullis.catalog.pin_stores import SqlitePinStore
from portcullis.catalog.refresh import CatalogRefresher
from tests.catalog import real_servers

DEADLINE = 120.0  # seconds; the bounded walk takes milliseconds, the unbounded one hours


def _in_time(schema: dict[str, Any]) -> SchemaFacts:
    """``read_schema(schema)``, run where a hang is seen as one (a worker thread joined with a deadline)."""
    out: list[SchemaFacts] = []
    worker = threading.Thread(target=lambda: out.append(read_schema(schema, "Configure it.")), daemon=True)
    worker.start()
    worker.join(DEADLINE)
    assert out, f"reading the schema did not finish in {DEADLINE:.0f} s"
    return out[0]


@pytest.mark.parametrize("branches", [2, 20])
def test_refs_that_point_back_at_themselves_are_walked_a_bounded_number_of_times(branches: int) -> None:
    bomb = {
        "type": "object",
        "$ref": "#/$defs/Node",
        "$defs": {"Node": {"anyOf": [{"$ref": "#/$defs/Node"}] * branches}},
    }
    assert _in_time(bomb) == SchemaFacts()


def test_arguments_beside_a_bomb_are_still_read() -> None:
    schema = {
        "type": "object",
        "properties": {"sql": {"type": "string"}, "settings": {"$ref": "#/$defs/Node"}},
        "$defs": {"Node": {"anyOf": [{"$ref": "#/$defs/Node"}] * 20, "properties": {"password": {"type": "string"}}}},
    }
    facts = _in_time(schema)
    assert facts.code == ["sql"]
    assert "settings.password" in facts.secrets


class _Tripwire(Mapping[str, Any]):
    """A definition that answers a key it lacks with ``IndexError`` (or ``error``) where a mapping raises
    ``KeyError``: a step of the classifier that looks such a key up fails (a stand-in for the next definition no step
    foresaw; every one found so far was fixed). The gateway's own handling (its hash, its copy) looks up only the keys
    it has."""

    def __init__(self, fields: dict[str, Any], error: type[Exception] = IndexError) -> None:
        self._fields = fields
        self._error = error

    def __getitem__(self, key: str) -> Any:
        if key not in self._fields:
            raise self._error("tuple index out of range")
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def test_a_definition_a_step_fails_on_is_held_as_destructive_and_the_listing_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # every pinned field present (the hash looks each up); the classifier's scan looks up one more ("title")
    fields = {"name": "tripwire", "description": "Trips the classifier.", "inputSchema": {"type": "object"}}
    tripping = _Tripwire({**fields, "outputSchema": None, "annotations": None})
    c = classify.classify_tool(tripping)
    assert (c.category, c.level) == ("destructive", "critical")
    assert c.decided_by is not None and c.decided_by.id == "classifier-failed"
    assert "IndexError" in c.decided_by.evidence
    assert "tripwire" in caplog.text

    catalog = Catalog()
    lookup = {"name": "lookup", "description": "Look up a value.", "inputSchema": {"type": "object"}}
    catalog.update("srv", [tripping, lookup], 1_700_000_000.0)
    assert catalog.classify("srv", lookup).category == "read"
    assert catalog.blocked_reason("srv", "lookup") is None


@pytest.mark.parametrize("definition", [None, "get_x", ["name", "get_x"], 42])
def test_a_definition_that_is_not_a_mapping_is_held_not_raised(definition: Any) -> None:
    """The compiled classifier (mypyc) checks declared types when called: whatever an upstream sends where a
    definition belongs, the answer is the held one, never an exception (nor a read)."""
    c = classify.classify_tool(definition)
    assert (c.category, c.level) == ("destructive", "critical")
    assert c.decided_by is not None and c.decided_by.id == "classifier-failed"


@pytest.mark.parametrize("error", [TypeError, ValueError, RecursionError])
async def test_a_step_that_raises_holds_the_tool_and_the_gateway_lists_the_rest(
    error: type[Exception], tmp_path: Path
) -> None:
    """The gateway's path: a listing read for an agent (``CatalogRefresher.listed``), one definition of which makes
    a step raise (``TypeError`` is what the compiled classifier raises where a value is not of its declared type).
    That tool is held as destructive with the reason shown; the others are listed and callable; nothing raises."""
    fields = {"name": "tripwire", "description": "Trips the classifier.", "inputSchema": {"type": "object"}}
    tripping = _Tripwire({**fields, "outputSchema": None, "annotations": None}, error)
    lookup = {"name": "lookup", "description": "Look up a value.", "inputSchema": {"type": "object"}}

    async def list_tools(server: str) -> list[dict[str, Any]]:
        return [lookup]

    catalog = Catalog()
    refresher = CatalogRefresher(catalog, ["srv"], list_tools, SqlitePinStore(tmp_path / "pins.db"))
    listing: list[Any] = [tripping, lookup]
    listed = await refresher.listed("srv", listing, refresher.started("srv"))
    assert "lookup" in {t.name for t in listed}
    assert catalog.blocked_reason("srv", "lookup") is None
    held = catalog.entry("srv", "tripwire")
    assert held is not None
    assert (held.classification.category, held.classification.level) == ("destructive", "critical")
    assert held.classification.decided_by is not None
    assert error.__name__ in held.classification.decided_by.evidence


def test_no_definition_of_any_round_makes_a_step_fail() -> None:
    """The safety net above is for definitions nobody foresaw, not for a step's own error: every tool of every
    round of real servers is classified without it."""
    failed: list[str] = []
    for folder in sorted(real_servers.FIXTURES.parent.glob("real-servers*")):
        for path in sorted(folder.glob("*.json")):
            if path.stem == "labels":
                continue
            for definition in json.loads(path.read_text(encoding="utf-8")):
                c = classify.classify_tool(definition)
                if c.decided_by is not None and c.decided_by.id == "classifier-failed":
                    failed.append(f"{folder.name}/{path.stem}/{definition.get('name')}")
    assert not failed, failed


@pytest.mark.parametrize(
    "phrase",
    [
        "For bulk use insert_rows (upsert) instead, ",
        "it auto-claims and ",
        "the rows are removed and ",
        "Execute the `list_items` operation and run the job, ",
        "Pull a repo and run a notebook and ",
        "ENABLED, PAUSED, or REMOVED; ",
        "Original content is replaced; edit history is not preserved; ",
        "This is a full replace, not a merge; keys not included will revert to defaults; ",
        "Attempts graceful shutdown first, forces after timeout; ",
        "POST /v3/items/{id} and ",
        "Status of a job (state, counts) per warehouse — ",
    ],
)
def test_a_phrase_repeated_over_megabytes_is_read_in_bounded_time(phrase: str) -> None:
    """What each rule looks for, said a hundred thousand times in one description (a hostile upstream's): the
    definition is classified, not walked phrase by phrase against the whole text."""
    description = phrase * (2_000_000 // len(phrase))
    definition = {
        "name": "update_rows",
        "description": description,
        "inputSchema": {"type": "object", "properties": {"status": {"type": "string", "description": description}}},
    }
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(classify.classify_tool(definition).category), daemon=True)
    worker.start()
    worker.join(DEADLINE)
    assert out, f"classifying a {len(description):,}-character description did not finish in {DEADLINE:.0f} s"
    assert out[0] != "read"


def test_a_command_hidden_in_the_21st_branch_of_a_schema_is_read() -> None:
    """The walk read only the first 20 branches of an ``anyOf``: a code argument in the 21st made a shell runner a
    read. The total of schemas walked bounds the work instead."""
    branches: list[dict[str, Any]] = [
        {"type": "object", "properties": {f"opt{i}": {"type": "string"}}} for i in range(20)
    ]
    branches.append({"type": "object", "properties": {"command": {"type": "string", "description": "Shell command"}}})
    definition = {"name": "get_status", "description": "Get the status.", "inputSchema": {"anyOf": branches}}
    c = classify.classify_tool(definition)
    assert c.category == "execute"


def test_a_flag_named_a_million_times_in_the_description_is_read_in_bounded_time() -> None:
    """The rule that a description's "If clear_existing=True, deletes …" makes the flag destructive looks where the
    flag's name is written: at most a few places, not every one of a hostile description's."""
    description = "clear_existing and clear_existing=maybe, " * 50_000 + "If clear_existing=True, deletes all items."
    definition = {
        "name": "add_items",
        "description": description,
        "inputSchema": {"type": "object", "properties": {"clear_existing": {"type": "boolean"}}},
    }
    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(classify.classify_tool(definition).category), daemon=True)
    worker.start()
    worker.join(DEADLINE)
    assert out, f"classifying a {len(description):,}-character description did not finish in {DEADLINE:.0f} s"
