"""The gateway's own opaque pagination cursors over its aggregated lists.

A cursor names the list method and the position in the aggregated list where the next page starts
(the upstreams' own cursors never reach clients), and is signed with a key made at start-up, so a
client cannot forge one; a forged, stale or misused cursor gets INVALID_PARAMS. HMAC from the standard
library is all this needs.
"""

from __future__ import annotations

import secrets

import orjson

from portcullis._plumbing import tokens
from portcullis._plumbing.sections import is_whole_number

__all__ = ["CursorCodec", "InvalidCursor"]

_TAG = 12  # bytes of HMAC-SHA256 in front of the body


class InvalidCursor(ValueError):
    """The cursor was not minted by this gateway."""


class CursorCodec:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def encode(self, method: str, offset: int) -> str:
        return tokens.seal(self._key, orjson.dumps([method, offset]), _TAG)

    def decode(self, method: str, cursor: str) -> int:
        """The offset a cursor of ``method`` names; ``InvalidCursor`` when it is not one of ours."""
        body = tokens.unseal(self._key, cursor, _TAG)
        if body is None:
            raise InvalidCursor("not a cursor of this gateway (it may be from before a restart)")
        try:
            got_method, offset = orjson.loads(body)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            raise InvalidCursor("malformed cursor") from None
        if got_method != method:
            raise InvalidCursor(f"this cursor is not for {method}")
        if not is_whole_number(offset):
            raise InvalidCursor("malformed cursor")
        return offset
