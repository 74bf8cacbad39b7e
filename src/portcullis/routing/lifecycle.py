"""The lifecycle methods of both eras: legacy ``initialize``, ``server/discover``, and the ``_meta`` every
2026-07-28 request carries (protocol version, client capabilities and info), read into the client session."""

from __future__ import annotations

from typing import Any

from portcullis.protocol import (
    GATEWAY_INFO,
    LATEST_LEGACY,
    LEGACY_VERSIONS,
    SERVER_INFO_KEY,
    SUPPORTED_VERSIONS,
)
from portcullis.protocol.meta import carries_modern_meta, client_meta
from portcullis.sessions.client import ClientSession

__all__ = ["CAPABILITIES", "carries_modern_meta", "discover", "initialize", "read_modern_meta"]

CAPABILITIES: dict[str, Any] = {
    "tools": {"listChanged": True},
    "prompts": {"listChanged": True},
    "resources": {"subscribe": True, "listChanged": True},
    "completions": {},
    "logging": {},
}


def read_modern_meta(client: ClientSession, params: dict[str, Any]) -> None:
    """Read a modern request's ``_meta`` into the client (each request carries it; ``protocol.meta``)."""
    meta = client_meta(params, client.initialized)
    if meta is None:
        return
    client.protocol_version = meta.protocol_version
    client.capabilities = meta.capabilities
    if meta.client_info is not None:
        client.client_info = meta.client_info
    if meta.log_level is not None:
        client.log_level = meta.log_level


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
