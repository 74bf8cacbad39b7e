"""The policy as a living file: written once by ``init``, pointed at by the config, grown by ``recommend --merge``.

- ``write_policy`` writes a policy document (JSON, two-space indent) to a file or stdout.
- ``point_config_at`` makes sure the gateway will use the policy ``init`` wrote: it adds ``policy:``
  to a YAML config that has none (and checks the result still loads), or says exactly which line to
  add when it cannot edit the file safely (JSON, or a layout it does not recognise).
- ``merge_policy`` adds an entry for every tool the policy does not name yet, leaving every existing
  entry as it is — text and layout included: the new entries are inserted at the end of the ``tools``
  object of the JSON text — writes the file and returns the unified diff of what changed.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from portcullis.catalog.classify import Classification
from portcullis.catalog.recommend import merge_recommendations
from portcullis.config import GatewayConfig, load_config
from portcullis.config.source import read_document
from portcullis.errors import ConfigError, PortcullisError
from portcullis.policy import read_policy

__all__ = ["merge_policy", "point_config_at", "policy_text", "write_policy"]


def policy_text(policy: dict[str, Any]) -> str:
    """A policy document as the files ``init`` and ``recommend`` write it."""
    return (orjson.dumps(policy, option=orjson.OPT_INDENT_2) + b"\n").decode()


def write_policy(policy: dict[str, Any], output: Path | None) -> None:
    """Write ``policy`` to ``output`` (stdout when None)."""
    import sys

    if output is None:
        sys.stdout.write(policy_text(policy))
        return
    output.write_text(policy_text(policy), encoding="utf-8")


def _written(config: GatewayConfig, policy_path: Path) -> str:
    """How the config should name ``policy_path``: relative to the config's folder when it is inside it."""
    relative = os.path.relpath(policy_path, config.base_dir)
    return str(policy_path) if relative.startswith("..") else relative


def point_config_at(config: GatewayConfig, policy_path: Path) -> list[str]:
    """Make the top-level ``policy:`` of the config file name ``policy_path``; lines that say what was done
    (or exactly what the operator must add), and which grants still have no policy of their own."""
    notes: list[str] = []
    path = config.path
    if path is not None and config.policy is None:
        value = _written(config, policy_path)
        line = f"policy: {orjson.dumps(value).decode()}"
        original = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json" or original.lstrip().startswith(("{", "[")):
            notes.append(
                f"{path} has no 'policy:': add  \"policy\": {orjson.dumps(value).decode()},  to its "
                "top-level object so the gateway uses this policy"
            )
        else:
            path.write_text(
                original + ("" if original.endswith("\n") or not original else "\n") + line + "\n", encoding="utf-8"
            )
            try:
                ok = load_config(path).policy == value
            except ConfigError:
                ok = False
            if ok:
                notes.append(f"set '{line}' in {path}")
            else:
                path.write_text(original, encoding="utf-8")
                notes.append(
                    f"{path} has no 'policy:': add the line  {line}  at its top level so the gateway uses this policy"
                )
    for grant in config.grants:
        if not grant.policy:
            notes.append(
                f"grant '{grant.name}' has no policy, so its calls are all denied: add  policy: "
                f"{_written(config, policy_path)}  under it in {path or 'the config'}"
            )
    return notes


def merge_policy(path: Path, tools: Iterable[tuple[str, Classification]], *, prefix: bool) -> tuple[list[str], str]:
    """Add recommended entries for the tools ``path`` does not name yet; the keys added and the diff.

    Only JSON policies are edited (a YAML file's comments would not survive a rewrite): for a YAML
    policy the error shows the entries to add by hand.
    """
    model = read_policy(path)  # an invalid policy is refused with every problem
    document = read_document(path).data
    if not isinstance(document, dict):
        raise PortcullisError(f"{path} is not a policy object")
    merged, added = merge_recommendations(document, model, tools, prefix=prefix)
    if not added:
        return [], ""
    before = path.read_text(encoding="utf-8")
    after = policy_text(merged)
    if path.suffix.lower() in (".yaml", ".yml") or not before.lstrip().startswith("{"):
        snippet = policy_text({key: merged["tools"][key] for key in added})
        raise PortcullisError(
            f"{path} is YAML, which --merge does not rewrite (its comments would be lost); "
            f"add these entries under 'tools:' by hand:\n{snippet}",
            "or keep the policy in JSON",
        )
    after = _inserted(before, {key: merged["tools"][key] for key in added}, merged) or after
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{path} (before)",
            tofile=f"{path} (merged)",
        )
    )
    path.write_text(after, encoding="utf-8")
    return added, diff


def _closing_brace(text: str, start: int) -> int:
    """The index of the ``}`` that closes the object opened at ``text[start]``."""
    depth, index, in_string = 0, start, False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("unbalanced JSON text")


def _tools_object(text: str) -> int | None:
    """Where the top-level ``"tools": {`` object opens in a policy's JSON text, if it has one."""
    decoder = json.JSONDecoder()
    index = text.index("{") + 1
    while True:
        while text[index] in " \t\r\n,":
            index += 1
        if text[index] == "}":
            return None
        key, index = decoder.raw_decode(text, index)
        while text[index] in " \t\r\n:":
            index += 1
        if key == "tools" and text[index] == "{":
            return index
        _, index = decoder.raw_decode(text, index)


def _inserted(text: str, entries: dict[str, Any], merged: dict[str, Any]) -> str | None:
    """``text`` with ``entries`` written at the end of its ``tools`` object, every other byte as it was; None
    when the text is laid out in a way this cannot follow (the caller then rewrites the whole document)."""
    try:
        opening = _tools_object(text)
        if opening is None:
            return None
        closing = _closing_brace(text, opening)
        line_start = text.rfind("\n", 0, opening) + 1
        indent = " " * (len(text[line_start:opening]) - len(text[line_start:opening].lstrip()) + 2)
        body = policy_text(entries).strip()[1:-1].strip("\n")  # "key": {...} lines, indented by two
        body = "\n".join(indent + line[2:] if line.startswith("  ") else line for line in body.splitlines())
        last = len(text[:closing].rstrip())
        empty = text[opening + 1 : closing].strip() == ""
        out = text[:last] + ("" if empty else ",") + "\n" + body + "\n" + indent[:-2] + text[closing:]
        return out if json.loads(out) == merged else None
    except (ValueError, IndexError):
        return None
