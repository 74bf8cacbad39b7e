"""Who is asking: an agent key turned into a grant, and whether that grant may use a client session.

Both fronts ask here, for every message:

- HTTP: ``Authorization: Bearer <key>`` → ``authorize`` → the key's grant as the grants are now, or a
  401 with an RFC 6750 challenge; with ``oauth:`` the bearer may be an access token instead
  (``portcullis.oauth.gate``: RFC 9728 challenges, 403 ``insufficient_scope``); a legacy session
  (``Mcp-Session-Id``) is used only with the key (or the OAuth subject) that opened it (``owns``: 403
  otherwise), for every method (POST, GET, DELETE).
- stdio: the key in ``PORTCULLIS_KEY`` → ``identify`` before each message; a revoked key is refused
  from its next request (``REVOKED``).

Every request then carries its grant as it is now (``refresh``): a changed grant applies to sessions
already open.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from portcullis.config.model import GrantConfig
from portcullis.oauth.metadata import AuthFailure
from portcullis.sessions.client import ClientSession

__all__ = [
    "NOT_YOURS",
    "REVOKED",
    "UNAUTHORIZED",
    "Authenticator",
    "Identify",
    "Refused",
    "authorize",
    "grant_of",
    "owner_of",
    "owns",
    "refresh",
]

# grant, None=anonymous ok, False=refuse; with OAuth an AuthFailure, or an awaitable when the issuer is needed
Authenticator = Callable[[str | None], "GrantConfig | bool | AuthFailure | Awaitable[GrantConfig | AuthFailure] | None"]
# The grant of a stdio process's agent key as it is now; None: anonymous; False: the key is not valid.
Identify = Callable[[], "GrantConfig | bool | None"]

UNAUTHORIZED = (
    "Unauthorized: send 'Authorization: Bearer <key>' with an agent key from 'portcullis keys create "
    "NAME' (this gateway takes agent keys; it offers no OAuth sign-in)"
)
NOT_YOURS = (
    "Forbidden: this session was opened with another agent key; use the key that opened it, or send "
    "initialize to open a session of your own"
)
REVOKED = (
    "Unauthorized: the agent key in PORTCULLIS_KEY is not (or no longer) valid: it was revoked or rotated; "
    "ask the operator for a key ('portcullis keys create NAME') and restart with it"
)


@dataclass(frozen=True)
class Refused:
    """An HTTP request without a valid agent key or access token: answer ``status`` with this
    ``WWW-Authenticate`` challenge and ``message`` (401 by default; OAuth also has 403 and 503)."""

    challenge: bytes
    status: int = 401
    message: str = UNAUTHORIZED


def grant_of(got: GrantConfig | bool | None) -> GrantConfig | None:
    """The grant an authenticator's answer names (``None``: anonymous)."""
    return got if isinstance(got, GrantConfig) else None


def authorize(
    authenticate: Authenticator | None, headers: dict[bytes, bytes]
) -> GrantConfig | Refused | Awaitable[GrantConfig | Refused] | None:
    """The grant of the request's bearer key or OAuth access token; ``None`` for anonymous callers (a
    gateway without grants). An awaitable only when an access token needs the issuer (``portcullis.oauth``)."""
    if authenticate is None:
        return None
    auth = headers.get(b"authorization", b"").decode("latin-1")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    got = authenticate(token)
    if got is None or isinstance(got, GrantConfig):  # the common answers, before the checks for the others
        return got
    if isinstance(got, AuthFailure):
        return Refused(got.challenge, got.status, got.message)
    if isinstance(got, Awaitable):
        return _settled(got)
    if got is False:
        # RFC 6750: no error code when no credentials came; no resource_metadata, since there is
        # no OAuth sign-in to send a client to.
        return Refused(
            b'Bearer realm="portcullis"'
            if not token
            else b'Bearer realm="portcullis", error="invalid_token", error_description="unknown or revoked agent key"'
        )
    return grant_of(got)


async def _settled(answer: Awaitable[GrantConfig | AuthFailure]) -> GrantConfig | Refused:
    got = await answer
    return Refused(got.challenge, got.status, got.message) if isinstance(got, AuthFailure) else got


def owner_of(grant: GrantConfig | None) -> str | None:
    """The owner a session opened with ``grant`` records: its key's SHA-256 (None: anonymous)."""
    return grant.key_sha256 if grant is not None else None


def owns(client: ClientSession, grant: GrantConfig | None) -> bool:
    """Whether the caller with ``grant`` (None: anonymous) may use ``client``: only the key that opened it."""
    return client.owner == owner_of(grant)


def refresh(client: ClientSession, grant: GrantConfig | None, *, seen: bool = False) -> None:
    """Give the session the grant as it is now: servers and policy may have changed since it opened."""
    client.grant = grant
    if seen:
        client.last_seen = time.monotonic()
