"""Sealed legacy session ids: the immutable part of a session, encrypted into its ``Mcp-Session-Id``.

A legacy (≤ 2025-11-25) client keeps the ``Mcp-Session-Id`` that ``initialize`` answered with and sends
it on every later request. Behind a load balancer without stickiness those requests reach other
replicas, which never saw the ``initialize``. So the id carries what the session was opened with —
the owner (the agent key's SHA-256), the grant's name, the protocol version, the client's capabilities
and info, when it was issued — sealed with AES-GCM under a key derived from the fleet's
``session_secret``: a replica that does not know an id opens it (``unseal``) and adopts the session;
a forged or altered id does not open (404, as an unknown one). The id stays a bearer secret: it is
unguessable (a random 96-bit nonce and an authentication tag) and its contents are not readable
without the secret.

Without a ``session_secret`` each process draws a random one: ids are then good only on the process
that issued them (a single gateway's behaviour).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["SealedSession", "SessionSeal"]

_PREFIX = "s1."
_NONCE = 12
_CONTEXT = b"portcullis legacy session id v1\0"


@dataclass(frozen=True)
class SealedSession:
    """What a sealed session id holds: the part of a legacy session that never changes."""

    owner: str | None
    grant: str | None
    protocol_version: str | None
    capabilities: dict[str, Any] = field(default_factory=dict)
    client_info: dict[str, Any] = field(default_factory=dict)
    issued: int = 0  # Unix seconds


class SessionSeal:
    """Seals session state into ids and opens them again, with one secret shared by the fleet."""

    def __init__(self, secret: str | None = None) -> None:
        self.shared = secret is not None
        raw = secret.encode() if secret is not None else secrets.token_bytes(32)
        self._aead = AESGCM(hashlib.sha256(_CONTEXT + raw).digest())

    def seal(self, state: SealedSession) -> str:
        """A new session id holding ``state`` (each call a different id, even for the same state)."""
        plain = orjson.dumps(
            {
                "o": state.owner,
                "g": state.grant,
                "v": state.protocol_version,
                "c": state.capabilities,
                "i": state.client_info,
                "t": state.issued or int(time.time()),
            }
        )
        nonce = secrets.token_bytes(_NONCE)
        sealed = self._aead.encrypt(nonce, zlib.compress(plain), _CONTEXT)
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")

    def unseal(self, session_id: str) -> SealedSession | None:
        """The state sealed in ``session_id``; ``None`` when it is not one of ours (forged, altered,
        sealed under another secret, or not a sealed id at all)."""
        if not session_id.startswith(_PREFIX) or len(session_id) > 16_384:
            return None
        body = session_id[len(_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = zlib.decompress(self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _CONTEXT))
            data = orjson.loads(plain)
        except (InvalidTag, ValueError, binascii.Error, zlib.error, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        caps, info = data.get("c"), data.get("i")
        return SealedSession(
            owner=_text(data.get("o")),
            grant=_text(data.get("g")),
            protocol_version=_text(data.get("v")),
            capabilities=caps if isinstance(caps, dict) else {},
            client_info=info if isinstance(info, dict) else {},
            issued=data["t"] if isinstance(data.get("t"), int) else 0,
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
