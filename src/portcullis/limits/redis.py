"""Counters in Redis, shared by every gateway replica: one Lua script, one round trip per call.

- Redis ``TIME`` is the only clock, so replicas with skewed clocks still count the same windows.
- All of a call's limits are checked and taken inside one script: all-or-nothing, and a refused call
  spends nothing on its other counters.
- One string per counter (``"bucket used previous"``, expiring after two windows), every key declared
  in ``KEYS``, and hash-tagged (``{g:<grant>}`` / ``{global}``) so a grant's keys share a
  Redis Cluster slot.
- A Redis that cannot be reached raises ``StoreUnavailable`` at once (no retries hidden in the client);
  the policy layer turns that into a denial unless the policy says ``fail_open: true``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError

from portcullis._plumbing.redis_client import redis_client
from portcullis._plumbing.store_url import safe_url, split_prefix
from portcullis.errors import StoreUnavailable
from portcullis.limits.model import Acquired, LimitRequest, Refused, Taken, Usage
from portcullis.limits.window import State, usage

__all__ = ["DEFAULT_PREFIX", "RedisCounterStore"]

DEFAULT_PREFIX = "portcullis:rl:"

# ARGV[1] is the operation, then one space-separated argument per key; each counter is one string
# "bucket used previous" with a TTL of two windows. One MGET reads every counter of the call.
#   take: "window aligned(1/0) max cost"  → "bucket bucket …" (a string) or {index, used, retry_after (-1: never)}
#   give: "bucket cost"                    → 1
# The arithmetic is portcullis.limits.window's, in Lua.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS
local values = redis.call('MGET', unpack(KEYS))
if ARGV[1] == 't' then
  local states = {}
  for i = 1, n do
    local w, al, limit, cost = string.match(ARGV[i + 1], '^(%S+) (%S+) (%S+) (%S+)$')
    w, limit, cost = tonumber(w), tonumber(limit), tonumber(cost)
    local aligned = al == '1'
    local b = math.floor(now / w)
    local cur, prev = 0, 0
    if values[i] then
      local sb, sc, sp = string.match(values[i], '^(%S+) (%S+) (%S+)$')
      sb = tonumber(sb)
      if sb == b then
        cur, prev = tonumber(sc), tonumber(sp)
      elseif sb == b - 1 then
        prev = tonumber(sc)
      end
    end
    local used = cur
    if not aligned then used = cur + prev * (w - (now - b * w)) / w end
    if used + cost > limit then
      local retry = -1
      if cost <= limit then
        local nxt = (b + 1) * w
        if aligned then
          retry = nxt - now
        elseif cur + cost <= limit then
          retry = math.max(0, b * w + (1 - (limit - cur - cost) / prev) * w - now)
        else
          retry = nxt - now + (1 - (limit - cost) / cur) * w
        end
      end
      return {i, string.format('%.17g', used), string.format('%.17g', retry)}
    end
    states[i] = {b, cur + cost, prev, w}
  end
  local out = {}
  for i = 1, n do
    local s = states[i]
    out[i] = string.format('%d', s[1])
    redis.call('SET', KEYS[i], string.format('%d %.17g %.17g', s[1], s[2], s[3]), 'PX', math.ceil(s[4] * 2000) + 1000)
  end
  return table.concat(out, ' ')
end
for i = 1, n do
  local b, cost = string.match(ARGV[i + 1], '^(%S+) (%S+)$')
  b, cost = tonumber(b), tonumber(cost)
  if values[i] then
    local sb, sc, sp = string.match(values[i], '^(%S+) (%S+) (%S+)$')
    sb, sc, sp = tonumber(sb), tonumber(sc), tonumber(sp)
    if sb == b then
      sc = math.max(0, sc - cost)
    elseif sb == b + 1 then
      sp = math.max(0, sp - cost)
    end
    redis.call('SET', KEYS[i], string.format('%d %.17g %.17g', sb, sc, sp), 'KEEPTTL')
  end
end
return 1
"""


class RedisCounterStore:
    """A ``CounterStore`` in Redis. ``url`` may carry ``?prefix=…`` for the key prefix."""

    def __init__(self, url: str, prefix: str | None = None, timeout: float = 1.0) -> None:
        self.url, own = split_prefix(url)
        self.prefix = prefix or own or DEFAULT_PREFIX
        self._client: aioredis.Redis = redis_client(self.url, timeout=timeout)
        self._sha = hashlib.sha1(_SCRIPT.encode()).hexdigest()
        self._execute = cast(Callable[..., Awaitable[Any]], self._client.execute_command)

    async def _run(self, keys: list[str], args: list[str]) -> Any:
        """EVALSHA, loading the script once if Redis does not have it (first use, or after a restart)."""
        try:
            try:
                return await self._execute("EVALSHA", self._sha, len(keys), *keys, *args)
            except NoScriptError:
                await self._client.script_load(_SCRIPT)
                return await self._execute("EVALSHA", self._sha, len(keys), *keys, *args)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    def redis_key(self, request: LimitRequest) -> str:
        """Where a request's counter lives in Redis."""
        return f"{self.prefix}{{{request.tag}}}:{request.key}"

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"the rate-limit store {safe_url(self.url)} is unreachable ({exc})",
            "calls with rate limits are refused until it is back; check that Redis is running",
        )

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        if not requests:
            return Acquired(())
        prefix = self.prefix
        keys = [f"{prefix}{{{r.tag}}}:{r.key}" for r in requests]
        args = ["t", *[f"{r.window!r} {1 if r.aligned else 0} {r.max!r} {r.cost!r}" for r in requests]]
        reply = await self._run(keys, args)
        if isinstance(reply, bytes):
            return Acquired(tuple(Taken(r, int(b)) for r, b in zip(requests, reply.split(), strict=True)))
        retry = float(reply[2])
        return Refused(requests[int(reply[0]) - 1], float(reply[1]), None if retry < 0 else retry)

    async def peek(self, requests: Sequence[LimitRequest], now: float) -> tuple[Usage, ...]:
        """``TIME`` and one ``MGET`` in a ``MULTI``: read only (no script, no ``SET``, expiries untouched);
        Redis's clock, as ``acquire`` uses, not ``now``."""
        if not requests:
            return ()
        try:
            async with self._client.pipeline(transaction=True) as pipe:
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
        await self._run(keys, ["g", *[f"{t.bucket} {t.request.cost!r}" for t in acquired.taken]])

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless Redis answers."""
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def close(self) -> None:
        await self._client.aclose()


def _state(value: bytes | None) -> State | None:
    """A counter's string (``"bucket used previous"``) as the window arithmetic reads it."""
    if value is None:
        return None
    bucket, used, previous = value.split()
    return int(bucket), float(used), float(previous)
