"""``ToolSchemas``: a call checked against the tool's own inputSchema, compiled once, broken schemas skipped."""

from __future__ import annotations

import logging

import pytest

from portcullis.policy.toolschema import RULE, ToolSchemas

SCHEMA = {
    "type": "object",
    "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
    "required": ["amount", "to"],
    "additionalProperties": False,
}


def test_the_argument_at_fault_is_named() -> None:
    schemas = ToolSchemas()
    assert schemas.check("h1", SCHEMA, {"amount": 5, "to": "x"}, "bank__transfer") is None
    wrong = schemas.check("h1", SCHEMA, {"amount": "5", "to": "x"}, "bank__transfer")
    assert wrong is not None and (wrong.rule, wrong.argument) == (RULE, "amount")
    assert wrong.reason == 'argument \'amount\' rejected by the tool\'s schema: "5" is not of type "number"'
    assert wrong.hint == "change argument 'amount' and call again"
    missing = schemas.check("h1", SCHEMA, {"amount": 5}, "bank__transfer")
    assert missing is not None and missing.argument == "to"


def test_a_long_rejected_value_is_quoted_as_an_excerpt() -> None:
    failure = ToolSchemas().check("h1", SCHEMA, {"amount": "9" * 5000, "to": "x"}, "t")
    assert failure is not None
    assert "9" * 100 not in failure.reason and "(5002 characters)" in failure.reason, failure.reason
    assert len(failure.reason) < 200


def test_each_definition_is_compiled_once() -> None:
    schemas = ToolSchemas()
    first = schemas.validator("h1", SCHEMA, "t")
    assert schemas.validator("h1", {"type": "string"}, "t") is first  # keyed by the definition's digest
    assert schemas.validator("h2", {"type": "string"}, "t") is not first


@pytest.mark.parametrize(
    "broken",
    [
        {"type": "bogus"},
        {"properties": {"a": {"pattern": "(?<=x"}}},
        {"$ref": "#/nowhere"},
        {"$ref": "http://127.0.0.1:9/remote.json"},
        {"$schema": "http://example.com/unknown"},
        "not a map",
        [1, 2],
    ],
)
def test_a_broken_schema_blocks_nothing_and_is_logged_once(broken: object, caplog: pytest.LogCaptureFixture) -> None:
    schemas = ToolSchemas()
    with caplog.at_level(logging.WARNING, logger="portcullis.policy"):
        for _ in range(3):
            assert schemas.check("h", broken, {"a": 1}, "srv__tool") is None
    warnings = [r for r in caplog.records if "srv__tool" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert schemas.check("none", None, {"a": 1}, "t") is None  # no schema: nothing to check
