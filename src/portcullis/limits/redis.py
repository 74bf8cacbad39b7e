"""Counters in Redis, shared by every gateway replica: one Lua script, one round trip per call.

- Redis ``TIME`` is the only clock, so replicas with skewed clocks still count the same windows.
- All of a call's limits are checked and taken inside one script (``limits.redis_scripts``):
  all-or-nothing, and a refused call spends nothing on its other counters. A session's ``Marks`` (the
  data flow that session rules watch) are checked and set by the same script: no round trip of their own.
- One string per counter, expiring after two windows, every key declared in ``KEYS``, and hash-tagged
  (``{g:<grant>}`` / ``{global}``) so a grant's keys share a Redis Cluster slot.
- Cheap per call: ``EVALSHA`` of a script loaded once, each request's key and packed numbers encoded
  once and remembered (policies hand out the same ``LimitRequest`` objects call after call), and the
  replies parsed by hiredis when it is installed (the ``redis`` extra brings it).
- A Redis that cannot be reached raises ``StoreUnavailable`` at once (no retries hidden in the client);
  the policy layer turns that into a denial unless the policy says ``fail_open: true``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError
from redis.utils import HIREDIS_AVAILABLE

from portcullis._plumbing.redis_client import redis_client
from portcullis._plumbing.store_url import safe_url, split_prefix
from portcullis.errors import StoreUnavailable
from portcullis.limits.model import Acquired, LimitRequest, Marks, Refused, Stopped, Taken, Usage
from portcullis.limits.redis_scripts import GIVE, GIVE_SPEC, TAKE, TAKE_SPEC, counter_state, sha1
from portcullis.limits.window import State, usage

__all__ = ["DEFAULT_PREFIX", "RedisCounterStore"]

DEFAULT_PREFIX = "portcullis:rl:"
_REMEMBERED = 65_536
_SCRIPTS = {sha1(TAKE): TAKE, sha1(GIVE): GIVE}
_TAKE_SHA, _GIVE_SHA = sha1(TAKE), sha1(GIVE)
Encoded = tuple[LimitRequest, bytes, bytes]  # the request, its Redis key, its packed numbers


class RedisCounterStore:
    """A ``CounterStore`` (and ``MarkingStore``) in Redis. ``url`` may carry ``?prefix=…`` for the key prefix."""

    def __init__(self, url: str, prefix: str | None = None, timeout: float = 1.0) -> None:
        self.url, own = split_prefix(url)
        self.prefix = prefix or own or DEFAULT_PREFIX
        self.client: aioredis.Redis = redis_client(self.url, timeout=timeout)
        self.parser = "hiredis" if HIREDIS_AVAILABLE else "python"
        self._execute = cast(Callable[..., Awaitable[Any]], self.client.execute_command)
        self._encoded: dict[int, Encoded] = {}

    def redis_key(self, request: LimitRequest) -> str:
        """Where a request's counter lives in Redis."""
        return f"{self.prefix}{{{request.tag}}}:{request.key}"

    def _encode(self, request: LimitRequest) -> Encoded:
        """The request's key and numbers for the script, encoded once (by identity: the policy reuses them)."""
        found = self._encoded.get(id(request))
        if found is None or found[0] is not request:
            if len(self._encoded) >= _REMEMBERED:
                self._encoded.clear()
            numbers = TAKE_SPEC.pack(request.window, 1.0 if request.aligned else 0.0, request.max, request.cost)
            found = self._encoded[id(request)] = (request, self.redis_key(request).encode(), numbers)
        return found

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"the rate-limit store {safe_url(self.url)} is unreachable ({exc})",
            "calls with rate limits are refused until it is back; check that Redis is running",
        )

    async def _run(self, sha: str, keys: Sequence[bytes | str], *args: bytes | str) -> Any:
        """EVALSHA, loading the script once if Redis does not have it (first use, or after a restart)."""
        try:
            try:
                return await self._execute("EVALSHA", sha, len(keys), *keys, *args)
            except NoScriptError:
                await self.client.script_load(_SCRIPTS[sha])
                return await self._execute("EVALSHA", sha, len(keys), *keys, *args)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        if not requests:
            return Acquired(())
        encode = self._encode
        if len(requests) == 1:
            _, key, numbers = encode(requests[0])
            reply = await self._run(_TAKE_SHA, (key,), numbers)
        else:
            encoded = [encode(r) for r in requests]
            reply = await self._run(_TAKE_SHA, [e[1] for e in encoded], b"".join([e[2] for e in encoded]))
        got = _answer(requests, reply)
        assert not isinstance(got, Stopped)  # no marks, no stop
        return got

    async def acquire_marked(
        self, requests: Sequence[LimitRequest], now: float, marks: Marks
    ) -> Acquired | Refused | Stopped:
        """``acquire`` with the session's marks checked first and set after, in the same script."""
        encoded = [self._encode(r) for r in requests]
        keys: list[bytes | str] = [e[1] for e in encoded]
        keys.append(marks.key)
        stop = ";".join(",".join(group) for group in marks.stop_if)
        reply = await self._run(
            _TAKE_SHA, keys, b"".join([e[2] for e in encoded]), stop, ",".join(marks.add), marks.value
        )
        return _answer(requests, reply)

    async def marks(self, key: str) -> dict[str, str]:
        """The marks a session has (mark → value): for tests and tools, not the call path."""
        try:
            raw: dict[Any, Any] = await self.client.hgetall(key)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def peek(self, requests: Sequence[LimitRequest], now: float) -> tuple[Usage, ...]:
        """``TIME`` and one ``MGET`` in a ``MULTI``: read only (no script, no ``SET``, expiries untouched);
        Redis's clock, as ``acquire`` uses, not ``now``."""
        if not requests:
            return ()
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.time()
                pipe.mget([self.redis_key(r) for r in requests])
                (seconds, micros), values = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        at = float(seconds) + float(micros) / 1_000_000
        return tuple(
            Usage(r, *usage(_state(v), r.window, r.aligned, at)) for r, v in zip(requests, values, strict=True)
        )

    async def release(self, acquired: Acquired) -> None:
        if not acquired.taken:
            return
        keys = [self.redis_key(t.request) for t in acquired.taken]
        await self._run(_GIVE_SHA, keys, b"".join([GIVE_SPEC.pack(t.bucket, t.request.cost) for t in acquired.taken]))

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless Redis answers."""
        try:
            await self.client.ping()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def close(self) -> None:
        await self.client.aclose()


def _answer(requests: Sequence[LimitRequest], reply: list[Any]) -> Acquired | Refused | Stopped:
    """The reply: ``{1, bucket…}`` taken, ``{2, index, used, retry}`` refused, ``{3, mark, value…}`` stopped."""
    kind = reply[0]
    if kind == 1:
        return Acquired(tuple([Taken(r, b) for r, b in zip(requests, reply[1:], strict=True)]))
    if kind == 2:
        retry = float(reply[3])
        return Refused(requests[reply[1] - 1], float(reply[2]), None if retry < 0 else retry)
    it = iter(reply[1:])
    return Stopped({mark.decode(): value.decode() for mark, value in zip(it, it, strict=True)})


def _state(value: bytes | None) -> State | None:
    """A counter's stored value (either form: ``redis_scripts.counter_state``) as the window arithmetic reads it."""
    return None if value is None else counter_state(value)
