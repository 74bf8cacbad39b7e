"""Opaque access tokens, checked by asking the issuer (RFC 7662 token introspection).

The gateway authenticates to the introspection endpoint with its own client id and secret (HTTP
Basic), posts ``token`` with ``token_type_hint=access_token``, and accepts an answer that is
``active``, whose ``iss`` (when given) is the configured issuer and whose ``aud`` (when given)
includes the gateway's resource URL. An active answer is reused for ``cache`` seconds, never past
the token's ``exp``; inactive answers are not cached (a token may have just been issued).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from portcullis.oauth.fetch import Post, post_form
from portcullis.oauth.jwks import Discovery
from portcullis.oauth.settings import IntrospectionSettings, OAuthSettings
from portcullis.oauth.tokens import Claims, InvalidToken

__all__ = ["Introspector"]

_CACHE_SIZE = 10_000


class Introspector:
    """Asks the issuer about opaque tokens; see the module docstring."""

    def __init__(
        self,
        settings: OAuthSettings,
        introspection: IntrospectionSettings,
        discovery: Discovery,
        post: Post | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.introspection = introspection
        self.discovery = discovery
        self._post: Post = post or post_form
        self._clock = clock
        self._cache: dict[str, tuple[float, Claims]] = {}
        self.requests = 0

    def cached(self, token: str) -> Claims | None:
        """The claims of a token introspected recently and still active (no network)."""
        hit = self._cache.get(token)
        if hit is None:
            return None
        if self._clock() > hit[0]:
            del self._cache[token]
            return None
        return hit[1]

    async def _endpoint(self) -> str:
        if self.introspection.url is not None:
            return self.introspection.url
        try:
            doc = await self.discovery.get()
        except OSError as exc:
            raise InvalidToken(f"the token could not be checked: {exc}") from None
        url = doc.get("introspection_endpoint")
        if not isinstance(url, str):
            raise InvalidToken("the issuer publishes no introspection endpoint; set oauth.introspection.url")
        return url

    async def introspect(self, token: str) -> Claims:
        """The claims of an active token; ``InvalidToken`` otherwise."""
        cached = self.cached(token)
        if cached is not None:
            return cached
        url = await self._endpoint()
        self.requests += 1
        auth = (self.introspection.client_id, self.introspection.client_secret)
        try:
            answer = await self._post(url, {"token": token, "token_type_hint": "access_token"}, auth)
        except OSError as exc:
            raise InvalidToken(f"the token could not be checked: {exc}") from None
        claims = self._check(answer)
        expires = self._clock() + self.introspection.cache
        exp = claims.get("exp")
        if isinstance(exp, (int, float)):
            expires = min(expires, float(exp))
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = (expires, claims)
        return claims

    def _check(self, answer: Any) -> Claims:
        if not isinstance(answer, dict) or answer.get("active") is not True:
            raise InvalidToken("the token is not active (revoked, expired or unknown to the issuer)")
        iss = answer.get("iss")
        if iss is not None and iss != self.settings.issuer:
            raise InvalidToken(f"the token was issued by {iss!r}, not by {self.settings.issuer!r}")
        aud = answer.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else None
        if audiences is not None and self.settings.audience not in audiences:
            raise InvalidToken(f"the token is not meant for this gateway (audience must be {self.settings.audience})")
        exp = answer.get("exp")
        if isinstance(exp, (int, float)) and exp + self.settings.leeway < self._clock():
            raise InvalidToken("the token has expired")
        return answer
