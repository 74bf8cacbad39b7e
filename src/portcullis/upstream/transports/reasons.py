"""Naming an upstream and why talking to it failed, in a person's words, for the HTTP transports.

How to name an upstream URL in an error message without leaking credentials, and why a connection
failed, the same words whatever raised it; also the default cap on an answer's size.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

__all__ = ["DEFAULT_MAX_BODY", "connect_reason", "describe_url", "os_reason"]

DEFAULT_MAX_BODY = 16 * 1024 * 1024


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
