"""The gateway's own opaque pagination cursors over the upstreams' cursors.

A cursor names the upstream (by index) and that upstream's own cursor, and is signed with a key
made at start-up, so a client cannot forge one to reach a server it should not page through; a
forged or stale cursor gets -32602. HMAC from the standard library is all this needs.
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

    def encode(self, method: str, server_index: int, upstream_cursor: str | None) -> str:
        body = orjson.dumps([method, server_index, upstream_cursor])
        tag = hmac.new(self._key, body, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(tag + body).decode().rstrip("=")

    def decode(self, method: str, cursor: str) -> tuple[int, str | None]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError):
            raise InvalidCursor("not a cursor of this gateway") from None
        tag, body = raw[:12], raw[12:]
        if len(tag) < 12 or not hmac.compare_digest(tag, hmac.new(self._key, body, hashlib.sha256).digest()[:12]):
            raise InvalidCursor("not a cursor of this gateway (it may be from before a restart)")
        try:
            got_method, index, upstream = orjson.loads(body)
        except (orjson.JSONDecodeError, ValueError):
            raise InvalidCursor("malformed cursor") from None
        if got_method != method or not isinstance(index, int):
            raise InvalidCursor(f"this cursor is not for {method}")
        return index, upstream if isinstance(upstream, str) else None
