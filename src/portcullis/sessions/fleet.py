"""What the replicas of a fleet tell each other about legacy sessions, through Redis (``store: redis://``).

A sealed session id (``sessions.seal``) lets any replica adopt a session it has never seen; what a
session's client changes later lives here, shared:

- its mutable state (log level, resource subscriptions): a hash ``<prefix>sess:<label>`` with a TTL,
  read when a replica adopts the session (in the same round trip as the tombstone), written when the
  client changes it, and published so that replicas already holding the session update their copy;
- its end: ``DELETE`` on any replica leaves a tombstone ``<prefix>sess-end:<label>`` (so no replica
  adopts it again) and is published, so every replica drops its copy (a GET stream it holds ends);
- what must reach its GET stream: a replica with a notification for a session whose stream is open on
  another replica publishes it; the replica holding the stream sends it.

Keys and messages name a session by its ``label`` (a digest of the id), never by the id, a bearer
secret. Without Redis, ``LocalSessionSync`` does nothing: one process holds all of its sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from portcullis.errors import StoreUnavailable
from portcullis.limits.redis import split_prefix

__all__ = ["FleetMessage", "LocalSessionSync", "RedisSessionSync", "SessionState", "SessionSync", "open_session_sync"]

log = logging.getLogger("portcullis.fleet")

KEEP = 30 * 86400  # seconds a session's shared state and tombstone are kept (sealed ids are adopted this long)
_DEFAULT_PREFIX = "portcullis:"
_RETRY = 1.0  # seconds between attempts to resubscribe after Redis went away


@dataclass(frozen=True)
class SessionState:
    """The mutable part of a legacy session, as shared by the fleet."""

    log_level: str | None = None
    subscriptions: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FleetMessage:
    """One message between replicas: ``kind`` is ``state``, ``end`` or ``deliver``."""

    kind: str
    label: str
    state: SessionState | None = None
    message: dict[str, Any] | None = None


Handler = Callable[[FleetMessage], Awaitable[None]]


class SessionSync(Protocol):
    shared: bool

    async def recover(self, label: str) -> SessionState | None:
        """The shared state of a session to adopt; ``None`` when it was ended (a tombstone)."""
        ...

    async def save(self, label: str, state: SessionState) -> None: ...

    async def end(self, label: str) -> None: ...

    async def deliver(self, label: str, message: dict[str, Any]) -> None: ...

    async def run(self, handler: Handler) -> None:
        """Hand every message from the other replicas to ``handler`` until cancelled."""
        ...

    async def close(self) -> None: ...


class LocalSessionSync:
    """A single gateway: nothing to share."""

    shared = False

    async def recover(self, label: str) -> SessionState | None:
        return SessionState()

    async def save(self, label: str, state: SessionState) -> None:
        return None

    async def end(self, label: str) -> None:
        return None

    async def deliver(self, label: str, message: dict[str, Any]) -> None:
        return None

    async def run(self, handler: Handler) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        return None


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
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            self.url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )

    async def recover(self, label: str) -> SessionState | None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.exists(self._ends + label)
                pipe.hgetall(self._keys + label)
                ended, fields = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(f"the session store (Redis at {self.url}) is unreachable: {exc}") from None
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
        listener = aioredis.Redis.from_url(self.url, socket_connect_timeout=1.0)
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


def open_session_sync(store: str) -> SessionSync:
    """The session sync of a counter store: Redis shares it with the fleet; anything else is one process."""
    if store.startswith(("redis://", "rediss://")):
        return RedisSessionSync(store)
    return LocalSessionSync()
