"""The 2026-07-28 HTTP transport's headers, checked against the request body before anything else reads it.

A modern POST carries ``MCP-Protocol-Version``, ``Mcp-Method`` and (for a named request) ``Mcp-Name``,
which must equal what the body says (HEADER_MISMATCH otherwise); its ``_meta`` carries the protocol version and
the client capabilities. ``is_modern_request`` tells such a request from a legacy one.
"""

from __future__ import annotations

from typing import Any

from portcullis.protocol import (
    CLIENT_CAPABILITIES_KEY,
    HEADER_MISMATCH,
    INVALID_PARAMS,
    LEGACY_VERSIONS,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    is_modern,
)
from portcullis.protocol.headers import decode_header_value

__all__ = ["check_modern", "is_modern_request"]

_NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}

Problem = tuple[int, int, str, Any]  # HTTP status, JSON-RPC code, message, data


def is_modern_request(headers: dict[bytes, bytes], method: Any, meta_version: Any) -> bool:
    """A 2026-07-28 request: its ``_meta`` names a protocol version, or its header names a modern one
    (and it is neither in a legacy session nor an ``initialize``)."""
    header_version = headers.get(b"mcp-protocol-version")
    return meta_version is not None or (
        header_version is not None
        and headers.get(b"mcp-session-id") is None
        and method != "initialize"
        and header_version.decode("latin-1").strip() not in LEGACY_VERSIONS
    )


def check_modern(
    headers: dict[bytes, bytes], method: Any, params: dict[str, Any] | None, version: Any
) -> Problem | None:
    """What is wrong with a modern request's version, headers and ``_meta`` (``None``: nothing)."""
    if version is None:
        text = (
            "Invalid params: missing _meta['io.modelcontextprotocol/protocolVersion'] (every 2026-07-28 "
            "request carries it; legacy clients send initialize first)"
        )
        return 400, INVALID_PARAMS, text, None
    header_version = headers.get(b"mcp-protocol-version")
    if header_version is None or header_version.decode("latin-1").strip() != version:
        text = "Header mismatch: MCP-Protocol-Version must equal the _meta protocol version"
        return 400, HEADER_MISMATCH, text, None
    if version not in SUPPORTED_VERSIONS or not is_modern(str(version)):
        return (
            400,
            UNSUPPORTED_PROTOCOL_VERSION,
            f"Unsupported protocol version: {version}",
            {"supported": list(SUPPORTED_VERSIONS), "requested": version},
        )
    header_method = headers.get(b"mcp-method")
    if header_method is None or header_method.decode("latin-1").strip() != method:
        return 400, HEADER_MISMATCH, "Header mismatch: Mcp-Method must equal the request's method", None
    field = _NAMED.get(str(method))
    if field is not None:
        value = params.get(field) if params else None
        header_name = headers.get(b"mcp-name")
        if header_name is None or decode_header_value(header_name.decode("utf-8", "replace")) != value:
            return 400, HEADER_MISMATCH, f"Header mismatch: Mcp-Name must equal params.{field}", None
    meta = params.get("_meta") if params else None
    if not isinstance(meta, dict) or not isinstance(meta.get(CLIENT_CAPABILITIES_KEY), dict):
        text = "Invalid params: missing _meta['io.modelcontextprotocol/clientCapabilities']"
        return 400, INVALID_PARAMS, text, None
    return None
