"""The lifecycle methods of both eras: legacy ``initialize``, ``server/discover``, and the ``_meta`` every
2026-07-28 request carries (protocol version, client capabilities and info), read into the client session."""

from __future__ import annotations

from typing import Any

from portcullis.protocol import (
    CLIENT_CAPABILITIES_KEY,
    CLIENT_INFO_KEY,
    GATEWAY_INFO,
    INVALID_PARAMS,
    LATEST_LEGACY,
    LEGACY_VERSIONS,
    LOG_LEVEL_KEY,
    PROTOCOL_VERSION_KEY,
    SERVER_INFO_KEY,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    is_modern,
)
from portcullis.routing.forward import RequestError
from portcullis.sessions.client import ClientSession

__all__ = ["CAPABILITIES", "carries_modern_meta", "discover", "initialize", "read_modern_meta"]

CAPABILITIES: dict[str, Any] = {
    "tools": {"listChanged": True},
    "prompts": {"listChanged": True},
    "resources": {"subscribe": True, "listChanged": True},
    "completions": {},
    "logging": {},
}


def carries_modern_meta(params: dict[str, Any]) -> bool:
    meta = params.get("_meta")
    return isinstance(meta, dict) and PROTOCOL_VERSION_KEY in meta


def read_modern_meta(client: ClientSession, params: dict[str, Any]) -> None:
    """Read a modern request's ``_meta`` into the client (each request carries it)."""
    meta = params.get("_meta") if isinstance(params.get("_meta"), dict) else None
    if meta is None or PROTOCOL_VERSION_KEY not in meta:
        if client.initialized:
            return
        raise RequestError(
            INVALID_PARAMS,
            "missing _meta['io.modelcontextprotocol/protocolVersion']: send "
            "'initialize' first (legacy) or put the protocol version, client "
            "capabilities and client info in each request's _meta (2026-07-28)",
        )
    version = meta[PROTOCOL_VERSION_KEY]
    if not is_modern(version) or version not in SUPPORTED_VERSIONS:
        raise RequestError(
            UNSUPPORTED_PROTOCOL_VERSION,
            f"unsupported protocol version {version!r}",
            {"supported": list(SUPPORTED_VERSIONS)},
        )
    caps = meta.get(CLIENT_CAPABILITIES_KEY)
    if not isinstance(caps, dict):
        raise RequestError(INVALID_PARAMS, "missing _meta['io.modelcontextprotocol/clientCapabilities']")
    client.protocol_version = version
    client.capabilities = caps
    info = meta.get(CLIENT_INFO_KEY)
    if isinstance(info, dict):
        client.client_info = info
    level = meta.get(LOG_LEVEL_KEY)
    if isinstance(level, str):
        client.log_level = level


def initialize(client: ClientSession, params: dict[str, Any], instructions: str) -> dict[str, Any]:
    asked = params.get("protocolVersion")
    version = asked if asked in LEGACY_VERSIONS else LATEST_LEGACY
    client.protocol_version = version
    caps = params.get("capabilities")
    client.capabilities = caps if isinstance(caps, dict) else {}
    info = params.get("clientInfo")
    client.client_info = info if isinstance(info, dict) else {}
    client.initialized = True
    return {
        "protocolVersion": version,
        "capabilities": CAPABILITIES,
        "serverInfo": GATEWAY_INFO,
        "instructions": instructions,
    }


def discover(client: ClientSession, params: dict[str, Any], instructions: str) -> dict[str, Any]:
    if carries_modern_meta(params):
        read_modern_meta(client, params)
    return {
        "resultType": "complete",
        "supportedVersions": list(SUPPORTED_VERSIONS),
        "capabilities": CAPABILITIES,
        "serverInfo": GATEWAY_INFO,
        "instructions": instructions,
        "ttlMs": 0,
        "cacheScope": "private",
        "_meta": {SERVER_INFO_KEY: GATEWAY_INFO},
    }
