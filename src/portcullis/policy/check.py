"""What ``portcullis policy check`` says of a policy document, as data: shared by the CLI and the console's
policy builder (which checks every draft as it is edited), so both say the same thing in the same words.

A result is ``{"file", "ok", "problems": [{"file", "line", "path", "message"}]}`` and, for a valid policy,
``"warnings"`` (numeric rules, ``policy.lint``; keys naming no tool, ``policy.lintnames``), ``"entries"``
and ``"default"``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from portcullis.config.source import Document, parse_document
from portcullis.errors import ConfigError, Problem
from portcullis.policy.compile import compile_policy
from portcullis.policy.lint import numeric_warnings
from portcullis.policy.lintnames import unknown_name_warnings
from portcullis.policy.parse import parse_policy

__all__ = ["ToolDefs", "check_document", "check_text", "failed", "problem_of"]

ToolDefs = Mapping[tuple[str, str], Mapping[str, Any]]


def failed(file: str, exc: ConfigError) -> dict[str, Any]:
    """The result for a document that could not be read or is invalid."""
    problems = [{"file": p.file, "line": p.line, "path": p.path, "message": p.message} for p in exc.problems]
    return {"file": file, "ok": False, "problems": problems}


def problem_of(entry: Mapping[str, Any]) -> Problem:
    """A result's problem as a ``Problem`` again (for printing, or raising)."""
    return Problem(str(entry["file"]), str(entry["path"]), str(entry["message"]), entry.get("line"))


def check_document(
    doc: Document, file: str, tools: ToolDefs | None, servers: Collection[str] | None = None
) -> dict[str, Any]:
    """Validate a parsed document; ``tools`` are the approved definitions for the numeric-rule warnings
    (None: not known), and with ``servers`` (the config's) for the warnings about keys naming no tool."""
    try:
        model = parse_policy(doc)
        policy = compile_policy(model)
    except ConfigError as exc:
        return failed(file, exc)
    warnings = [
        {"file": file, "line": doc.line(w.location), "path": w.location, "message": w.message}
        for w in [*numeric_warnings(model, tools), *unknown_name_warnings(model, servers, tools)]
    ]
    return {
        "file": file,
        "ok": True,
        "problems": [],
        "warnings": warnings,
        "entries": policy.rule_count,
        "default": policy.model.default,
    }


def check_text(text: str, file: str, tools: ToolDefs | None, servers: Collection[str] | None = None) -> dict[str, Any]:
    """``check_document`` for text (a JSON or YAML syntax error is a problem like any other)."""
    try:
        doc = parse_document(text, file)
    except ConfigError as exc:
        return failed(file, exc)
    return check_document(doc, file, tools, servers)
