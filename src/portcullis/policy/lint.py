"""Warnings about a valid policy that may not do what its author meant (``portcullis policy check``).

Numeric rules: a condition that compares numbers (``gt 1000``, ``eq 5``, ``in [1, 2]``) or a limit's
``cost: args.amount`` needs the argument as a JSON number, and the gateway refuses a call that sends
it any other way (``"5000"``). When neither the entry's ``args`` schema nor the schema of a tool the
entry names gives that argument a number type, the rule is worth a second look: the server may take
the amount as text, so honest calls would be refused, or the rule was written for another argument.

Pure: the tool definitions are passed in (the approved ones, read from the pin store by the CLI).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from portcullis.policy.conditions import is_numeric_condition
from portcullis.policy.glob import Selector
from portcullis.policy.model import PolicyModel, ToolRule

__all__ = ["PolicyWarning", "declares_number", "numeric_warnings"]

ToolKey = tuple[str, str]  # (server, tool)


@dataclass(frozen=True)
class PolicyWarning:
    """Something to look at: ``location`` is the JSON path in the policy file."""

    location: str
    message: str


def declares_number(schema: Any, path: tuple[str, ...]) -> bool:
    """Whether JSON Schema ``schema`` gives the argument at ``path`` the type number or integer."""
    node = schema
    for part in path:
        if not isinstance(node, Mapping):
            return False
        properties = node.get("properties")
        if isinstance(properties, Mapping) and part in properties:
            node = properties[part]
        elif part.isdigit() and isinstance(node.get("items"), Mapping):
            node = node["items"]
        else:
            return False
    if not isinstance(node, Mapping):
        return False
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return bool(kinds) and all(k in ("number", "integer") for k in kinds)


def _matches(selector: Selector, key: ToolKey) -> bool:
    server, tool = key
    if selector.server is not None and not fnmatchcase(server, selector.server.replace("[", "[[]")):
        return False
    return fnmatchcase(tool, selector.tool.replace("[", "[[]"))


def _numeric_arguments(rule: ToolRule) -> Iterable[tuple[tuple[str, ...], str]]:
    for condition in rule.require:
        if is_numeric_condition(condition.op, condition.value):
            yield condition.path, condition.location
    for deny in rule.deny_if:
        for condition in deny.conditions:
            if is_numeric_condition(condition.op, condition.value):
                yield condition.path, condition.location
    for limit in rule.limits:
        if limit.cost is not None:
            yield limit.cost, f"{limit.location}.cost"


def numeric_warnings(model: PolicyModel, tools: Mapping[ToolKey, Mapping[str, Any]] | None) -> list[PolicyWarning]:
    """A warning for each numeric rule whose argument has no number type in the entry's ``args`` or in the
    ``inputSchema`` of every tool it names. ``tools`` maps (server, tool) to a definition; None: unknown."""
    rules = list(model.rules) + ([model.all_tools] if model.all_tools is not None else [])
    out: list[PolicyWarning] = []
    for rule in rules:
        if rule.action == "deny":
            continue
        named = {k: t for k, t in (tools or {}).items() if _matches(rule.selector, k)}
        for path, location in _numeric_arguments(rule):
            if declares_number(rule.args_schema, path):
                continue
            argument = ".".join(path)
            lacking = sorted(
                f"{s}__{t}" for (s, t), d in named.items() if not declares_number(d.get("inputSchema"), path)
            )
            if named and not lacking:
                continue
            if lacking:
                shown = ", ".join(lacking[:3]) + (f" and {len(lacking) - 3} more" if len(lacking) > 3 else "")
                where = f"the inputSchema of {shown}"
            elif tools is None:
                where = "any tool definition (none known here: approve the tools first, or pass -c CONFIG)"
            else:
                where = "the definition of any approved tool it names"
            message = (
                f"argument '{argument}' is compared as a number, but neither this entry's 'args' nor "
                f'{where} gives it a number type; a call that sends it as text ("5000") is denied. Add '
                f"{{\"type\": \"number\"}} for '{argument}' to 'args' if that is what you mean"
            )
            out.append(PolicyWarning(location, message))
    return out
