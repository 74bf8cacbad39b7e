"""DNS-rebinding protection: which ``Origin`` and ``Host`` headers the gateway accepts.

A web page on another site must not be able to drive a gateway on the user's loopback interface, so
browser requests from any origin not on loopback (or explicitly allowed) get 403, and so do requests
whose ``Host`` is not a name of this machine when the gateway listens on loopback.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["OriginPolicy"]

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class OriginPolicy:
    def __init__(self, listen_host: str, allowed_origins: tuple[str, ...] = ()) -> None:
        self.loopback = listen_host in _LOOPBACK_HOSTS or listen_host.startswith("127.")
        self.allowed = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    def origin_ok(self, origin: str | None) -> bool:
        if origin is None or (origin == "null" and not self.allowed):
            return origin is None
        origin = origin.rstrip("/").lower()
        if origin in self.allowed:
            return True
        host = urlsplit(origin).hostname
        return host is not None and (host in _LOOPBACK_HOSTS or host.startswith("127."))

    def host_ok(self, host: str | None) -> bool:
        if not self.loopback or host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        name = name.lower()
        if name in _LOOPBACK_HOSTS or name.startswith("127."):
            return True
        return any(urlsplit(o).hostname == name.strip("[]") for o in self.allowed)
