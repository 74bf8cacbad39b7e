"""Agent keys: mint one, keep only its SHA-256, and find the grant a presented key belongs to.

Keys are ``pcu_`` + 43 URL-safe characters (256 random bits). Comparison is constant-time and looks
at every grant, so the time taken says nothing about which grant (if any) matched.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from portcullis._plumbing.tokens import find_by_digest, sha256_hex
from portcullis.config.model import GrantConfig

__all__ = ["KEY_PREFIX", "authenticate", "grant_reaches", "key_digest", "new_key"]

KEY_PREFIX = "pcu_"


def new_key() -> str:
    """A fresh random agent key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    """The lowercase hex SHA-256 of a key: what the config stores."""
    return sha256_hex(key)


def authenticate(grants: Iterable[GrantConfig], presented_key: str | None) -> GrantConfig | None:
    """The grant whose key was presented, or None. Pure; constant-time per grant."""
    if not presented_key:
        return None
    return find_by_digest(grants, key_digest(presented_key), lambda grant: grant.key_sha256.lower())


def grant_reaches(grant: GrantConfig, server: str) -> bool:
    """May this grant call tools of ``server``?"""
    return "*" in grant.servers or server in grant.servers
