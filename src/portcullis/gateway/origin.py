"""DNS-rebinding protection: which ``Origin`` and ``Host`` headers the gateway accepts.

A web page on another site must not be able to drive a gateway on the user's loopback interface, so
browser requests from any origin not on loopback (or explicitly allowed) get 403, and so do requests
whose ``Host`` is not a name of this machine when the gateway listens on loopback.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["OriginPolicy"]


def _is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal; a DNS name such as ``127.0.0.1.evil.example`` is not."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OriginPolicy:
    def __init__(self, listen_host: str, allowed_origins: tuple[str, ...] = ()) -> None:
        self.loopback = _is_loopback(listen_host)
        self.allowed = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    def origin_ok(self, origin: str | None) -> bool:
        if origin is None or (origin == "null" and not self.allowed):
            return origin is None
        origin = origin.rstrip("/").lower()
        if origin in self.allowed:
            return True
        host = urlsplit(origin).hostname
        return host is not None and _is_loopback(host)

    def host_ok(self, host: str | None) -> bool:
        if not self.loopback or host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        name = name.lower()
        if _is_loopback(name):
            return True
        return any(urlsplit(o).hostname == name.strip("[]") for o in self.allowed)
