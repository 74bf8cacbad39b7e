"""Turn the bearer token of a request into a grant: an agent key, a JWT, or an opaque token.

``OAuthGate.authenticate(token, grants)`` answers at once (no network) in the usual case: an agent
key, or a JWT whose signing key is cached (its claims remembered after the first check). It answers
an awaitable only when the network is needed: a JWT signed with a key not yet known (the key set is
re-read, rate-limited), or an opaque token not introspected recently. A token's grant is remembered
until the token expires (or the grants change), so a token sent on every call costs a dict lookup.
The answer is a grant, or an ``AuthFailure`` (401 with a challenge for a missing or invalid token,
403 ``insufficient_scope`` naming the missing scopes, 403 when no grant's ``match`` takes the caller).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Sequence

from portcullis.config.model import GrantConfig
from portcullis.oauth.introspect import Introspector
from portcullis.oauth.jwks import Discovery, JwksCache
from portcullis.oauth.match import grant_for_claims
from portcullis.oauth.metadata import AuthFailure, challenge
from portcullis.oauth.settings import OAuthSettings
from portcullis.oauth.tokens import Claims, InvalidToken, TokenValidator, UnknownKey, looks_like_jwt, scopes_of
from portcullis.policy.grants import authenticate as key_grant

__all__ = ["AuthAnswer", "OAuthGate"]

log = logging.getLogger("portcullis.oauth")

AuthAnswer = GrantConfig | AuthFailure
_REMEMBERED = 10_000  # tokens whose grant is remembered
_NO_TOKEN = (
    "Unauthorized: sign in with the identity provider named in this gateway's protected resource "
    "metadata and send 'Authorization: Bearer <access token>' (or an agent key)"
)


class OAuthGate:
    """The OAuth resource server: keys, JWTs and opaque tokens to grants."""

    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings
        self.discovery = Discovery(settings.issuer)
        self.keys = JwksCache(
            settings.jwks_uri,
            self.discovery,
            refresh_every=settings.jwks_refresh,
            min_refresh=settings.jwks_min_refresh,
        )
        self.validator = TokenValidator(settings, self.keys)
        self.introspector = (
            Introspector(settings, settings.introspection, self.discovery) if settings.introspection else None
        )
        self._required = frozenset(settings.scopes)
        self._clock = time.time
        # token → (the grants it was matched against, valid until (epoch s), its grant)
        self._answers: dict[str, tuple[Sequence[GrantConfig], float, GrantConfig]] = {}
        self._subjects: dict[GrantConfig, str] = {}  # an OAuth caller's grant → the token it came with

    async def start(self) -> None:
        """Read the key set (a provider that is down is logged; calls are refused until it answers)."""
        read = await self.keys.refresh()
        self.keys.start()
        s = self.settings
        log.info(
            "OAuth: accepting access tokens of %s for %s%s (%s signing keys read); metadata at %s",
            s.issuer,
            s.audience,
            f" with scopes {' '.join(s.scopes)}" if s.scopes else "",
            len(self.keys.keys) if read else "no",
            s.metadata_url,
        )

    async def close(self) -> None:
        await self.keys.close()

    def refused(self, error: str | None, description: str, status: int = 401) -> AuthFailure:
        message = _NO_TOKEN if error is None else f"{'Unauthorized' if status == 401 else 'Forbidden'}: {description}"
        return AuthFailure(status, challenge(self.settings, error, description if error else None), message)

    def authenticate(self, token: str | None, grants: Sequence[GrantConfig]) -> AuthAnswer | Awaitable[AuthAnswer]:
        """See the module docstring."""
        if not token:
            return self.refused(None, "")
        hit = self._answers.get(token)
        if hit is not None and hit[0] is grants and self._clock() <= hit[1]:
            self._subjects[hit[2]] = token  # the token this caller uses now (for token exchange)
            return hit[2]  # this token, these grants, not expired: the answer of last time
        if looks_like_jwt(token):
            try:
                claims = self.validator.validate(token)
            except UnknownKey:
                return self._after_refresh(token, grants)
            except InvalidToken as exc:
                return self.refused("invalid_token", str(exc))
            return self._grant(token, claims, grants, float(claims["exp"]) + self.settings.leeway)
        by_key = key_grant(grants, token)
        if by_key is not None:
            return by_key
        if self.introspector is not None:
            cached = self.introspector.cached(token)
            if cached is not None:
                return self._grant(token, cached, grants, self._clock())
            return self._introspected(token, grants)
        return self.refused("invalid_token", "unknown agent key or access token")

    async def _after_refresh(self, token: str, grants: Sequence[GrantConfig]) -> AuthAnswer:
        if self.keys.may_refresh() and await self.keys.refresh():
            self.validator.forget()
        try:
            claims = self.validator.validate(token)
        except UnknownKey as exc:
            if self.keys.last_error is not None:  # not the token's fault: the provider could not be read
                return AuthFailure(
                    503,
                    challenge(self.settings),
                    f"Service Unavailable: the gateway could not read the signing keys of {self.settings.issuer} "
                    f"({self.keys.last_error}); retry shortly, and tell the operator if it persists",
                )
            return self.refused("invalid_token", str(exc))
        except InvalidToken as exc:
            return self.refused("invalid_token", str(exc))
        return self._grant(token, claims, grants, float(claims["exp"]) + self.settings.leeway)

    async def _introspected(self, token: str, grants: Sequence[GrantConfig]) -> AuthAnswer:
        assert self.introspector is not None
        try:
            claims = await self.introspector.introspect(token)
        except InvalidToken as exc:
            return self.refused("invalid_token", str(exc))
        return self._grant(token, claims, grants, self._clock())  # the introspector caches, not this

    def _grant(self, token: str, claims: Claims, grants: Sequence[GrantConfig], until: float) -> AuthAnswer:
        """The grant for ``claims`` (remembered for this token until ``until``), or why there is none."""
        if self._required:
            missing = self._required - scopes_of(claims)
            if missing:
                needed = " ".join(sorted(missing))
                return self.refused("insufficient_scope", f"the token lacks the scope {needed}", 403)
        grant = grant_for_claims(grants, claims)
        if grant is None:
            who = claims.get("sub") or claims.get("client_id") or "?"
            return AuthFailure(
                403,
                challenge(self.settings),
                f"Forbidden: the token of {who!r} is valid, but no grant of this gateway takes it "
                "(ask the operator to add a grant whose 'match' fits its claims)",
            )
        if len(self._answers) >= _REMEMBERED:
            self._forget_expired()
        self._answers[token] = (grants, until, grant)
        if len(self._subjects) >= _REMEMBERED:
            self._subjects.clear()
        self._subjects[grant] = token
        return grant

    def subject_token(self, grant: GrantConfig | None) -> str | None:
        """The access token behind an OAuth caller's grant (the latest one of that caller), for token
        exchange with an upstream; ``None`` for an agent key's grant."""
        return self._subjects.get(grant) if grant is not None and grant.match else None

    def _forget_expired(self) -> None:
        now = self._clock()
        for token in [t for t, (_, until, _) in self._answers.items() if until < now]:
            del self._answers[token]
        if len(self._answers) >= _REMEMBERED:
            self._answers.clear()
