"""The one duration grammar (``portcullis._plumbing.durations``) and the settings that read it."""

from __future__ import annotations

import math

import pytest

from portcullis._plumbing.durations import GRAMMAR, format_duration, is_duration_text, parse_duration
from portcullis.approvals.settings import parse_approval_settings
from portcullis.audit.options import parse_audit_options
from portcullis.audit.when import parse_instant
from portcullis.catalog.catalog import CatalogOptions
from portcullis.errors import ConfigError
from portcullis.limits.window import parse_window


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("2w", 1209600.0),
        ("250ms", 0.25),
        ("second", 1.0),
        ("minute", 60.0),
        ("hour", 3600.0),
        ("day", 86400.0),
        ("Minute", 60.0),
        ("10 minutes", 600.0),
        ("1.5h", 5400.0),
        (" 45s ", 45.0),
        ("90", 90.0),
        (90, 90.0),
        (0.5, 0.5),
        (0, 0.0),
    ],
)
def test_the_grammar(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "bad", ["", "s", "m", "5x", "five minutes", "-5s", -1, True, None, [5], math.inf, math.nan, "1e3s", "5m30s"]
)
def test_anything_else_is_refused_showing_the_grammar(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(bad)
    assert GRAMMAR in str(info.value) or "negative" in str(info.value), info.value


def test_format_and_recognise() -> None:
    assert [format_duration(s) for s in (90, 300, 3600, 86400, 172800, 0.5)] == ["90s", "5m", "1h", "1d", "2d", "0.5s"]
    assert is_duration_text("2h") and not is_duration_text("2026-07-05")


def test_policy_windows_read_the_grammar() -> None:
    assert parse_window("5m") == (300.0, False, "5m")
    assert parse_window("minute") == parse_window("1m") == parse_window(60) == (60.0, False, "minute")
    # A window of exactly one day is the calendar day, however it is written.
    assert (
        parse_window("day")
        == parse_window("1d")
        == parse_window("24h")
        == parse_window(86400)
        == (86400.0, True, "day")
    )
    assert parse_window("0s") == "window must be longer than 0, got '0s'"
    assert parse_window("fortnight") == f"not a duration: 'fortnight' ({GRAMMAR})"


def test_every_settings_section_reads_the_grammar() -> None:
    approvals = parse_approval_settings({"timeout": "30s", "ttl": "2h", "deny_hold": "minute", "progress_interval": 2})
    assert (approvals.timeout, approvals.ttl, approvals.deny_hold, approvals.progress_interval) == (
        30.0,
        7200.0,
        60.0,
        2.0,
    )
    catalog = CatalogOptions.from_config({"refresh_interval": "5m", "pin_poll_interval": "2s"})
    assert (catalog.refresh_interval, catalog.pin_poll_interval) == (300.0, 2.0)
    assert CatalogOptions.from_config({"refresh_interval": 0}).refresh_interval == 0.0  # never
    assert parse_audit_options({"retention_days": "12h"}).retention_days == 0.5
    assert parse_audit_options({"retention_days": 90}).retention_days == 90.0  # a bare number stays days
    assert parse_instant("5m", 1000.0) == 700.0
    for bad in ({"refresh_interval": "often"}, {"pin_poll_interval": -1}):
        with pytest.raises(ConfigError):
            CatalogOptions.from_config(bad)
