"""Fixtures for the catalogue tests: the tool fixtures copied from real servers (see PROVENANCE.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalogues"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def reference_tools() -> list[dict[str, Any]]:
    return list(load_fixture("mcp-reference-servers-tools.json"))


@pytest.fixture(scope="session")
def stripe_tools() -> list[dict[str, Any]]:
    return list(load_fixture("stripe-agent-toolkit-tools.json"))


@pytest.fixture(scope="session")
def sperax_tools() -> list[dict[str, Any]]:
    return list(load_fixture("sperax-tools.json"))
