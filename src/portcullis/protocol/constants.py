"""MCP protocol constants shared by both sides of the gateway: versions, eras, ``_meta`` keys, error codes.

Every JSON-RPC error code the gateway sends or reads is named here; no other module spells one as a number.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CLIENT_CAPABILITIES_KEY",
    "CLIENT_INFO_KEY",
    "CLIENT_NO_ANSWER",
    "GATEWAY_INFO",
    "HEADER_MISMATCH",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "LATEST_LEGACY",
    "LEGACY_RESOURCE_NOT_FOUND",
    "LEGACY_VERSIONS",
    "LOG_LEVEL_KEY",
    "METHOD_NOT_FOUND",
    "MISSING_CLIENT_CAPABILITY",
    "MODERN_VERSION",
    "PARSE_ERROR",
    "PROTOCOL_VERSION_KEY",
    "REQUEST_CANCELLED",
    "RESERVED_META_PREFIX",
    "SERVER_INFO_KEY",
    "SUBSCRIPTION_ID_KEY",
    "SUPPORTED_VERSIONS",
    "UNSUPPORTED_PROTOCOL_VERSION",
    "UPSTREAM_TIMEOUT",
    "UPSTREAM_UNAVAILABLE",
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
CLIENT_NO_ANSWER: Final = -32001  # a client did not answer a question relayed to it in time
LEGACY_RESOURCE_NOT_FOUND: Final = -32002  # resource not found before 2026-07-28 (INVALID_PARAMS since)
RESULT_WITHHELD: Final = -32004  # screening withheld an upstream's resource or prompt (a tool's is an isError result)
REQUEST_CANCELLED: Final = -32800  # what the SDK's 2025-era HTTP transport answers a cancelled request with
HEADER_MISMATCH: Final = -32020
MISSING_CLIENT_CAPABILITY: Final = -32021
UNSUPPORTED_PROTOCOL_VERSION: Final = -32022

GATEWAY_INFO: Final = {"name": "portcullis", "title": "Portcullis MCP gateway", "version": "0.1.0"}


def is_modern(version: str | None) -> bool:
    """Whether a protocol version belongs to the modern (handshake-free) era."""
    return version is not None and version >= MODERN_VERSION
