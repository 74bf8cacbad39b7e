"""Read a file of MCP tool definitions: a JSON list of tools, a ``tools/list`` result, or a JSON-RPC reply.

JSON goes through orjson (catalogues can be megabytes); anything else is parsed as YAML by
``config.source`` so a syntax error is reported with its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from portcullis.config.source import parse_document, unreadable
from portcullis.errors import ConfigError, Problem

__all__ = ["load_tool_file", "tools_from_document"]


def tools_from_document(data: Any, file: str) -> list[dict[str, Any]]:
    """The tool definitions in a parsed document; every malformed entry is a ``Problem``."""
    path = "$"
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        data, path = data["result"], "$.result"
    if isinstance(data, dict) and "tools" in data:
        data, path = data["tools"], f"{path}.tools"
    if not isinstance(data, list):
        raise ConfigError([Problem(file, path, 'expected a list of MCP tools or a tools/list result {"tools": [...]}')])
    problems: list[Problem] = []
    tools: list[dict[str, Any]] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            problems.append(Problem(file, f"{path}[{i}]", "each tool must be a map with a non-empty 'name'"))
            continue
        tools.append(item)
    if problems:
        raise ConfigError(problems)
    return tools


def load_tool_file(path: Path) -> list[dict[str, Any]]:
    """Read ``path`` and return its tool definitions."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "$", "file not found")]) from None
    except OSError as exc:
        raise ConfigError([Problem(str(path), "$", f"cannot read file: {unreadable(exc)}")]) from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = parse_document(raw.decode("utf-8", errors="replace"), str(path)).data
    return tools_from_document(data, str(path))
