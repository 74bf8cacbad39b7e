"""One small HTTP client for the identity provider: GET a JSON document, or POST a form and read JSON back.

Used for discovery, the key set, introspection and client-credentials tokens. Every failure (refused,
timed out, not 200, not JSON, larger than 1 MiB) is an ``OSError`` whose text names the URL without its
query string or user info (never a credential); redirects are not followed; the environment's proxies are ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

__all__ = ["Post", "fetch_json", "post_form", "where"]

# POST a form with HTTP Basic client credentials, read JSON back: the token endpoint's and the
# introspection endpoint's shape (tests pass their own to count or fail requests).
Post = Callable[[str, dict[str, str], tuple[str, str]], Awaitable[Any]]

_FETCH_TIMEOUT = 10.0
_MAX_DOCUMENT = 1024 * 1024


async def fetch_json(url: str, *, data: dict[str, str] | None = None, auth: tuple[str, str] | None = None) -> Any:
    """GET (or POST a form to) ``url`` and parse its JSON answer; any failure raises ``OSError``."""
    timeout = aiohttp.ClientTimeout(total=_FETCH_TIMEOUT)
    basic = aiohttp.BasicAuth(auth[0], auth[1]) if auth is not None else None
    try:
        async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as http:
            request = (
                http.post(url, data=data, auth=basic, allow_redirects=False)
                if data is not None
                else http.get(url, allow_redirects=False)
            )
            async with request as resp:
                body = await resp.content.read(_MAX_DOCUMENT + 1)
                if resp.status != 200:
                    raise OSError(f"{where(url)} answered HTTP {resp.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise OSError(f"{where(url)} could not be reached: {exc or type(exc).__name__}") from None
    if len(body) > _MAX_DOCUMENT:
        raise OSError(f"{where(url)} answered more than {_MAX_DOCUMENT} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise OSError(f"{where(url)} did not answer JSON") from None


def where(url: str) -> str:
    """``url`` without a user or password, query or fragment, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


async def post_form(url: str, form: dict[str, str], auth: tuple[str, str]) -> Any:
    """POST ``form`` to ``url`` with ``auth`` as HTTP Basic; the JSON answer (a ``Post``)."""
    return await fetch_json(url, data=form, auth=auth)
