"""Validate a JWT access token against the cached keys: pure and synchronous, no network.

Checked, in this order: the token parses; its ``alg`` is one of the accepted ones (never ``none`` or
an HMAC algorithm: a public key must not double as a shared secret); its unverified ``iss`` is the
configured issuer (a token from another issuer is refused without touching the key set); its ``kid``
is in the cached key set (else ``UnknownKey``, so the caller may re-read the set once); then the
signature, ``iss``, ``aud`` (must contain the gateway's resource URL, RFC 8707), ``exp`` (required)
and ``nbf``, with ``leeway`` seconds of clock skew.

A verified token's claims are remembered until it expires (bounded), so a token used for many calls
is verified once: later calls cost a dict lookup and a clock read.
"""

from __future__ import annotations

import binascii
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from jwt import get_algorithm_by_name
from jwt.exceptions import InvalidKeyError

from portcullis.oauth.jwks import JwksCache
from portcullis.oauth.settings import OAuthSettings

__all__ = ["Claims", "InvalidToken", "TokenValidator", "UnknownKey", "looks_like_jwt", "scopes_of"]

_CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """The token is refused; ``str(exc)`` says why (it goes into ``error_description``)."""


class UnknownKey(InvalidToken):
    """The token names a signing key the cached key set does not hold (yet)."""


Claims = dict[str, Any]


@dataclass(frozen=True)
class _Verified:
    claims: Claims
    expires: float  # epoch seconds (exp + leeway)


def looks_like_jwt(token: str) -> bool:
    """A compact JWS: three dot-separated parts (opaque tokens go to introspection instead)."""
    return token.count(".") == 2 and token[:2] == "ey"


def scopes_of(claims: Claims) -> frozenset[str]:
    """The token's scopes: ``scope`` (space-separated, RFC 9068) or ``scp`` (a list or a string)."""
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list):
        return frozenset(s for s in raw if isinstance(s, str))
    return frozenset()


class TokenValidator:
    """Verifies JWTs with the keys of a ``JwksCache``; see the module docstring."""

    def __init__(self, settings: OAuthSettings, keys: JwksCache, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.keys = keys
        self._clock = clock
        self._verified: dict[str, _Verified] = {}
        self._algorithms = frozenset(settings.algorithms)

    def validate(self, token: str) -> Claims:
        """The claims of a valid token; ``InvalidToken`` (or ``UnknownKey``) otherwise."""
        hit = self._verified.get(token)
        if hit is not None:
            if self._clock() <= hit.expires:
                return hit.claims
            del self._verified[token]
        claims = self._verify(token)
        if len(self._verified) >= _CACHE_SIZE:
            self._evict()
        self._verified[token] = _Verified(claims, float(claims["exp"]) + self.settings.leeway)
        return claims

    def forget(self) -> None:
        """Drop every remembered token (the key set changed: a removed key's tokens are checked again)."""
        self._verified.clear()

    def _evict(self) -> None:
        now = self._clock()
        for token in [t for t, v in self._verified.items() if v.expires < now]:
            del self._verified[token]
        if len(self._verified) >= _CACHE_SIZE:
            self._verified.clear()

    def _verify(self, token: str) -> Claims:
        settings = self.settings
        header, claims, signing_input, signature = _parts(token)
        alg = header.get("alg")
        if alg not in self._algorithms:
            raise InvalidToken(f"the token is signed with {alg!r}, which this gateway does not accept")
        if claims.get("iss") != settings.issuer:
            raise InvalidToken(f"the token was issued by {claims.get('iss')!r}, not by {settings.issuer!r}")
        kid = header.get("kid")
        key = self.keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise UnknownKey(f"the token is signed with key {kid!r}, which the issuer does not publish")
        if (key.alg is not None and key.alg != alg) or key.kty != _KEY_TYPES[alg]:
            raise InvalidToken(f"the token's algorithm {alg} does not fit the issuer's key {kid!r}")
        try:
            valid = get_algorithm_by_name(alg).verify(signing_input, key.key, signature)
        except (InvalidKeyError, ValueError, TypeError):
            valid = False
        if not valid:
            raise InvalidToken("the token's signature does not verify")
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: Claims) -> None:
        settings = self.settings
        now = self._clock()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise InvalidToken("the token has no 'exp' claim (a number)")
        if now > exp + settings.leeway:
            raise InvalidToken("the token has expired")
        nbf = claims.get("nbf")
        if nbf is not None and (not _number(nbf) or now + settings.leeway < nbf):
            raise InvalidToken("the token is not valid yet (nbf)")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if settings.audience not in audiences:
            raise InvalidToken(f"the token is not meant for this gateway (audience must be {settings.audience})")


_KEY_TYPES = {
    **dict.fromkeys(("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"), "RSA"),
    **dict.fromkeys(("ES256", "ES384", "ES512"), "EC"),
    "EdDSA": "OKP",
}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _b64(segment: str) -> bytes:
    """Strict base64url (no padding, no stray characters: one token has one spelling)."""
    text = segment.replace("-", "+").replace("_", "/")
    return binascii.a2b_base64(text + "=" * (-len(text) % 4), strict_mode=True)


def _parts(token: str) -> tuple[dict[str, Any], Claims, bytes, bytes]:
    """The header, the claims, the signed text and the signature of a compact JWS."""
    try:
        head, body, sig = token.split(".")
        header = orjson.loads(_b64(head))
        claims = orjson.loads(_b64(body))
        signature = _b64(sig)
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidToken("the token is not a well-formed JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("the token is not a well-formed JWT")
    return header, claims, f"{head}.{body}".encode("ascii", "replace"), signature
