"""Step 3 of the classifier (catalog/operations.py): what a tool's operation argument says it does."""

from __future__ import annotations

from dataclasses import fields

import pytest

from portcullis.catalog.arguments import SchemaFacts
from portcullis.catalog.operations import operation_step
from portcullis.catalog.tokens import tokenize
from portcullis.catalog.verbs import name_verb
from portcullis.catalog.verdict import Verdict


def test_a_router_whose_enum_only_reads_does_what_its_operations_do() -> None:
    verdict = Verdict("other")  # "pipelines": no verb of its own
    facts = SchemaFacts(operations=[("action", ("list", "get_status"))])
    assert operation_step(verdict, facts, name_verb(tokenize("pipelines")), tokenize("pipelines"), "") is None
    assert verdict.category == "read"
    assert verdict.decided_by is not None and verdict.decided_by.id == "operation-router"


def test_a_destructive_value_raises_a_named_tool_and_becomes_a_guard() -> None:
    words = tokenize("update_repo")
    verdict = Verdict("write")
    facts = SchemaFacts(operations=[("mode", ("rename", "delete"))])
    guard = operation_step(verdict, facts, name_verb(words), words, "")
    assert verdict.category == "destructive"
    assert [s.id for s in verdict.signals] == ["destructive-operation"]
    assert guard is not None and guard.values == ("delete",) and guard.category == "destructive"


def test_a_value_that_does_not_raise_the_category_adds_no_signal() -> None:
    words = tokenize("delete_repo")
    verdict = Verdict("destructive")
    facts = SchemaFacts(operations=[("mode", ("list", "create"))])
    assert operation_step(verdict, facts, name_verb(words), words, "") is None
    assert verdict.category == "destructive" and verdict.signals == []


def test_schema_facts_start_with_every_field_empty_and_take_any_as_a_keyword() -> None:
    # SchemaFacts makes its lists itself (catalog/arguments.py, for speed): a field added to the class and not to its
    # __init__ would be missing from every tool's facts
    facts = SchemaFacts()
    for f in fields(SchemaFacts):
        assert getattr(facts, f.name) in ([], False), f.name  # every list empty, every flag False
    assert SchemaFacts(urls=["url"]).urls == ["url"] and SchemaFacts().urls is not SchemaFacts().urls
    with pytest.raises(AttributeError):
        SchemaFacts(not_a_field=[])
