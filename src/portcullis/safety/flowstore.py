"""The data flow of sessions in Redis, so that every gateway replica sharing the store sees it.

One hash per session (``<prefix>{g:<grant>}:flow:<session>``, hash-tagged like the grant's counters):
field = tag, value = ``"<time> <tool>"`` of the first call that read it (``HSETNX``: the first stays).
It expires a day after the session last added to it. Round trips: a call whose tool is tagged with a
session rule's ``then`` reads the hash (``HGETALL``); a call that went ahead and carries a tag some rule
waits for writes it (``HSETNX`` + ``EXPIRE``, pipelined). Other calls touch nothing. These are not
folded into the rate limits' script: a tagged call costs one round trip of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from portcullis._plumbing.redis_client import redis_client
from portcullis._plumbing.store_url import safe_url, split_prefix
from portcullis.errors import StoreUnavailable
from portcullis.policy.decision import ToolCall

__all__ = ["RedisFlowStore"]

log = logging.getLogger("portcullis.sessions")

_TTL = 86_400


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("{", "%7B").replace("}", "%7D").replace(":", "%3A")


class RedisFlowStore:
    def __init__(self, url: str, prefix: str, timeout: float = 1.0) -> None:
        self.url, _ = split_prefix(url)
        self.prefix = prefix
        self._client: aioredis.Redis = redis_client(self.url, timeout=timeout)

    def key(self, call: ToolCall) -> str:
        grant = _escape(call.grant if call.grant is not None else "-")
        return f"{self.prefix}{{g:{grant}}}:flow:{_escape(call.session)}"

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"the session store {safe_url(self.url)} is unreachable ({exc})",
            "calls that session rules watch are refused until it is back; check that Redis is running",
        )

    async def seen(self, call: ToolCall) -> dict[str, tuple[str, float]]:
        """The tags the call's session has read: tag → (tool, time) of the first call that read it."""
        try:
            raw: dict[Any, Any] = await self._client.hgetall(self.key(call))
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        out = {}
        for tag, value in raw.items():
            when, _, tool = value.decode().partition(" ")
            out[tag.decode()] = (tool, float(when))
        return out

    async def add(self, call: ToolCall, tags: Collection[str], now: float) -> None:
        """The call went ahead: record its tags (the first call per tag stays). Never raises: logged."""
        key = self.key(call)
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for tag in tags:
                    pipe.hsetnx(key, tag, f"{now!r} {call.name}")
                pipe.expire(key, _TTL)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("the data flow of a session could not be recorded (%s): later session rules may miss it", exc)

    async def close(self) -> None:
        await self._client.aclose()
