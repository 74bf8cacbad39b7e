"""HMAC-SHA256 signatures and unpadded base64url: the parts of every signed token the gateway hands out;
and the SHA-256 digests of the secrets it is handed (agent keys, operator and metrics tokens).

Pagination cursors, parked-call ``requestState`` values, the approve/deny links and the webhook's
body signature are all an HMAC-SHA256 over some bytes, sometimes truncated, written in base64url
without padding (or hex). ``sign`` makes one, ``verify`` checks one in constant time, ``b64encode`` /
``b64decode`` write and read the text form, and ``seal`` / ``unseal`` are the tag-then-body token
the cursors use. ``sha256_hex`` is what the config stores of a secret, and ``find_by_digest`` finds
the holder of a presented secret comparing every digest in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import TypeVar

__all__ = ["b64decode", "b64encode", "find_by_digest", "seal", "sha256_hex", "sign", "unseal", "verify"]

T = TypeVar("T")


def sign(key: bytes, data: bytes, size: int = 32) -> bytes:
    """The HMAC-SHA256 of ``data`` under ``key``, cut to its first ``size`` bytes."""
    return hmac.new(key, data, hashlib.sha256).digest()[:size]


def verify(key: bytes, data: bytes, tag: bytes, size: int = 32) -> bool:
    """Whether ``tag`` is ``sign(key, data, size)``, compared in constant time."""
    return hmac.compare_digest(tag, sign(key, data, size))


def b64encode(data: bytes) -> str:
    """``data`` as base64url without the ``=`` padding (safe in URLs, headers and JSON)."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``; ``ValueError`` when it is not base64."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, body: bytes, size: int) -> str:
    """``base64url(tag + body)``: ``body`` readable by anyone, changed by no one without ``key``."""
    return b64encode(sign(key, body, size) + body)


def unseal(key: bytes, token: str, size: int) -> bytes | None:
    """The body of a ``seal``-ed token; ``None`` when it is not base64 or its tag does not match."""
    try:
        raw = b64decode(token)
    except (ValueError, TypeError):
        return None
    tag, body = raw[:size], raw[size:]
    if len(tag) < size or not verify(key, body, tag, size):
        return None
    return body


def sha256_hex(secret: str) -> str:
    """The lowercase hex SHA-256 of ``secret`` (UTF-8): what a config stores instead of the secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def find_by_digest(items: Iterable[T], digest: str, stored: Callable[[T], str]) -> T | None:
    """The first of ``items`` whose ``stored`` digest is ``digest``, or None.

    Every item is compared, in constant time, even after a match: how long it takes says nothing about
    which secret (or whether any) matched.
    """
    presented = digest.encode("ascii")
    found: T | None = None
    for item in items:
        if hmac.compare_digest(presented, stored(item).encode("utf-8")) and found is None:
            found = item
    return found
