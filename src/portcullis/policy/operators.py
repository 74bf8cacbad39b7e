"""Operator (admin) tokens: mint one, keep only its SHA-256, and find which token (and role) was presented.

Operators use the console and the REST API with a token of their own, never an agent key. Each
token has a role: ``viewer`` reads, ``approver`` also decides approval requests, ``admin`` may do
everything. Tokens are ``pca_`` + 43 URL-safe characters (256 random bits); the config keeps
``{name, token_sha256, role}`` under ``admin_tokens`` (``admin_token_sha256``, one unnamed token,
still counts as role ``admin``). Comparison is constant-time and looks at every token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from portcullis._plumbing.tokens import find_by_digest, sha256_hex
from portcullis.config.model import ROLES, AdminTokenConfig, GatewayConfig, Role

__all__ = ["ADMIN_TOKEN_PREFIX", "AdminTokens", "new_admin_token", "role_allows", "token_digest"]

ADMIN_TOKEN_PREFIX = "pca_"
_LEGACY_NAME = "admin"  # the name shown for the token of ``admin_token_sha256``


def new_admin_token() -> str:
    """A fresh random operator token."""
    return ADMIN_TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The lowercase hex SHA-256 of a token: what the config stores."""
    return sha256_hex(token.strip())


def role_allows(role: Role, needed: Role) -> bool:
    """Whether ``role`` may do what ``needed`` may (viewer < approver < admin)."""
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class AdminTokens:
    """The operator tokens in force."""

    tokens: tuple[AdminTokenConfig, ...] = ()

    @classmethod
    def from_config(cls, config: GatewayConfig) -> AdminTokens:
        legacy = config.admin_token_sha256
        extra = (AdminTokenConfig(_LEGACY_NAME, legacy.lower(), "admin"),) if legacy else ()
        return cls((*config.admin_tokens, *extra))

    @classmethod
    def single(cls, digest: str | None) -> AdminTokens:
        """One unnamed admin token (or none), as ``admin_token_sha256`` configures."""
        return cls((AdminTokenConfig(_LEGACY_NAME, digest.lower(), "admin"),) if digest else ())

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def find(self, presented: str | None) -> AdminTokenConfig | None:
        """The token that was presented, or None."""
        if not presented or not presented.strip():
            return None
        return find_by_digest(self.tokens, token_digest(presented), lambda token: token.token_sha256)
