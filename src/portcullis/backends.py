"""Optional backends: which Python package a store URL needs, and the error when it is not installed.

The gateway itself needs neither Redis nor PostgreSQL: ``pip install mcp-portcullis`` runs on SQLite
alone. ``redis`` (``store: redis://…``) and ``asyncpg`` (``audit: postgresql://…``) come with the
extras ``pip install 'mcp-portcullis[redis]'`` and ``'mcp-portcullis[postgres]'``. A config that asks
for a backend whose package is missing is a ``ConfigError`` naming that command, raised when the
config loads (and again where a store is opened, for stores opened without a config file).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from portcullis._plumbing.store_url import is_redis_url, safe_url
from portcullis.errors import ConfigError, Problem

__all__ = ["Backend", "backend_for", "missing_backend", "require_backend"]


@dataclass(frozen=True)
class Backend:
    """An optional backend: the module it imports and the extra that installs it."""

    module: str
    extra: str

    @property
    def pip(self) -> str:
        return f"pip install 'mcp-portcullis[{self.extra}]'"


REDIS = Backend("redis", "redis")
POSTGRES = Backend("asyncpg", "postgres")


def backend_for(url: str) -> Backend | None:
    """The optional backend ``url`` needs, or None (memory, SQLite and JSONL need nothing more)."""
    if is_redis_url(url):
        return REDIS
    if url.startswith(("postgresql://", "postgres://")):
        return POSTGRES
    return None


def missing_backend(url: str) -> str | None:
    """Why ``url`` cannot be used here (its backend's package is not installed), or None when it can."""
    backend = backend_for(url)
    if backend is None:
        return None
    try:
        importlib.import_module(backend.module)
    except ImportError:
        return (
            f"{safe_url(url)} needs the Python package '{backend.module}', which is not installed: "
            f"{backend.pip} (or use a SQLite file: sqlite:///PATH)"
        )
    return None


def require_backend(url: str, setting: str, file: str = "<config>") -> None:
    """Raise ``ConfigError`` at ``setting`` (``$.store``, ``$.audit``) when ``url``'s backend is missing."""
    why = missing_backend(url)
    if why is not None:
        raise ConfigError([Problem(file, setting, why)])
