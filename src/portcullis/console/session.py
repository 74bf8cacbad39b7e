"""Console sign-in sessions: a signed cookie that names an admin token, and the CSRF token that goes with it.

After a person signs in with an admin token, the browser holds ``portcullis_console``: the token's name,
role and SHA-256 (the digest the config stores, never the token), an expiry and a random nonce, signed
with HMAC-SHA256. Every request re-checks that digest against the admin tokens in force, so revoking
a token (or changing its role) takes effect on the next click. The CSRF token is an HMAC of the nonce:
pages carry it in a ``<meta>`` tag and in every form; htmx sends it as the ``X-CSRF-Token`` header.

The signing key is random per process unless ``PORTCULLIS_CONSOLE_SECRET`` is set (replicas behind one
address must share it); a restart therefore signs everybody out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from portcullis.config.model import ROLES, AdminTokenConfig, Role

__all__ = ["COOKIE", "CSRF_HEADER", "PRE_COOKIE", "ConsoleSession", "SessionSigner"]

COOKIE = "portcullis_console"
PRE_COOKIE = "portcullis_signin"  # the sign-in form's CSRF nonce, before there is a session
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 8 * 3600.0
SECRET_ENV = "PORTCULLIS_CONSOLE_SECRET"


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in operator as the cookie says: checked against the admin tokens in force on each request."""

    name: str
    role: Role
    token_sha256: str
    expires: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Issues and reads session cookies and CSRF tokens with one secret."""

    def __init__(
        self, secret: bytes | None = None, lifetime: float = SESSION_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        env = os.environ.get(SECRET_ENV)
        self._key = secret or (env.encode("utf-8") if env else secrets.token_bytes(32))
        self.lifetime = lifetime
        self.clock = clock

    def _mac(self, purpose: str, data: bytes) -> str:
        return _b64(hmac.new(self._key, purpose.encode() + b"\0" + data, hashlib.sha256).digest())

    def issue(self, token: AdminTokenConfig) -> tuple[str, ConsoleSession]:
        """A cookie value for a person who just presented ``token``, and the session it holds."""
        session = ConsoleSession(
            token.name, token.role, token.token_sha256, self.clock() + self.lifetime, secrets.token_urlsafe(16)
        )
        body = _b64(
            orjson.dumps(
                {
                    "n": session.name,
                    "r": session.role,
                    "d": session.token_sha256,
                    "e": session.expires,
                    "c": session.nonce,
                }
            )
        )
        return f"{body}.{self._mac('session', body.encode())}", session

    def read(self, cookie: str | None) -> ConsoleSession | None:
        """The session of a cookie value, or None when it is missing, forged, malformed or expired."""
        if not cookie or "." not in cookie:
            return None
        body, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._mac("session", body.encode())):
            return None
        try:
            data = orjson.loads(_unb64(body))
            role = data["r"]
            session = ConsoleSession(str(data["n"]), role, str(data["d"]), float(data["e"]), str(data["c"]))
        except (ValueError, KeyError, TypeError):
            return None
        if role not in ROLES or session.expires <= self.clock():
            return None
        return session

    def csrf(self, nonce: str) -> str:
        """The CSRF token that goes with a session's (or the sign-in form's) nonce."""
        return self._mac("csrf", nonce.encode())

    def csrf_ok(self, nonce: str, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf(nonce), presented or "")
