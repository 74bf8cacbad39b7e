"""HTTP header helpers shared by the upstream HTTP transports and the gateway's own endpoint.

MCP 2026-07-28 carries routing values in headers (``Mcp-Name``, ``Mcp-Param-*``); a value that is
not plain visible ASCII travels as ``=?base64?…?=``. Also: how to name an upstream URL in an error
message without leaking credentials, and why a connection failed, in a person's words.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp

__all__ = [
    "DEFAULT_MAX_BODY",
    "connect_reason",
    "decode_header_value",
    "describe_url",
    "encode_header_value",
    "os_reason",
    "param_header_map",
    "param_headers",
]

DEFAULT_MAX_BODY = 16 * 1024 * 1024
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


def describe_url(url: str) -> str:
    """``url`` without credentials or query, fit for an error message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def os_reason(exc: OSError) -> str:
    """Why a socket operation failed, the same words whatever event loop raised it."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return exc.strerror or str(exc)


def connect_reason(exc: aiohttp.ClientConnectorError) -> str:
    """Why a connection could not be made, in a person's words."""
    os_error = exc.os_error
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "the host name does not resolve"
    return os_reason(os_error) if os_error is not None else str(exc)
