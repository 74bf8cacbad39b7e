"""Signatures for the approval webhook: the signed POST body and the signed approve/deny link tokens.

Webhook body: header ``X-Portcullis-Timestamp: <unix seconds>`` and
``X-Portcullis-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``. A receiver recomputes
it with the shared secret, compares in constant time and rejects old timestamps (replays).

Link token: ``<base64url(id:action:expiry)>.<base64url(HMAC-SHA256(secret, "portcullis-link:" + payload))>``.
It names one request and one action and stops working at the request's expiry. It is single-use because a
request is decided once: after the first use every token for that request is refused.
"""

from __future__ import annotations

import hmac
from typing import Literal

from portcullis._plumbing import tokens

__all__ = ["InvalidToken", "LinkAction", "make_token", "read_token", "sign_body", "verify_body"]

LinkAction = Literal["approve", "deny"]
_LINK_CONTEXT = b"portcullis-link:"


class InvalidToken(Exception):
    """A link token that is malformed, forged, or past its expiry."""


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Portcullis-Signature`` header value for ``body`` sent at ``timestamp``."""
    return "sha256=" + tokens.sign(secret.encode(), f"{timestamp}.".encode() + body).hex()


def verify_body(secret: str, timestamp: int, body: bytes, signature: str, now: float, tolerance: float = 300) -> bool:
    """Whether ``signature`` is valid for ``body`` and ``timestamp`` is within ``tolerance`` seconds of ``now``."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign_body(secret, timestamp, body), signature)


def make_token(secret: str, approval_id: str, action: LinkAction, expires_at: float) -> str:
    """A link token for ``action`` on ``approval_id``, valid until ``expires_at``."""
    payload = tokens.b64encode(f"{approval_id}:{action}:{int(expires_at)}".encode())
    return f"{payload}.{tokens.b64encode(tokens.sign(secret.encode(), _LINK_CONTEXT + payload.encode()))}"


def read_token(secret: str, token: str, now: float) -> tuple[str, LinkAction]:
    """``(approval_id, action)`` from a valid token; ``InvalidToken`` otherwise."""
    payload, _, sig = token.partition(".")
    if not payload or not sig:
        raise InvalidToken("malformed link")
    try:
        given = tokens.b64decode(sig)
        approval_id, action, expiry = tokens.b64decode(payload).decode().split(":")
    except ValueError:
        raise InvalidToken("malformed link") from None
    if not tokens.verify(secret.encode(), _LINK_CONTEXT + payload.encode(), given):
        raise InvalidToken("the link's signature is not valid")
    if action not in ("approve", "deny"):
        raise InvalidToken("malformed link")
    if now >= int(expiry):
        raise InvalidToken("the link has expired")
    return approval_id, "approve" if action == "approve" else "deny"
