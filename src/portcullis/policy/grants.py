"""Agent keys: mint one, keep only its SHA-256, and find the grant a presented key belongs to.

Keys are ``pcu_`` + 43 URL-safe characters (256 random bits). Comparison is constant-time and looks
at every grant, so the time taken says nothing about which grant (if any) matched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from portcullis.config.model import GrantConfig

__all__ = ["KEY_PREFIX", "authenticate", "grant_reaches", "key_digest", "new_key"]

KEY_PREFIX = "pcu_"


def new_key() -> str:
    """A fresh random agent key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    """The lowercase hex SHA-256 of a key: what the config stores."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def authenticate(grants: Iterable[GrantConfig], presented_key: str | None) -> GrantConfig | None:
    """The grant whose key was presented, or None. Pure; constant-time per grant."""
    if not presented_key:
        return None
    digest = key_digest(presented_key).encode("ascii")
    found: GrantConfig | None = None
    for grant in grants:
        if hmac.compare_digest(digest, grant.key_sha256.lower().encode("ascii")) and found is None:
            found = grant
    return found


def grant_reaches(grant: GrantConfig, server: str) -> bool:
    """May this grant call tools of ``server``?"""
    return "*" in grant.servers or server in grant.servers
