"""Per-caller upstream tokens: the OAuth caller's access token exchanged for one meant for an upstream (RFC 8693).

Some upstreams need to know who the user is, not only that the gateway calls. For a server with
``token_exchange:``, each ``tools/call`` carries ``Authorization: Bearer <exchanged token>``: the
gateway posts ``grant_type=urn:ietf:params:oauth:grant-type:token-exchange`` with the caller's token
as ``subject_token`` (and ``audience``/``resource``/``scope`` as configured) to the provider's token
URL, authenticating as itself. The exchanged token is cached per caller token until shortly before it
expires; concurrent calls of one caller share one exchange. A caller without an access token (an agent
key) cannot be exchanged: the call fails, saying so. The handshake and listings keep the server's own
credentials (``headers``, ``auth``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from portcullis.errors import UpstreamUnavailable
from portcullis.oauth.fetch import Post, post_form
from portcullis.upstream_auth.settings import TokenExchangeSettings

__all__ = ["TOKEN_EXCHANGE", "TokenExchanger"]

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
_CACHE_SIZE = 10_000
_DEFAULT_LIFETIME = 300.0


class TokenExchanger:
    """Exchanges and caches callers' tokens for one upstream; see the module docstring."""

    def __init__(
        self,
        server: str,
        settings: TokenExchangeSettings,
        post: Post | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.settings = settings
        self._post: Post = post or post_form
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}
        self._inflight: dict[str, asyncio.Future[dict[str, str]]] = {}
        self.exchanges = 0

    def __repr__(self) -> str:
        return f"TokenExchanger(server={self.server!r}, token_url={self.settings.token_url!r})"

    async def headers_for(self, subject_token: str | None) -> dict[str, str]:
        """The ``Authorization`` header for a call made with ``subject_token``; ``UpstreamUnavailable``
        (the call provably not sent) when there is none or the provider refuses."""
        if not subject_token:
            raise UpstreamUnavailable(
                self.server,
                "it takes each caller's own identity (token exchange), and this caller signed in with an agent "
                "key, not an OAuth access token",
                may_have_run=False,
            )
        hit = self._cache.get(subject_token)
        if hit is not None and self._clock() < hit[0]:
            return hit[1]
        pending = self._inflight.get(subject_token)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        self._inflight[subject_token] = fut
        try:
            headers = await self._exchange(subject_token)
            fut.set_result(headers)
            return headers
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: no warning when nobody else waited
            raise
        finally:
            del self._inflight[subject_token]

    async def _exchange(self, subject_token: str) -> dict[str, str]:
        s = self.settings
        form = {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": subject_token,
            "subject_token_type": ACCESS_TOKEN,
            "requested_token_type": ACCESS_TOKEN,
        }
        for key, value in (("audience", s.audience), ("resource", s.resource), ("scope", s.scope)):
            if value:
                form[key] = value
        self.exchanges += 1
        try:
            answer = await self._post(s.token_url, form, (s.client_id, s.client_secret))
        except OSError as exc:
            raise UpstreamUnavailable(
                self.server,
                f"the caller's token could not be exchanged for one of this server: {exc}",
                may_have_run=False,
            ) from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise UpstreamUnavailable(self.server, "the token exchange answered no access_token", may_have_run=False)
        expires_in = answer.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else _DEFAULT_LIFETIME
        headers = {"Authorization": f"Bearer {token}"}
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[subject_token] = (self._clock() + lifetime - min(30.0, lifetime / 5), headers)
        return headers
