"""``tools show`` says what its recommended policy entry means, in words (``{}`` alone told a newcomer nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.render import entry_meaning


@pytest.mark.parametrize(
    ("entry", "meaning"),
    [
        ({}, "allowed, no limit"),
        (
            {"limits": [{"counter": "c", "window": "minute", "max": 30, "scope": "grant"}]},
            "allowed, at most 30 calls a minute per agent key",
        ),
        (
            {"limits": [{"counter": "c", "window": "30s", "max": 5, "scope": "session"}]},
            "allowed, at most 5 calls per 30s per session",
        ),
        ({"action": "require_approval", "reason": "Runs code"}, "each call waits for a person's approval"),
        ({"action": "deny"}, "denied"),
        (
            {"deny_if": [{"conditions": []}], "limits": [{"window": "hour", "max": 2, "scope": "global"}]},
            "allowed, some argument values are denied, at most 2 calls an hour per gateway",
        ),
    ],
)
def test_a_recommended_entry_in_words(entry: dict[str, Any], meaning: str) -> None:
    assert entry_meaning(entry) == meaning
