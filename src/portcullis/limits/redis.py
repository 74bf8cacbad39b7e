"""Counters in Redis, shared by every gateway replica: one Lua script, one round trip per call.

- Redis ``TIME`` is the only clock, so replicas with skewed clocks still count the same windows.
- All of a call's limits are checked and taken inside one script: all-or-nothing, and a refused call
  spends nothing on its other counters.
- One hash per counter (``b`` bucket, ``c`` used now, ``p`` used in the previous window), every key
  declared in ``KEYS``, and hash-tagged (``{g:<grant>}`` / ``{global}``) so a grant's keys share a
  Redis Cluster slot.
- A Redis that cannot be reached raises ``StoreUnavailable`` at once (no retries hidden in the client);
  the policy layer turns that into a denial unless the policy says ``fail_open: true``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from portcullis.errors import StoreUnavailable
from portcullis.limits.model import Acquired, LimitRequest, Refused, Taken

__all__ = ["DEFAULT_PREFIX", "RedisCounterStore", "safe_url"]

DEFAULT_PREFIX = "portcullis:rl:"

# ARGV[1] is the operation; then four values per key.
#   take: window, aligned (1/0), max, cost      → {1, bucket...} or {0, index, used, retry_after (-1: never)}
#   give: window, aligned (1/0), bucket, cost   → 1
# The arithmetic is portcullis.limits.window's, in Lua.
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local n = #KEYS
if ARGV[1] == 'take' then
  local buckets, currents, previouses = {}, {}, {}
  for i = 1, n do
    local base = 1 + (i - 1) * 4
    local w = tonumber(ARGV[base + 1])
    local aligned = ARGV[base + 2] == '1'
    local limit = tonumber(ARGV[base + 3])
    local cost = tonumber(ARGV[base + 4])
    local b = math.floor(now / w)
    local h = redis.call('HMGET', KEYS[i], 'b', 'c', 'p')
    local sb = tonumber(h[1])
    local cur, prev = 0, 0
    if sb == b then
      cur = tonumber(h[2]) or 0
      prev = tonumber(h[3]) or 0
    elseif sb == b - 1 then
      prev = tonumber(h[2]) or 0
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
      return {0, i, tostring(used), tostring(retry)}
    end
    buckets[i], currents[i], previouses[i] = b, cur + cost, prev
  end
  local out = {1}
  for i = 1, n do
    local w = tonumber(ARGV[1 + (i - 1) * 4 + 1])
    redis.call('HSET', KEYS[i], 'b', buckets[i], 'c', currents[i], 'p', previouses[i])
    redis.call('PEXPIRE', KEYS[i], math.ceil(w * 2000) + 1000)
    out[i + 1] = buckets[i]
  end
  return out
end
for i = 1, n do
  local base = 1 + (i - 1) * 4
  local b = tonumber(ARGV[base + 3])
  local cost = tonumber(ARGV[base + 4])
  local h = redis.call('HMGET', KEYS[i], 'b', 'c', 'p')
  local sb = tonumber(h[1])
  if sb == b then
    redis.call('HSET', KEYS[i], 'c', math.max(0, (tonumber(h[2]) or 0) - cost))
  elseif sb == b + 1 then
    redis.call('HSET', KEYS[i], 'p', math.max(0, (tonumber(h[3]) or 0) - cost))
  end
end
return 1
"""


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" if parts.username else f":***@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class RedisCounterStore:
    """A ``CounterStore`` in Redis. ``url`` may carry ``?prefix=…`` for the key prefix."""

    def __init__(self, url: str, prefix: str | None = None, timeout: float = 1.0) -> None:
        parts = urlsplit(url)
        query = parse_qsl(parts.query)
        own = dict(query).get("prefix")
        rest = urlencode([(k, v) for k, v in query if k != "prefix"])
        self.url = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment))
        self.prefix = prefix or own or DEFAULT_PREFIX
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            self.url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))
        self._script = self._client.register_script(_SCRIPT)

    def redis_key(self, request: LimitRequest) -> str:
        """Where a request's counter lives in Redis."""
        return f"{self.prefix}{{{request.tag}}}:{request.key}"

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"the rate-limit store {safe_url(self.url)} is unreachable ({exc})",
                                "calls with rate limits are refused until it is back; check that Redis is running")

    async def acquire(self, requests: Sequence[LimitRequest], now: float) -> Acquired | Refused:
        if not requests:
            return Acquired(())
        args: list[Any] = ["take"]
        for r in requests:
            args += (repr(r.window), "1" if r.aligned else "0", repr(r.max), repr(r.cost))
        try:
            reply = await self._script(keys=[self.redis_key(r) for r in requests], args=args)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        if reply[0] == 1:
            return Acquired(tuple(Taken(r, int(b)) for r, b in zip(requests, reply[1:], strict=True)))
        retry = float(reply[3])
        return Refused(requests[int(reply[1]) - 1], float(reply[2]), None if retry < 0 else retry)

    async def release(self, acquired: Acquired) -> None:
        if not acquired.taken:
            return
        args: list[Any] = ["give"]
        for t in acquired.taken:
            r = t.request
            args += (repr(r.window), "1" if r.aligned else "0", str(t.bucket), repr(r.cost))
        try:
            await self._script(keys=[self.redis_key(t.request) for t in acquired.taken], args=args)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless Redis answers."""
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def close(self) -> None:
        await self._client.aclose()
