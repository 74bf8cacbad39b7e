"""The issuer's signing keys (JWKS), fetched asynchronously and kept in memory.

Calls never wait on the network while the keys they need are cached: ``key(kid)`` is a dict lookup.
The key set is re-read in the background every ``jwks_refresh``, and on demand when a token names a
``kid`` not in the set (the issuer rotated its keys), at most once per ``jwks_min_refresh`` so a
stream of made-up ``kid``s cannot turn the gateway into a load generator against the provider.
Concurrent refreshes share one request (single flight). A failed fetch keeps the keys already known.

Discovery: without ``jwks_uri`` the issuer's ``/.well-known/openid-configuration`` (then RFC 8414's
``/.well-known/oauth-authorization-server``) is read once; its ``issuer`` must equal the configured
one (a mix-up defence) and it names ``jwks_uri`` and, when present, ``introspection_endpoint``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jwt import PyJWK
from jwt.exceptions import InvalidKeyError, PyJWKError

from portcullis.oauth.fetch import fetch_json, where

__all__ = ["Discovery", "JwksCache", "SigningKey", "discovery_urls", "parse_jwks"]

log = logging.getLogger("portcullis.oauth")

Fetch = Callable[[str], Awaitable[dict[str, Any]]]


def discovery_urls(issuer: str) -> tuple[str, ...]:
    """OpenID Connect discovery, then RFC 8414 (path inserted after the well-known prefix)."""
    parts = urlsplit(issuer)
    root = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    return (
        f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        f"{root}/.well-known/oauth-authorization-server{path}",
    )


class Discovery:
    """The issuer's metadata, read once and kept (``jwks_uri``, ``introspection_endpoint``)."""

    def __init__(self, issuer: str, fetch: Fetch | None = None) -> None:
        self.issuer = issuer
        self._fetch: Fetch = fetch or fetch_json
        self.document: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> dict[str, Any]:
        async with self._lock:
            if self.document is not None:
                return self.document
            problems = []
            for url in discovery_urls(self.issuer):
                try:
                    doc = await self._fetch(url)
                except OSError as exc:
                    problems.append(str(exc))
                    continue
                if not isinstance(doc, dict) or doc.get("issuer") != self.issuer:
                    got = doc.get("issuer") if isinstance(doc, dict) else None
                    problems.append(f"{where(url)} names issuer {got!r}, not {self.issuer!r}")
                    continue
                self.document = doc
                return doc
            raise OSError("; ".join(problems))


class JwksCache:
    """Signing keys by ``kid``; see the module docstring for when they are re-read."""

    def __init__(
        self,
        jwks_uri: str | None,
        discovery: Discovery,
        *,
        refresh_every: float = 600.0,
        min_refresh: float = 30.0,
        fetch: Fetch | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_uri = jwks_uri
        self.discovery = discovery
        self.refresh_every = refresh_every
        self.min_refresh = min_refresh
        self._fetch: Fetch = fetch or fetch_json
        self._clock = clock
        self.keys: dict[str | None, SigningKey] = {}
        self.last_fetch: float | None = None  # when a fetch was last tried (success or not)
        self.last_error: str | None = None
        self.fetches = 0
        self._inflight: asyncio.Future[bool] | None = None
        self._task: asyncio.Task[None] | None = None

    def key(self, kid: str | None) -> SigningKey | None:
        """The cached key for ``kid`` (a token without ``kid``: the only key, when there is one)."""
        found = self.keys.get(kid)
        if found is None and kid is None and len(self.keys) == 1:
            return next(iter(self.keys.values()))
        return found

    def may_refresh(self) -> bool:
        """Whether an unknown ``kid`` may trigger a re-read now (rate limit)."""
        return self.last_fetch is None or self._clock() - self.last_fetch >= self.min_refresh

    async def refresh(self) -> bool:
        """Re-read the key set (one request however many callers ask); ``True`` when it was read."""
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._inflight = fut
        try:
            ok = await self._read()
            fut.set_result(ok)
            return ok
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        finally:
            self._inflight = None

    async def _read(self) -> bool:
        self.last_fetch = self._clock()
        self.fetches += 1
        try:
            uri = self.jwks_uri
            if uri is None:
                doc = await self.discovery.get()
                uri = doc.get("jwks_uri")
                if not isinstance(uri, str):
                    raise OSError(f"the discovery document of {self.discovery.issuer} names no jwks_uri")
            document = await self._fetch(uri)
            keys = parse_jwks(document)
        except OSError as exc:
            self.last_error = str(exc)
            log.warning("the issuer's signing keys could not be read (the keys already known stay): %s", exc)
            return False
        self.keys = keys
        self.last_error = None
        return True

    def start(self) -> None:
        """Read the keys again every ``refresh_every`` seconds in the background (after a first ``refresh``)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:  # the first read was done by the caller; a failed one is retried sooner
            await asyncio.sleep(self.refresh_every if not self.last_error else min(self.refresh_every, 5.0))
            with contextlib.suppress(Exception):
                await self.refresh()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass(frozen=True)
class SigningKey:
    """One public key of the issuer: the key object, its type, and the algorithm it declares (if any)."""

    kid: str | None
    key: Any
    kty: str
    alg: str | None


def parse_jwks(document: Any) -> dict[str | None, SigningKey]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise OSError("the JWKS document has no 'keys' list")
    keys: dict[str | None, SigningKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            key = PyJWK(entry)
        except (PyJWKError, InvalidKeyError, ValueError, TypeError):
            continue  # a key type this gateway cannot use (or a malformed one): other keys may serve
        kid = entry.get("kid") if isinstance(entry.get("kid"), str) else None
        alg = entry.get("alg") if isinstance(entry.get("alg"), str) else None
        keys[kid] = SigningKey(kid, key.key, str(entry.get("kty")), alg)
    return keys
