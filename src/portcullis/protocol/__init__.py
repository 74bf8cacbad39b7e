"""The hand-rolled MCP protocol, one package used by both sides of the gateway.

The downstream side (the gateway's fronts, sessions, routing and call pipeline) and the upstream
side (transports and sessions to servers) both import it; it imports neither of them.

- ``constants``: versions, eras, ``_meta`` keys and every JSON-RPC error code;
- ``messages``: request, notification, result and error builders;
- ``errors``: ``JsonRpcError``, the one JSON-RPC error type;
- ``meta``: era detection and ``_meta`` handling for requests coming in and going out;
- ``headers``: MCP header encoding (``Mcp-Name``, ``Mcp-Param-*``);
- ``validate``: cheap structural checks of upstream answers;
- ``eras``: results in the shape each client's era expects;
- ``bridge``: a forwarded request's progress, logs and server→client questions, across eras.

The names of ``constants``, ``messages`` and ``errors`` are re-exported here.
"""

from __future__ import annotations

from portcullis.protocol.constants import (
    CLIENT_CAPABILITIES_KEY,
    CLIENT_INFO_KEY,
    CLIENT_NO_ANSWER,
    GATEWAY_INFO,
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    LATEST_LEGACY,
    LEGACY_RESOURCE_NOT_FOUND,
    LEGACY_VERSIONS,
    LOG_LEVEL_KEY,
    METHOD_NOT_FOUND,
    MISSING_CLIENT_CAPABILITY,
    MODERN_VERSION,
    PARSE_ERROR,
    PROTOCOL_VERSION_KEY,
    REQUEST_CANCELLED,
    RESERVED_META_PREFIX,
    SERVER_INFO_KEY,
    SUBSCRIPTION_ID_KEY,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    UPSTREAM_TIMEOUT,
    UPSTREAM_UNAVAILABLE,
    is_modern,
)
from portcullis.protocol.errors import JsonRpcError
from portcullis.protocol.messages import (
    Message,
    Sender,
    error_object,
    error_response,
    notification,
    reply_error,
    request,
    result_response,
)

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
    "JsonRpcError",
    "Message",
    "Sender",
    "error_object",
    "error_response",
    "is_modern",
    "notification",
    "reply_error",
    "request",
    "result_response",
]
