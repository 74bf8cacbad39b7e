"""Approvals in Redis, shared by every gateway replica and the CLI.

Keys (``P`` is the key prefix, ``portcullis:`` by default):

- ``P{approvals}:ap:ID`` — a hash of the request's fields (see ``codec``);
- ``P{approvals}:latest:GRANT:DIGEST`` — the id of the newest request for that call;
- ``P{approvals}:index`` — a sorted set of ids by request time (for ``list``);
- ``P{approvals}:pending`` — a sorted set of pending ids by expiry (for the pending gauge);
- ``P{approvals}:pending:GRANT`` — the same for one grant (for ``approvals.max_pending_per_grant``).

The ``{approvals}`` hash tag keeps them in one Redis Cluster slot, so each change is one Lua script.
Requests are kept ``retain`` seconds (30 days) after their last change.

As with the counters (``limits.redis``): every command has a socket timeout (1 s), the client does not
retry behind our back, and any Redis error is raised as ``StoreUnavailable`` naming the store
(password hidden), which the gateway turns into a denial (fail closed) and an audit record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from portcullis._plumbing.redis_client import redis_client
from portcullis._plumbing.store_url import safe_url
from portcullis.approvals.codec import from_fields, to_fields
from portcullis.approvals.model import Approval
from portcullis.errors import ApprovalClosed, ApprovalNotFound, StoreUnavailable, TooManyPending

__all__ = ["RedisApprovalStore"]

# KEYS: ap key, latest key, index, pending zset, the grant's pending zset
# ARGV: ap key prefix, now, id, expires_at, retain, max pending for the grant (0: no cap), field/value pairs...
_CREATE = """
local cur = redis.call('GET', KEYS[2])
if cur then
  local f = redis.call('HMGET', ARGV[1] .. cur, 'status', 'expires_at')
  if f[1] == 'pending' and tonumber(f[2]) > tonumber(ARGV[2]) then return cur end
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[2])
local cap = tonumber(ARGV[6])
if cap > 0 and redis.call('ZCARD', KEYS[5]) >= cap then return {err = 'TOOMANY'} end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[3])
redis.call('EXPIRE', KEYS[5], ARGV[5])
return ARGV[3]
"""
# KEYS: ap key, pending zset, the grant's pending zset; ARGV: now, id, retain, field/value pairs...
_DECIDE = """
local f = redis.call('HMGET', KEYS[1], 'status', 'expires_at')
if not f[1] then return {err = 'NOTFOUND'} end
if f[1] ~= 'pending' then return {err = 'CLOSED ' .. f[1]} end
if tonumber(f[2]) <= tonumber(ARGV[1]) then return {err = 'CLOSED expired'} end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 'OK'
"""
_CONSUME = """
local f = redis.call('HMGET', KEYS[1], 'status', 'single_use', 'used_at', 'valid_until')
if f[1] ~= 'approved' or f[2] ~= '1' or (f[3] and f[3] ~= '') then return 0 end
if f[4] and f[4] ~= '' and tonumber(f[4]) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'used_at', ARGV[2])
return 1
"""


class RedisApprovalStore:
    def __init__(
        self, url: str, *, key_prefix: str = "portcullis:", retain: float = 30 * 86400.0, timeout: float = 1.0
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.prefix = f"{key_prefix}{{approvals}}:"
        self.retain = int(retain)
        self._redis: aioredis.Redis | None = None
        self._scripts: dict[str, Any] = {}

    def _r(self) -> aioredis.Redis:
        assert self._redis is not None, "call open() first"
        return self._redis

    def _key(self, approval_id: str) -> str:
        return f"{self.prefix}ap:{approval_id}"

    def _latest_key(self, grant: str | None, digest: str) -> str:
        return f"{self.prefix}latest:{grant or ''}:{digest}"

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        """Turn any Redis or socket error inside the block into ``StoreUnavailable``."""
        try:
            yield
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(
                f"the approval store {safe_url(self.url)} is unreachable ({exc})",
                "calls that need an approval are denied until it is back; check that Redis "
                "is running, or fix 'store' in the config",
            ) from None

    async def open(self) -> None:
        self._redis = redis_client(self.url, timeout=self.timeout, decode_responses=True)
        with self._reaching():
            await self._redis.ping()
        for name, src in (("create", _CREATE), ("decide", _DECIDE), ("consume", _CONSUME)):
            self._scripts[name] = self._redis.register_script(src)

    def _grant_pending_key(self, grant: str | None) -> str:
        return f"{self.prefix}pending:{grant or ''}"

    async def create(self, approval: Approval, now: float, max_pending: int | None = None) -> Approval:
        fields = to_fields(approval)
        pairs = [x for kv in fields.items() for x in kv]
        keys = [
            self._key(approval.id),
            self._latest_key(approval.grant, approval.digest),
            f"{self.prefix}index",
            f"{self.prefix}pending",
            self._grant_pending_key(approval.grant),
        ]
        with self._reaching():
            try:
                got = await self._scripts["create"](
                    keys=keys,
                    args=[
                        f"{self.prefix}ap:",
                        repr(now),
                        approval.id,
                        repr(approval.expires_at),
                        self.retain,
                        max_pending or 0,
                        *pairs,
                    ],
                )
            except ResponseError as exc:
                if str(exc).startswith("TOOMANY") and max_pending is not None:
                    raise TooManyPending(approval.grant, max_pending) from None
                raise
        if got == approval.id:
            return approval
        existing = await self.get(str(got))
        return existing if existing is not None else approval

    async def get(self, approval_id: str) -> Approval | None:
        with self._reaching():
            fields = await self._r().hgetall(self._key(approval_id))
        return from_fields(fields) if fields else None

    async def latest(self, grant: str | None, digest: str) -> Approval | None:
        with self._reaching():
            approval_id = await self._r().get(self._latest_key(grant, digest))
        return await self.get(str(approval_id)) if approval_id else None

    async def decide(self, decided: Approval, now: float) -> Approval:
        f = to_fields(decided)
        changes = [
            "status",
            f["status"],
            "decided_at",
            f["decided_at"],
            "approver",
            f["approver"],
            "comment",
            f["comment"],
            "single_use",
            f["single_use"],
            "valid_until",
            f["valid_until"],
        ]
        with self._reaching():
            try:
                await self._scripts["decide"](
                    keys=[self._key(decided.id), f"{self.prefix}pending", self._grant_pending_key(decided.grant)],
                    args=[repr(now), decided.id, self.retain, *changes],
                )
            except ResponseError as exc:
                text = str(exc)
                if text.startswith("NOTFOUND"):
                    raise ApprovalNotFound(decided.id) from None
                if text.startswith("CLOSED"):
                    raise ApprovalClosed(decided.id, text.split()[-1]) from None
                raise
        return decided

    async def consume(self, approval_id: str, now: float) -> bool:
        with self._reaching():
            got = await self._scripts["consume"](keys=[self._key(approval_id)], args=[repr(now), repr(now)])
        return bool(got)

    async def _list(self, status: str | None, limit: int, now: float) -> list[Approval]:
        r = self._r()
        await r.zremrangebyscore(f"{self.prefix}index", "-inf", now - self.retain)
        out: list[Approval] = []
        start, page = 0, max(limit, 100)
        while len(out) < limit:
            ids = await r.zrevrange(f"{self.prefix}index", start, start + page - 1)
            if not ids:
                break
            start += page
            pipe = r.pipeline(transaction=False)
            for approval_id in ids:
                pipe.hgetall(self._key(str(approval_id)))
            for fields in await pipe.execute():
                if not fields:
                    continue
                a = from_fields(fields)
                if status is None or a.effective_status(now) == status:
                    out.append(a)
                    if len(out) >= limit:
                        break
        return out

    async def list(self, status: str | None, limit: int, now: float) -> list[Approval]:
        with self._reaching():
            return await self._list(status, limit, now)

    async def count_pending(self, now: float) -> int:
        r = self._r()
        with self._reaching():
            await r.zremrangebyscore(f"{self.prefix}pending", "-inf", now)
            return int(await r.zcard(f"{self.prefix}pending"))

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
