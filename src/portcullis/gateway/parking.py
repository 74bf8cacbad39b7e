"""Calls parked while a modern client answers a legacy upstream's question (MRTR across eras).

A legacy upstream asks its questions (elicitation, sampling, roots) as server→client requests in
the middle of a ``tools/call``. A 2026-07-28 client cannot receive requests: it expects an
``input_required`` result and retries the call with ``inputResponses`` and the ``requestState`` it
was given. So the gateway parks the upstream call, hands the client a sealed ``requestState``
naming the parked call, and resumes it on the retry. The state is an HMAC-signed id bound to the
client's grant, so it cannot be forged or replayed by another agent (the spec makes tamper-checking
a MUST); parked calls expire.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PREFIX", "ParkedCall", "Parking", "StaleState"]

PREFIX = "pcg1."
_TTL = 300.0


class StaleState(ValueError):
    """The requestState is not one of ours, was tampered with, or has expired."""


@dataclass
class ParkedCall:
    """An upstream ``tools/call`` waiting for a modern client's answers."""

    task: asyncio.Task[dict[str, Any]]
    waiting: dict[str, asyncio.Future[dict[str, Any]]]
    context: Any  # the call's bookkeeping (CallInfo, Admission, start time, bridge)
    grant: str | None
    expires: float = field(default_factory=lambda: time.monotonic() + _TTL)


class Parking:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._calls: dict[str, ParkedCall] = {}

    def _sign(self, park_id: str, grant: str | None) -> str:
        mac = hmac.new(self._key, f"{park_id}|{grant or ''}".encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def park(self, call: ParkedCall) -> str:
        self._expire()
        park_id = secrets.token_urlsafe(12)
        self._calls[park_id] = call
        return f"{PREFIX}{park_id}.{self._sign(park_id, call.grant)}"

    def resume(self, state: str, grant: str | None) -> ParkedCall:
        """Take back the parked call named by ``state`` (once)."""
        self._expire()
        body = state[len(PREFIX):]
        park_id, _, mac = body.partition(".")
        if not hmac.compare_digest(mac, self._sign(park_id, grant)):
            raise StaleState("requestState was not issued by this gateway for this client")
        call = self._calls.pop(park_id, None)
        if call is None:
            raise StaleState("requestState has expired or was already used; call the tool again")
        return call

    def _expire(self) -> None:
        now = time.monotonic()
        for park_id, call in list(self._calls.items()):
            if call.expires < now:
                del self._calls[park_id]
                call.task.cancel()
