"""Invented tool definitions for the classifier's tests: a name, a description and the input schema's properties,
shaped as a server lists them (``tools/list``)."""

from __future__ import annotations

from typing import Any

from portcullis.catalog.classify import classify_tool


def tool(name: str, description: str = "", properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "description": description, "inputSchema": {"type": "object", "properties": properties or {}}}


def category(name: str, description: str = "", properties: dict[str, Any] | None = None) -> str:
    """The category the classifier gives the definition."""
    return classify_tool(tool(name, description, properties)).category
