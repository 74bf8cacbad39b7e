"""Audit filters from a request and the exports (no browser needed)."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from portcullis.api.audit import audit_filters, to_csv, to_jsonl

RECORD = {
    "id": 7,
    "time": "2026-01-01T00:00:00.000Z",
    "tool": "add",
    "reason": "=cmd|' /C calc'!A0",
    "arguments": {"a": 1},
}


def test_filters_read_as_portcullis_audit_reads_them() -> None:
    got = audit_filters({"tool": "fx__*", "since": "2h", "limit": "50000", "decision": ""}, now=10_000.0)
    assert got == {"tool": "fx__*", "since": 10_000.0 - 7200, "limit": 10000}
    with pytest.raises(ValueError, match="limit must be a whole number"):
        audit_filters({"limit": "many"}, now=0.0)
    with pytest.raises(ValueError, match="not a time"):
        audit_filters({"since": "yesterday-ish"}, now=0.0)


def test_exports_keep_every_field_and_defuse_formulas() -> None:
    assert orjson.loads(to_jsonl([RECORD]).splitlines()[0]) == RECORD
    row = next(csv.DictReader(io.StringIO(to_csv([RECORD]))))
    assert row["id"] == "7" and orjson.loads(row["arguments"]) == {"a": 1}
    assert row["reason"] == "'=cmd|' /C calc'!A0"  # a spreadsheet shows it, never runs it
