"""The gateway's own opaque pagination cursors over its aggregated lists.

A cursor names the list method and the position in the aggregated list where the next page starts
(the upstreams' own cursors never reach clients), and is signed with a key made at start-up, so a
client cannot forge one; a forged, stale or misused cursor gets INVALID_PARAMS. HMAC from the standard
library is all this needs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import orjson

__all__ = ["CursorCodec", "InvalidCursor"]


class InvalidCursor(ValueError):
    """The cursor was not minted by this gateway."""


class CursorCodec:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def encode(self, method: str, offset: int) -> str:
        body = orjson.dumps([method, offset])
        tag = hmac.new(self._key, body, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(tag + body).decode().rstrip("=")

    def decode(self, method: str, cursor: str) -> int:
        """The offset a cursor of ``method`` names; ``InvalidCursor`` when it is not one of ours."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError):
            raise InvalidCursor("not a cursor of this gateway") from None
        tag, body = raw[:12], raw[12:]
        if len(tag) < 12 or not hmac.compare_digest(tag, hmac.new(self._key, body, hashlib.sha256).digest()[:12]):
            raise InvalidCursor("not a cursor of this gateway (it may be from before a restart)")
        try:
            got_method, offset = orjson.loads(body)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            raise InvalidCursor("malformed cursor") from None
        if got_method != method:
            raise InvalidCursor(f"this cursor is not for {method}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidCursor("malformed cursor")
        return offset
