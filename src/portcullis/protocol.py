"""MCP protocol constants shared by both sides of the gateway: versions, eras, ``_meta`` keys, error codes."""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "CLIENT_CAPABILITIES_KEY",
    "CLIENT_INFO_KEY",
    "LEGACY_VERSIONS",
    "LOG_LEVEL_KEY",
    "MODERN_VERSION",
    "PROTOCOL_VERSION_KEY",
    "SERVER_INFO_KEY",
    "SUPPORTED_VERSIONS",
    "error_response",
    "is_modern",
]

MODERN_VERSION: Final = "2026-07-28"
LEGACY_VERSIONS: Final = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
LATEST_LEGACY: Final = "2025-11-25"
SUPPORTED_VERSIONS: Final = (*LEGACY_VERSIONS, MODERN_VERSION)

PROTOCOL_VERSION_KEY: Final = "io.modelcontextprotocol/protocolVersion"
CLIENT_CAPABILITIES_KEY: Final = "io.modelcontextprotocol/clientCapabilities"
CLIENT_INFO_KEY: Final = "io.modelcontextprotocol/clientInfo"
LOG_LEVEL_KEY: Final = "io.modelcontextprotocol/logLevel"
SERVER_INFO_KEY: Final = "io.modelcontextprotocol/serverInfo"
SUBSCRIPTION_ID_KEY: Final = "io.modelcontextprotocol/subscriptionId"
RESERVED_META_PREFIX: Final = "io.modelcontextprotocol/"

# JSON-RPC and MCP error codes
PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
UPSTREAM_UNAVAILABLE: Final = -32001  # implementation-defined range -32000..-32019
UPSTREAM_TIMEOUT: Final = -32003  # the upstream timed out (-32002 is skipped: legacy resource-not-found)
REQUEST_CANCELLED: Final = -32800  # what the SDK's 2025-era HTTP transport answers a cancelled request with
HEADER_MISMATCH: Final = -32020
MISSING_CLIENT_CAPABILITY: Final = -32021
UNSUPPORTED_PROTOCOL_VERSION: Final = -32022

GATEWAY_INFO: Final = {"name": "portcullis", "title": "Portcullis MCP gateway", "version": "0.1.0"}


def is_modern(version: str | None) -> bool:
    """Whether a protocol version belongs to the modern (handshake-free) era."""
    return version is not None and version >= MODERN_VERSION


def error_response(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    """A JSON-RPC error response."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}
