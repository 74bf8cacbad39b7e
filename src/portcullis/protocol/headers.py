"""MCP header encoding, shared by the upstream HTTP transports and the gateway's own endpoint.

MCP 2026-07-28 carries routing values in headers (``Mcp-Name``, ``Mcp-Param-*``); a value that is
not plain visible ASCII travels as ``=?base64?…?=``. A tool's ``inputSchema`` names the arguments
mirrored as ``Mcp-Param-*`` headers with ``x-mcp-header``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "decode_header_value",
    "encode_header_value",
    "param_header_map",
    "param_headers",
]

_SAFE_HEADER = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_TYPES = ("string", "integer", "boolean")


def decode_header_value(value: str) -> str:
    """The inverse of ``encode_header_value`` (a value that is not base64-wrapped comes back as is)."""
    value = value.strip()
    if value.startswith("=?base64?") and value.endswith("?="):
        try:
            return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return value
    return value


def encode_header_value(value: str) -> str:
    """``value`` as an HTTP header value: verbatim if plain visible ASCII, else ``=?base64?…?=``."""
    if _SAFE_HEADER.fullmatch(value) and not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    return "=?base64?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def param_header_map(input_schema: Any) -> dict[tuple[str, ...], str]:
    """The ``x-mcp-header`` declarations of a tool: property path → header token.

    Only properties reached through plain ``properties`` chains whose type is string, integer or
    boolean count (the spec's rule); anything else is ignored rather than guessed at.
    """
    found: dict[tuple[str, ...], str] = {}
    stack: list[tuple[tuple[str, ...], Any]] = [((), input_schema)]
    while stack:
        path, node = stack.pop()
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or len(path) >= 16:
            continue
        for key, sub in props.items():
            if not isinstance(sub, dict):
                continue
            here = (*path, str(key))
            token = sub.get("x-mcp-header")
            if isinstance(token, str) and _TOKEN.fullmatch(token) and sub.get("type") in _HEADER_TYPES:
                found[here] = token
            stack.append((here, sub))
    return found


def param_headers(mapping: Mapping[tuple[str, ...], str], arguments: Any) -> dict[str, str]:
    """The ``Mcp-Param-*`` headers for a call's ``arguments``, by a tool's ``param_header_map``."""
    headers: dict[str, str] = {}
    for path, token in mapping.items():
        node = arguments
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, bool):
            headers[f"Mcp-Param-{token}"] = "true" if node else "false"
        elif isinstance(node, (str, int, float)):
            headers[f"Mcp-Param-{token}"] = encode_header_value(str(node))
    return headers
