"""What agents are shown of the catalogue's tools: never text a person has not approved.

The model reads every tool description it is shown, so a description is an instruction channel
(tool poisoning, rug pulls). ``tools/list`` therefore shows, per tool of a server's current listing:

- an approved tool: as its server lists it;
- a changed tool (its definition differs from the pinned one): its approved definition, the pinned
  fields from the pin and the others as listed; calls to it stay blocked until a person re-approves it;
- a new tool waiting for approval: nothing, unless the grant's policy names it (then it is callable,
  so it is listed, with every description and title withheld until approved);
- with ``catalog: {require_approval_of_new_tools: false}`` new tools are shown as listed (the operator
  opted out of reviewing them).

Pure functions on dicts; ``Catalog.listed_tools`` applies them to a server's entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portcullis.catalog.pins import PINNED_FIELDS, Pin, definition_hash

__all__ = ["WITHHELD_DESCRIPTION", "ListedTool", "approved_view", "withheld_view"]

WITHHELD_DESCRIPTION = (
    "Not reviewed yet: this tool is new and its description is withheld until an operator "
    "approves it (portcullis tools approve {name})."
)
_SCHEMA_TEXT = frozenset({"description", "title"})
_MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class ListedTool:
    """One tool of a server's current listing, as agents may see it."""

    name: str
    shown: dict[str, Any]
    # New and not approved while approval is required: listed only to grants whose policy names it,
    # and then through ``withheld_view``.
    awaiting_approval: bool = False


def approved_view(tool: dict[str, Any], pin: Pin | None) -> dict[str, Any]:
    """``tool`` with its pinned fields as approved, when its definition differs from ``pin``."""
    if pin is None or definition_hash(tool) == pin.hash:
        return tool
    shown = {k: v for k, v in tool.items() if k not in PINNED_FIELDS}
    shown.update(pin.definition)
    return shown


def _without_text(schema: Any, depth: int = 0) -> Any:
    """A JSON Schema with every ``description`` and ``title`` removed, at any depth."""
    if depth > _MAX_DEPTH:
        return {}
    if isinstance(schema, Mapping):
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _SCHEMA_TEXT and isinstance(value, str):
                continue
            if key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, Mapping):
                out[key] = {name: _without_text(sub, depth + 1) for name, sub in value.items()}
            else:
                out[key] = _without_text(value, depth + 1)
        return out
    if isinstance(schema, list):
        return [_without_text(item, depth + 1) for item in schema]
    return schema


def withheld_view(exposed_name: str, tool: Mapping[str, Any]) -> dict[str, Any]:
    """A new, unreviewed tool as agents see it: its name, its schemas without any prose, a fixed description."""
    shown: dict[str, Any] = {"name": tool.get("name"), "description": WITHHELD_DESCRIPTION.format(name=exposed_name)}
    for key in ("inputSchema", "outputSchema"):
        if key in tool:
            shown[key] = _without_text(tool[key])
    annotations = tool.get("annotations")
    if isinstance(annotations, Mapping):
        shown["annotations"] = {k: v for k, v in annotations.items() if k != "title"}
    return shown
