"""Read a YAML or JSON document and remember the line of every key, for error messages.

PyYAML's composer gives every node a start mark; we walk the node tree once and record
``JSON path → line`` (the line of the key, for a map entry) so a validator can say
``portcullis.yaml:12: $.servers.git.command: …``. A file named ``*.json`` is JSON and nothing else:
it is parsed by a JSON parser (a trailing comma or a comment is an error, with its line and column;
``1e3`` is a number), and YAML only supplies the lines. YAML files keep YAML's leniency.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portcullis.errors import ConfigError, Problem

__all__ = ["Document", "expand_env", "join_path", "line_of", "parse_document", "read_document"]

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Document:
    """A parsed file: its data and where each value came from."""

    file: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        found = line_of(self.lines, path)
        return found if found is not None else self.lines.get("$")

    def problem(self, path: str, message: str) -> Problem:
        return Problem(self.file, path, message, self.line(path))


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of JSON ``path`` in ``lines``, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return None
        path = path[:cut]
    return None


def join_path(base: str, key: str | int) -> str:
    """``$.a`` + ``b`` → ``$.a.b``; keys that are not identifiers are quoted."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", key):
        return f"{base}.{key}"
    return f"{base}[{key!r}]"


def _walk(node: yaml.Node, path: str, lines: dict[str, int], line: int | None = None) -> Any:
    lines[path] = line if line is not None else node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            out[key] = _walk(value_node, join_path(path, str(key)), lines, key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, join_path(path, i), lines) for i, child in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _strict_json(text: str, file: str) -> Any:
    """``text`` parsed as JSON (RFC 8259); a syntax error is a ``ConfigError`` saying where and what."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        before = text[:exc.pos].rstrip()
        line, column = exc.lineno, exc.colno
        if before.endswith(",") and text[exc.pos:exc.pos + 1] in ("}", "]"):
            comma = len(before) - 1  # point at the comma, not at the bracket after it
            line, column = text.count("\n", 0, comma) + 1, comma - text.rfind("\n", 0, comma)
            what = f"a trailing comma before '{text[exc.pos]}'"
        else:
            what = exc.msg[0].lower() + exc.msg[1:]
        message = (f"not valid JSON: {what} (line {line}, column {column}); JSON allows no trailing "
                   "commas or comments: fix it, or write the file as YAML (.yaml) for that leniency")
        raise ConfigError([Problem(file, "$", message, line)]) from None


def parse_document(text: str, file: str) -> Document:
    """Parse YAML or JSON text (strict JSON for ``*.json``); a syntax error becomes a ``ConfigError`` with its line."""
    if file.lower().endswith(".json") and text.strip():
        data = _strict_json(text, file)
        lines: dict[str, int] = {"$": 1}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None  # valid JSON that YAML cannot read: the data stands, without lines
        if node is not None:
            _walk(node, "$", lines)
        return Document(file, data, lines)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([Problem(file, "$", f"not valid YAML/JSON: {exc.problem}", line)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(file, "$", f"not valid YAML/JSON: {exc}")]) from None
    if node is None:
        return Document(file, None, {"$": 1})
    lines = {}
    data = _walk(node, "$", lines)
    return Document(file, data, lines)


def read_document(path: Path) -> Document:
    """Read and parse a file; a missing or unreadable file is a ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "$", "file not found")]) from None
    except OSError as exc:
        raise ConfigError([Problem(str(path), "$", f"cannot read file: {exc.strerror}")]) from None
    return parse_document(text, str(path))


def expand_env(value: str, path: str, doc: Document, problems: list[Problem]) -> str:
    """Expand ``${VAR}`` (and ``${VAR:-default}``) from the environment; a missing one is a problem."""

    def repl(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        got = os.environ.get(name)
        if got is not None:
            return got
        if default is not None:
            return default
        problems.append(doc.problem(path, f"environment variable ${{{name}}} is not set"))
        return ""

    return _ENV_RE.sub(repl, value)
