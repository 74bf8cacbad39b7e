"""SECURITY.md maps each OWASP MCP Top 10 item to tests: every item is there, and every test it names exists."""

from __future__ import annotations

import re

from tests.harness import ROOT

TEXT = (ROOT / "SECURITY.md").read_text()


def test_every_owasp_mcp_item_has_a_section() -> None:
    for n in range(1, 11):
        assert f"### MCP{n:02d}:2025" in TEXT


def test_every_test_named_exists() -> None:
    named: list[tuple[str, str]] = []
    current = ""
    for match in re.finditer(r"`(tests/[\w/]+\.py)?::(test_\w+)", TEXT):
        current = match.group(1) or current
        named.append((current, match.group(2)))
    assert len(named) > 30
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^(async )?def {name}\(", (ROOT / path).read_text(), re.MULTILINE)
    ]
    assert not missing, missing
