"""Calls parked while a modern client answers a legacy upstream's question (MRTR across eras).

A legacy upstream asks its questions (elicitation, sampling, roots) as server→client requests in
the middle of a ``tools/call``. A 2026-07-28 client cannot receive requests: it expects an
``input_required`` result and retries the call with ``inputResponses`` and the ``requestState`` it
was given. So the gateway parks the upstream call, hands the client a sealed ``requestState``
naming the parked call, and resumes it on the retry. The state is an HMAC-signed id bound to the
client's grant, so it cannot be forged or replayed by another agent (the spec makes tamper-checking
a MUST). A retry must name the same tool, checked before the parked call is taken, so a wrong retry
leaves it parked for the right one.

A parked call that is not resumed within its ``ttl`` expires: its upstream call is cancelled and
``on_expire(call, "expired")`` runs (the gateway audits it); ``close()`` does the same for every
parked call with ``"cancelled"``. So no call that reached an upstream goes unrecorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from portcullis._plumbing import tokens

__all__ = ["PREFIX", "TTL", "ParkedCall", "Parking", "StaleState"]

log = logging.getLogger("portcullis.gateway")

PREFIX = "pcg1."
TTL = 300.0  # seconds a parked call waits for its client, unless the gateway gives another bound


class StaleState(ValueError):
    """The requestState is not one of ours, was tampered with, names another tool, or has expired."""


@dataclass
class ParkedCall:
    """An upstream ``tools/call`` waiting for a modern client's answers."""

    task: asyncio.Task[dict[str, Any]]
    waiting: dict[str, asyncio.Future[dict[str, Any]]]
    context: Any  # the call's bookkeeping (CallInfo, Admission, start time, bridge)
    grant: str | None
    tool: str = ""  # the exposed tool name a retry must carry
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


OnExpire = Callable[[ParkedCall, str], Awaitable[None]]


class Parking:
    def __init__(self, on_expire: OnExpire | None = None) -> None:
        self._key = secrets.token_bytes(32)
        self._calls: dict[str, ParkedCall] = {}
        self._on_expire = on_expire
        self._expiring: set[asyncio.Task[None]] = set()

    def _sign(self, park_id: str, grant: str | None) -> str:
        return tokens.b64encode(tokens.sign(self._key, f"{park_id}|{grant or ''}".encode(), 16))

    def park(self, call: ParkedCall, ttl: float = TTL) -> str:
        """Keep ``call`` for up to ``ttl`` seconds; returns the ``requestState`` that resumes it."""
        park_id = secrets.token_urlsafe(12)
        self._calls[park_id] = call
        call.timer = asyncio.get_running_loop().call_later(ttl, self._expire, park_id)
        return f"{PREFIX}{park_id}.{self._sign(park_id, call.grant)}"

    def resume(self, state: str, grant: str | None, tool: str) -> ParkedCall:
        """Take back the parked call named by ``state`` (once), if it was parked for ``grant`` and ``tool``."""
        body = state[len(PREFIX) :]
        park_id, _, mac = body.partition(".")
        if not hmac.compare_digest(mac, self._sign(park_id, grant)):
            raise StaleState("requestState was not issued by this gateway for this client")
        call = self._calls.get(park_id)
        if call is None:
            raise StaleState("requestState has expired or was already used; call the tool again")
        if call.tool != tool:  # checked before taking it: the right retry can still resume it
            raise StaleState("it belongs to another tool call")
        del self._calls[park_id]
        if call.timer is not None:
            call.timer.cancel()
        return call

    def _expire(self, park_id: str, outcome: str = "expired") -> asyncio.Task[None] | None:
        call = self._calls.pop(park_id, None)
        if call is None:
            return None
        if call.timer is not None:
            call.timer.cancel()
        call.task.cancel()
        if self._on_expire is None:
            return None
        task = asyncio.ensure_future(self._report(call, outcome))
        self._expiring.add(task)
        task.add_done_callback(self._expiring.discard)
        return task

    async def _report(self, call: ParkedCall, outcome: str) -> None:
        assert self._on_expire is not None
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await call.task  # let the cancelled upstream call wind down first
        try:
            await self._on_expire(call, outcome)
        except Exception:  # the callback reports its own failures; this must not leak a traceback
            log.exception("a parked call could not be reported")

    async def close(self) -> None:
        """Give up every parked call (the gateway is stopping) and wait until each is reported."""
        tasks = [t for t in (self._expire(park_id, "cancelled") for park_id in list(self._calls)) if t is not None]
        pending = [*tasks, *self._expiring]
        if pending:
            await asyncio.wait(pending)
