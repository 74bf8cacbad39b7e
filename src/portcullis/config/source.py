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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portcullis._plumbing.sections import join_path
from portcullis.errors import ConfigError, Problem

__all__ = [
    "Document",
    "expand_env",
    "join_path",
    "line_of",
    "parse_document",
    "read_document",
    "unreadable",
    "unset_variables",
]

_UNSET = "environment variable ${{{}}} is not set"  # the problem of a ${VAR} that is not set
_UNSET_RE = re.compile(r"environment variable \$\{(\w+)\} is not set")  # and the name read back from it
_REFERENCE_RE = re.compile(r"\$\{(?:file:(?P<file>[^}]+)|([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)\}")


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
    try:
        return yaml.safe_load(yaml.serialize(node))
    except yaml.MarkedYAMLError as exc:  # say where the value is, not where its copy was read
        raise yaml.MarkedYAMLError(problem=exc.problem, problem_mark=node.start_mark) from None


def _strict_json(text: str, file: str) -> Any:
    """``text`` parsed as JSON (RFC 8259); a syntax error is a ``ConfigError`` saying where and what."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        before = text[: exc.pos].rstrip()
        line, column = exc.lineno, exc.colno
        if before.endswith(",") and text[exc.pos : exc.pos + 1] in ("}", "]"):
            comma = len(before) - 1  # point at the comma, not at the bracket after it
            line, column = text.count("\n", 0, comma) + 1, comma - text.rfind("\n", 0, comma)
            what = f"a trailing comma before '{text[exc.pos]}'"
        else:
            what = exc.msg[0].lower() + exc.msg[1:]
        message = (
            f"not valid JSON: {what} (line {line}, column {column}); JSON allows no trailing "
            "commas or comments: fix it, or write the file as YAML (.yaml) for that leniency"
        )
        raise ConfigError([Problem(file, "$", message, line)]) from None


def _at(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """A YAML syntax error located where the problem is, not where the parser gave up.

    YAML gives the problem mark (where it noticed) and often a context mark (where the construct it
    was reading began). When the problem is only noticed at the end of the file (an unclosed ``[``,
    ``{`` or quote), the context mark is where to look, so the problem is reported on its line (or on
    the last line with content, when that mark too is at the end). The message gives both marks.
    """
    problem, context = exc.problem_mark, exc.context_mark
    at_end = problem is None or not text[problem.index :].strip()
    where = context if at_end and context is not None else problem
    parts = [f"not valid YAML/JSON: {exc.problem or exc.context or 'syntax error'}"]
    if problem is not None:
        parts.append(f" at {_at(problem)}{' (the end of the file)' if at_end else ''}")
    if exc.context and context is not None:
        parts.append(f", {exc.context} that starts at {_at(context)}")
        if at_end and context is not problem and context.index < len(text.rstrip()):
            parts.append(": look there for a bracket or quote that is never closed")
    if "mapping values are not allowed" in str(exc.problem):  # 'url: http://h/?prefix=a:' or 'reason: no: never'
        parts.append(
            ": a value that holds ': ' or ends with ':' must be quoted, e.g. "
            'store: "redis://127.0.0.1:6379/0?prefix=team-a:"'
        )
    if where is None:
        return Problem(file, "$", "".join(parts))
    line = where.line + 1
    if not text[where.index :].strip():  # both marks at the end: the last line with content is nearer
        line = text[: where.index].rstrip().count("\n") + 1
    return Problem(file, "$", "".join(parts), line)


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
            try:
                _walk(node, "$", lines)
            except yaml.YAMLError:
                lines = {"$": 1}  # the data stands (it is valid JSON), without lines
        return Document(file, data, lines)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_yaml_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(file, "$", f"not valid YAML/JSON: {exc}")]) from None
    if node is None:
        return Document(file, None, {"$": 1})
    lines = {}
    try:
        data = _walk(node, "$", lines)
    except yaml.MarkedYAMLError as exc:  # a value YAML parses but cannot build (a stray '=', an unknown tag)
        raise ConfigError([_yaml_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(file, "$", f"not valid YAML/JSON: {exc}")]) from None
    return Document(file, data, lines)


def unreadable(exc: OSError) -> str:
    """Why a file could not be read, and what to do (a folder named as a file; a file the user lacks rights to)."""
    if isinstance(exc, IsADirectoryError):
        return "it is a folder: name the file itself"
    if isinstance(exc, PermissionError):
        return "permission denied: make it readable by the user portcullis runs as"
    return f"{exc.strerror or exc}: check the path"


def read_document(path: Path) -> Document:
    """Read and parse a file; a missing or unreadable file is a ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "$", "file not found")]) from None
    except OSError as exc:
        raise ConfigError([Problem(str(path), "$", f"cannot read file: {unreadable(exc)}")]) from None
    return parse_document(text, str(path))


def _file_reference(reference: str, path: str, doc: Document, problems: list[Problem]) -> str:
    """``${file:PATH}``: the file's text without its trailing line break (relative to the config's folder)."""
    name = Path(reference).expanduser()
    if not name.is_absolute():
        name = Path(doc.file).parent / name
    try:
        return name.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        problems.append(doc.problem(path, f"${{file:{reference}}} cannot be read: {unreadable(exc)}"))
        return ""


def expand_env(value: str, path: str, doc: Document, problems: list[Problem]) -> str:
    """Expand ``${VAR}`` (and ``${VAR:-default}``) from the environment, and ``${file:PATH}`` from a file
    (a secret mounted by the platform); a missing variable or an unreadable file is a problem."""

    def repl(m: re.Match[str]) -> str:
        if m.group("file") is not None:  # one pass: a file's text is never expanded again
            return _file_reference(m.group("file"), path, doc, problems)
        name, default = m.group(2), m.group(3)
        got = os.environ.get(name)
        if got is not None:
            return got
        if default is not None:
            return default
        problems.append(doc.problem(path, _UNSET.format(name)))
        return ""

    if "${" not in value:
        return value
    leftover = _REFERENCE_RE.sub("", value)
    if "${" in leftover:  # '${NAME' never closed, '${NAME:default}', '${1X}': a typo, never meant literally
        start = leftover.index("${")
        end = leftover.find("}", start)
        shown = leftover[start : end + 1 if end != -1 and end - start < 60 else start + 60]
        problems.append(
            doc.problem(
                path,
                f"'{shown}' is not a reference this config understands: write ${{VAR}}, ${{VAR:-default}} "
                "(a variable of the environment) or ${file:PATH} (a file's text)",
            )
        )
    return _REFERENCE_RE.sub(repl, value)


def unset_variables(problems: Iterable[Problem]) -> list[str]:
    """The environment variables that ``problems`` say are not set, sorted, each once."""
    return sorted({m.group(1) for p in problems if (m := _UNSET_RE.search(p.message))})
