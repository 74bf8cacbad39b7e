"""Era detection and ``_meta`` handling, for requests coming in from clients and going out to servers.

Coming in: a modern (2026-07-28) request carries its protocol version, the client's capabilities
and info (and a log level) in ``params._meta``; ``request_version`` finds the version and
``client_meta`` reads and checks all of it. Going out: the gateway never forwards the client's
reserved ``io.modelcontextprotocol/`` keys; to a modern server it sends its own version and info and
the capabilities of the client the request is for (``upstream_meta``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from portcullis import __version__
from portcullis.protocol.constants import (
    CLIENT_CAPABILITIES_KEY,
    CLIENT_INFO_KEY,
    INVALID_PARAMS,
    LOG_LEVEL_KEY,
    MODERN_VERSION,
    PROTOCOL_VERSION_KEY,
    RESERVED_META_PREFIX,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    is_modern,
)
from portcullis.protocol.errors import JsonRpcError

__all__ = [
    "CLIENT_CAPABILITIES",
    "CLIENT_INFO",
    "MODERN_META",
    "ClientMeta",
    "carries_modern_meta",
    "client_meta",
    "request_version",
    "upstream_meta",
    "without_reserved",
]

CLIENT_INFO: Final = {"name": "portcullis-gateway", "version": __version__}
# The gateway bridges these to whichever client made the call, so it offers them upstream.
CLIENT_CAPABILITIES: Final[dict[str, Any]] = {
    "sampling": {},
    "elicitation": {"form": {}, "url": {}},
    "roots": {"listChanged": True},
}
# What the gateway says about itself in the _meta of every request to a modern server.
MODERN_META: Final[dict[str, Any]] = {
    PROTOCOL_VERSION_KEY: MODERN_VERSION,
    CLIENT_CAPABILITIES_KEY: CLIENT_CAPABILITIES,
    CLIENT_INFO_KEY: CLIENT_INFO,
}


def request_version(params: dict[str, Any] | None) -> Any:
    """The protocol version in a request's ``_meta`` (``None`` when it has none: a legacy request)."""
    meta = params.get("_meta") if params is not None else None
    return meta.get(PROTOCOL_VERSION_KEY) if isinstance(meta, dict) else None


def carries_modern_meta(params: dict[str, Any]) -> bool:
    """Whether a request's ``_meta`` names a protocol version (whatever it is)."""
    meta = params.get("_meta")
    return isinstance(meta, dict) and PROTOCOL_VERSION_KEY in meta


@dataclass(frozen=True)
class ClientMeta:
    """What a modern request's ``_meta`` says about its client."""

    protocol_version: str
    capabilities: dict[str, Any]
    client_info: dict[str, Any] | None
    log_level: str | None


def client_meta(params: dict[str, Any], initialized: bool) -> ClientMeta | None:
    """Read a modern request's ``_meta``; ``None`` for a request of an initialized legacy session.

    Raises ``JsonRpcError`` when the version is missing (and no ``initialize`` came first) or not
    supported, or when the client's capabilities are missing.
    """
    meta = params.get("_meta") if isinstance(params.get("_meta"), dict) else None
    if meta is None or PROTOCOL_VERSION_KEY not in meta:
        if initialized:
            return None
        raise JsonRpcError(
            INVALID_PARAMS,
            "missing _meta['io.modelcontextprotocol/protocolVersion']: send "
            "'initialize' first (legacy) or put the protocol version, client "
            "capabilities and client info in each request's _meta (2026-07-28)",
        )
    version = meta[PROTOCOL_VERSION_KEY]
    if not is_modern(version) or version not in SUPPORTED_VERSIONS:
        raise JsonRpcError(
            UNSUPPORTED_PROTOCOL_VERSION,
            f"unsupported protocol version {version!r}",
            {"supported": list(SUPPORTED_VERSIONS)},
        )
    caps = meta.get(CLIENT_CAPABILITIES_KEY)
    if not isinstance(caps, dict):
        raise JsonRpcError(INVALID_PARAMS, "missing _meta['io.modelcontextprotocol/clientCapabilities']")
    info = meta.get(CLIENT_INFO_KEY)
    level = meta.get(LOG_LEVEL_KEY)
    return ClientMeta(
        version, caps, info if isinstance(info, dict) else None, level if isinstance(level, str) else None
    )


def without_reserved(meta: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of a client's ``_meta`` without the reserved ``io.modelcontextprotocol/`` keys."""
    return {k: v for k, v in (meta or {}).items() if not k.startswith(RESERVED_META_PREFIX)}


def upstream_meta(
    meta: dict[str, Any], client_capabilities: dict[str, Any] | None, log_level: str | None, *, forwarded: bool
) -> None:
    """Add what a modern server must see to ``meta``: the gateway's version and info, and for a
    ``forwarded`` request the capabilities and log level of the client it is for (the server may refuse
    with MISSING_CLIENT_CAPABILITY)."""
    meta.update(MODERN_META)
    if forwarded:
        if client_capabilities is not None:
            meta[CLIENT_CAPABILITIES_KEY] = client_capabilities
        if log_level:
            meta[LOG_LEVEL_KEY] = log_level
