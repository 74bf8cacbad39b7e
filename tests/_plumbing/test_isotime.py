"""ISO 8601 instants in UTC, written and read."""

from __future__ import annotations

import pytest

from portcullis._plumbing.isotime import iso, iso_seconds, parse_iso

NOON = 1783252800.0  # 2026-07-05T12:00:00Z


def test_iso_writes_utc_with_milliseconds() -> None:
    assert iso(NOON) == "2026-07-05T12:00:00.000Z"
    assert iso(NOON + 0.1234) == "2026-07-05T12:00:00.123Z"


def test_iso_seconds_for_tables() -> None:
    assert iso_seconds(NOON + 0.9) == "2026-07-05T12:00:00Z"
    assert iso_seconds(NOON, sep=" ") == "2026-07-05 12:00:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "2026-07-05T12:00:00Z",
        "2026-07-05T12:00:00",
        "2026-07-05T14:00:00+02:00",
        "2026-07-05 12:00",
        "2026-07-05T12:00:00.000Z",
    ],
)
def test_parse_iso_reads_zones_and_takes_utc_without_one(text: str) -> None:
    assert parse_iso(text) == NOON


def test_parse_iso_reads_what_iso_writes() -> None:
    assert parse_iso(iso(NOON + 1.5)) == NOON + 1.5


def test_parse_iso_refuses_other_text() -> None:
    with pytest.raises(ValueError):
        parse_iso("yesterday")
