"""DNS-rebinding protection: which ``Origin`` and ``Host`` headers the gateway accepts.

A web page on another site must not be able to drive a gateway on the user's loopback interface, so
browser requests from any origin not on loopback (or explicitly allowed) get 403, and so do requests
whose ``Host`` is not a name of this machine when the gateway listens on loopback. ``/mcp``,
``/metrics`` and ``/healthz`` all pass this guard (``allows``). Loopback is decided by
``edge.loopback`` (address parsing), the same way as for ``--listen``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from portcullis.edge.loopback import is_loopback

__all__ = ["FORBIDDEN_MESSAGE", "OriginPolicy"]

_VERDICTS = 1024
FORBIDDEN_MESSAGE = (
    "Forbidden: origin or host not allowed (DNS rebinding protection); add it to 'allowed_origins' in the config"
)


def _host_name(host: str) -> str:
    """The name part of a ``Host`` header: ``[::1]:8765`` → ``[::1]``, ``127.1:8765`` → ``127.1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class OriginPolicy:
    def __init__(self, listen_host: str, allowed_origins: tuple[str, ...] = ()) -> None:
        self.loopback = is_loopback(listen_host)
        self.allowed = frozenset(o.rstrip("/").lower() for o in allowed_origins)
        self._allowed_hosts = frozenset(h for h in (urlsplit(o).hostname for o in self.allowed) if h)
        self._verdicts: dict[tuple[bytes | None, bytes | None], bool] = {}

    def origin_ok(self, origin: str | None) -> bool:
        if origin is None or (origin == "null" and not self.allowed):
            return origin is None
        origin = origin.rstrip("/").lower()
        if origin in self.allowed:
            return True
        try:
            host = urlsplit(origin).hostname
        except ValueError:  # a malformed origin ("http://[x") is nobody's
            return False
        return host is not None and is_loopback(host)

    def host_ok(self, host: str | None) -> bool:
        if not self.loopback or host is None:
            return True
        name = _host_name(host)
        return is_loopback(name) or name.strip("[]") in self._allowed_hosts

    def allows(self, headers: dict[bytes, bytes]) -> bool:
        """Whether a request with these (lower-cased) headers passes the Origin and Host checks.

        The verdict for a pair of header values is remembered (a client sends the same ones on every
        request); at most ``_VERDICTS`` pairs, forgotten all at once when full."""
        origin = headers.get(b"origin")
        host = headers.get(b"host")
        key = (origin, host)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self.origin_ok(origin.decode("latin-1") if origin is not None else None) and self.host_ok(
                host.decode("latin-1") if host is not None else None
            )
            if len(self._verdicts) >= _VERDICTS:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict
