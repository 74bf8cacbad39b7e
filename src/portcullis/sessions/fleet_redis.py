"""The Redis side of ``sessions.fleet``: legacy session state, tombstones and messages between replicas.

One hash per session (``<prefix>sess:<label>``, its log level and subscriptions), one tombstone per
ended session (``<prefix>sess-end:<label>``), both kept ``KEEP`` seconds, and one pub/sub channel
(``<prefix>fleet``) for ``state``, ``end`` and ``deliver`` messages. ``<prefix>`` is the store URL's
``?prefix=`` (``portcullis:`` without one). Imported only when the store is Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from portcullis._plumbing.redis_client import listener_client, redis_client
from portcullis._plumbing.store_url import safe_url, split_prefix
from portcullis.errors import StoreUnavailable
from portcullis.sessions.fleet import KEEP, FleetMessage, Handler, SessionState

__all__ = ["RedisSessionSync"]

log = logging.getLogger("portcullis.fleet")

_DEFAULT_PREFIX = "portcullis:"
_RETRY = 1.0  # seconds between attempts to resubscribe after Redis went away


class RedisSessionSync:
    """Legacy session state and messages shared through one Redis (the counter store's)."""

    shared = True

    def __init__(self, url: str, timeout: float = 1.0) -> None:
        self.url, own = split_prefix(url)
        prefix = own or _DEFAULT_PREFIX
        self._keys = prefix + "sess:"
        self._ends = prefix + "sess-end:"
        self.channel = prefix + "fleet"
        self.me = secrets.token_hex(8)  # this replica, so it can skip its own messages
        self._client: aioredis.Redis = redis_client(self.url, timeout=timeout)

    async def recover(self, label: str) -> SessionState | None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.exists(self._ends + label)
                pipe.hgetall(self._keys + label)
                ended, fields = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(f"the session store (Redis at {safe_url(self.url)}) is unreachable: {exc}") from None
        if ended:
            return None
        return _state(fields)

    async def save(self, label: str, state: SessionState) -> None:
        fields: list[str | bytes] = ["level", state.log_level or "", "subs", orjson.dumps(sorted(state.subscriptions))]
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hset(self._keys + label, items=fields)
                pipe.expire(self._keys + label, KEEP)
                pipe.publish(self.channel, self._encode("state", label, state=_plain(state)))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("session %s: its log level and subscriptions were not shared with the fleet: %s", label, exc)

    async def end(self, label: str) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.set(self._ends + label, b"1", ex=KEEP)
                pipe.delete(self._keys + label)
                pipe.publish(self.channel, self._encode("end", label))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("session %s: its end was not shared with the fleet: %s", label, exc)

    async def deliver(self, label: str, message: dict[str, Any]) -> None:
        try:
            await self._client.publish(self.channel, self._encode("deliver", label, message=message))
        except (RedisError, OSError) as exc:
            log.warning("session %s: a notification for its stream on another replica was lost: %s", label, exc)

    def _encode(self, kind: str, label: str, **extra: Any) -> bytes:
        return orjson.dumps({"from": self.me, "kind": kind, "label": label, **extra})

    async def run(self, handler: Handler) -> None:
        while True:
            try:
                await self._listen(handler)
            except (RedisError, OSError) as exc:
                log.warning("fleet messages (Redis pub/sub) interrupted: %s; subscribing again", exc)
            await asyncio.sleep(_RETRY)

    async def _listen(self, handler: Handler) -> None:
        listener = listener_client(self.url)
        pubsub = listener.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            async for raw in pubsub.listen():
                message = self._decode(raw.get("data"))
                if message is not None:
                    try:
                        await handler(message)
                    except Exception:
                        log.exception("fleet message %s for session %s failed", message.kind, message.label)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            with contextlib.suppress(Exception):
                await listener.aclose()

    def _decode(self, data: Any) -> FleetMessage | None:
        try:
            raw = orjson.loads(data)
        except (TypeError, orjson.JSONDecodeError):
            return None
        if not isinstance(raw, dict) or raw.get("from") == self.me or not isinstance(raw.get("label"), str):
            return None
        state = raw.get("state")
        message = raw.get("message")
        return FleetMessage(
            str(raw.get("kind")),
            raw["label"],
            _state(state) if isinstance(state, dict) else None,
            message if isinstance(message, dict) else None,
        )

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.aclose()


def _plain(state: SessionState) -> dict[str, Any]:
    return {"level": state.log_level or "", "subs": sorted(state.subscriptions)}


def _state(fields: dict[Any, Any]) -> SessionState:
    """A ``SessionState`` from a Redis hash (bytes) or a published message (str, list)."""

    def get(name: str) -> Any:
        value = fields.get(name, fields.get(name.encode()))
        return value.decode() if isinstance(value, bytes) else value

    subs = get("subs")
    if isinstance(subs, str):
        with contextlib.suppress(orjson.JSONDecodeError):
            subs = orjson.loads(subs)
    level = get("level")
    return SessionState(
        log_level=level if isinstance(level, str) and level else None,
        subscriptions=frozenset(s for s in subs if isinstance(s, str)) if isinstance(subs, list) else frozenset(),
    )
