"""The asyncio Redis client every Redis store uses: it fails fast, and never retries behind our back.

Each command (and each connect) has a socket timeout, and the client's own retries are off, so an
unreachable Redis surfaces at once as an error the store turns into ``StoreUnavailable`` (the gateway
then fails closed and says so) instead of a call hanging. ``redis`` is an optional dependency: it is
imported here, when a store asks for a client, never at the import of this module. A pub/sub
listener (``listener_client``) has a connect timeout only: its reads wait for the next message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis.asyncio as aioredis

__all__ = ["listener_client", "redis_client"]


def redis_client(url: str, *, timeout: float, decode_responses: bool = False) -> aioredis.Redis:
    """A client for ``url`` (no ``?prefix=``: see ``store_url.split_prefix``) with ``timeout`` seconds per step."""
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return aioredis.Redis.from_url(
        url,
        decode_responses=decode_responses,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def listener_client(url: str, *, connect_timeout: float = 1.0) -> aioredis.Redis:
    """A client for one pub/sub subscription: its connect times out, its reads wait for messages (a
    subscription is quiet for as long as nothing changes), and it never retries behind our back."""
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return aioredis.Redis.from_url(url, socket_connect_timeout=connect_timeout, retry=Retry(NoBackoff(), 0))
