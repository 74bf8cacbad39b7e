"""An upstream's own access token, from an OAuth client-credentials grant, renewed before it expires.

The gateway (not the agent) is the OAuth client here: it posts ``grant_type=client_credentials`` to
the provider's token URL (client id and secret by HTTP Basic; ``scope``, ``resource`` and
``audience`` when configured), and sends ``Authorization: Bearer <token>`` to the upstream on every
request. The token is fetched when the upstream's connection opens, then renewed in the background
``refresh_before`` seconds before it expires (default: 60 s, or a fifth of its lifetime when that is
shorter), so no call waits for the provider. A failed renewal is retried every few seconds while the
current token lasts. Tokens and secrets never appear in logs or errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable

from portcullis.errors import UpstreamUnavailable
from portcullis.oauth.fetch import Post, post_form
from portcullis.upstream.transports.base import Transport
from portcullis.upstream_auth.settings import ClientCredentialsSettings

__all__ = ["ClientCredentials"]

log = logging.getLogger("portcullis.upstream")

_DEFAULT_LIFETIME = 300.0  # seconds, when the provider does not say (expires_in)
_RETRY = 2.0  # seconds between attempts after a failed renewal


class ClientCredentials:
    """The token source of one upstream (see the module docstring)."""

    def __init__(
        self,
        server: str,
        settings: ClientCredentialsSettings,
        post: Post | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.settings = settings
        self._post: Post = post or post_form
        self._clock = clock
        self._token: str | None = None
        self.expires_at = 0.0
        self.lifetime = 0.0
        self.fetches = 0
        self._transports: weakref.WeakSet[Transport] = weakref.WeakSet()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentials(server={self.server!r}, token_url={self.settings.token_url!r})"

    @property
    def renew_at(self) -> float:
        margin = self.settings.refresh_before
        if margin is None:
            margin = min(60.0, self.lifetime / 5)
        return self.expires_at - margin

    async def attach(self, transport: Transport) -> None:
        """Give ``transport`` a current token (fetching one if needed) and keep it renewed."""
        async with self._lock:
            if self._token is None or self._clock() >= self.expires_at:
                await self._fetch()
        assert self._token is not None
        transport.set_header("Authorization", f"Bearer {self._token}")
        self._transports.add(transport)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._renew())

    async def _fetch(self) -> None:
        s = self.settings
        form = {"grant_type": "client_credentials"}
        for key, value in (("scope", s.scope), ("resource", s.resource), ("audience", s.audience)):
            if value:
                form[key] = value
        self.fetches += 1
        try:
            answer = await self._post(s.token_url, form, (s.client_id, s.client_secret))
        except OSError as exc:
            raise UpstreamUnavailable(self.server, f"its access token could not be obtained: {exc}") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise UpstreamUnavailable(self.server, "the token endpoint answered no access_token")
        expires_in = answer.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else _DEFAULT_LIFETIME
        self._token, self.lifetime, self.expires_at = token, lifetime, self._clock() + lifetime
        for transport in list(self._transports):
            transport.set_header("Authorization", f"Bearer {token}")

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(max(0.0, self.renew_at - self._clock()))
            try:
                async with self._lock:
                    await self._fetch()
            except UpstreamUnavailable as exc:
                log.warning("upstream %s: renewing its access token failed (retrying): %s", self.server, exc.reason)
                await asyncio.sleep(_RETRY)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
