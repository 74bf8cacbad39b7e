"""The policy builder's edits: set one rule on a selection of tools in a draft, as a person would by hand.

A draft is policy text; an edit parses it, changes ``tools`` (or ``hide``) for each selected tool and
writes it back as JSON. Values are passed through as typed (a limit's ``max`` of ``"ten"`` stays text),
so the checker, not the builder, says what is wrong, in the words of ``portcullis policy check``.

A ``RuleEdit`` says what the selected tools get: ``allow``, ``deny`` (with a reason), ``hide``,
``require_approval`` (with a reason), or ``remove`` (no entry: the default decides); optionally a limit
(``counter``, ``window``, ``max``, ``scope``) and an argument rule (``deny_if`` one condition on
``args.<path>`` with its message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
import yaml

__all__ = ["ACTIONS", "OPS", "DraftError", "RuleEdit", "apply_edit", "draft_data", "merge_entries"]

ACTIONS = ("allow", "deny", "require_approval", "hide", "remove")
OPS = ("eq", "neq", "in", "not_in", "lt", "lte", "gt", "gte", "regex", "contains", "exists")


class DraftError(ValueError):
    """The draft text cannot be edited (it does not parse as a JSON or YAML mapping)."""


@dataclass(frozen=True)
class RuleEdit:
    action: str = "allow"
    reason: str = ""
    limit_max: str = ""
    limit_window: str = "minute"
    limit_scope: str = "grant"
    limit_counter: str = ""
    arg_path: str = ""
    arg_op: str = "eq"
    arg_value: str = ""
    arg_message: str = ""

    @classmethod
    def of(cls, fields: dict[str, Any]) -> RuleEdit:
        return cls(**{k: str(fields.get(k) or "").strip() or getattr(cls, k) for k in cls.__dataclass_fields__})


def draft_data(text: str) -> dict[str, Any]:
    """The draft as data; an empty draft is an empty default-deny policy."""
    if not text.strip():
        return {"version": "1", "default": "deny", "tools": {}}
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DraftError(f"the draft is neither JSON nor YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DraftError("the draft must be a JSON object (a mapping)")
    return data


def _typed(text: str) -> Any:
    """A value as typed: a number or JSON literal when it reads as one, else the text."""
    if re.fullmatch(r"-?\d+(\.\d+)?|true|false|null|\[.*\]|\{.*\}", text.strip()):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    return text


def _entry(edit: RuleEdit, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if edit.action in ("deny", "require_approval"):
        entry["action"] = edit.action
        if edit.reason:
            entry["reason"] = edit.reason
    if edit.limit_max:
        entry["limits"] = [
            {
                "counter": edit.limit_counter or name,
                "window": _typed(edit.limit_window),
                "max": _typed(edit.limit_max),
                "scope": edit.limit_scope,
            }
        ]
    if edit.arg_path:
        path = edit.arg_path if edit.arg_path.startswith("args.") else f"args.{edit.arg_path}"
        condition: dict[str, Any] = {"path": path, "op": edit.arg_op}
        if edit.arg_op != "exists":
            condition["value"] = _typed(edit.arg_value)
        rule: dict[str, Any] = {"conditions": [condition]}
        if edit.arg_message:
            rule["on_deny"] = edit.arg_message
        entry["deny_if"] = [rule]
    return entry


def apply_edit(text: str, names: list[str], edit: RuleEdit) -> str:
    """The draft with ``edit`` applied to each tool of ``names`` (``server__tool``), as indented JSON.
    Raises ``DraftError`` when no tool is named or the draft does not parse."""
    if not names:
        raise DraftError("select at least one tool first (the rule is set on the tools picked)")
    data = draft_data(text)
    tools = data.get("tools")
    if not isinstance(tools, dict):
        tools = data["tools"] = {}
    hide = data.get("hide")
    hidden = list(hide) if isinstance(hide, list) else []
    for name in names:
        hidden = [h for h in hidden if h != name]
        if edit.action in ("hide", "remove"):
            tools.pop(name, None)
            if edit.action == "hide":
                hidden.append(name)
        else:
            tools[name] = _entry(edit, name)  # in place: the diff shows only what changed
    if hidden:
        data["hide"] = hidden
    else:
        data.pop("hide", None)
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"


def merge_entries(text: str, entries: dict[str, dict[str, Any]]) -> str:
    """The draft with these ``tools`` entries set (each replacing the tool's entry, if any)."""
    data = draft_data(text)
    tools = data.get("tools")
    if not isinstance(tools, dict):
        tools = data["tools"] = {}
    tools.update(entries)
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
