"""A downstream client session: its era, capabilities, grant, and the channel back to it.

Legacy clients get one of these at ``initialize`` (kept by ``Mcp-Session-Id`` over HTTP, or for the
life of the pipe over stdio). Modern clients carry everything in each request's ``_meta``, so a
short-lived session is made per request (over HTTP) or per pipe (stdio).

A session belongs to the agent key that opened it (``owner``, the key's SHA-256): only that key may
use it. ``grant`` is refreshed from the current grants on every request, so a changed grant applies
to sessions already open. The session id is a bearer secret: records and approval requests carry
``label`` (a digest of it) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from portcullis.config.model import GrantConfig
from portcullis.protocol import CLIENT_NO_ANSWER, is_modern, reply_error

__all__ = ["ClientSession", "Sender"]

Sender = Callable[[dict[str, Any]], Awaitable[None]]
_ids = itertools.count(1)


@dataclass
class ClientSession:
    """State of one downstream client."""

    id: str = field(default_factory=lambda: secrets.token_hex(16))
    grant: GrantConfig | None = None
    owner: str | None = None  # the SHA-256 of the agent key that opened the session (None: anonymous)
    protocol_version: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    client_info: dict[str, Any] = field(default_factory=dict)
    initialized: bool = False
    log_level: str | None = None
    sender: Sender | None = None  # the session-wide channel: a stdio pipe, or a legacy GET stream
    # A 2026-07-28 request over HTTP: no session exists, this object lives for one request. Limits
    # scoped to "session" then count all of the grant's session-less requests together.
    stateless: bool = False
    created: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    subscriptions: set[str] = field(default_factory=set)
    _pending: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    inflight: dict[Any, asyncio.Task[Any]] = field(default_factory=dict)
    # progress tokens of questions asked of this client → where its progress on them goes (the upstream)
    progress_routes: dict[str | int, Callable[[dict[str, Any]], Awaitable[None]]] = field(default_factory=dict)
    _label: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """A stable name for this session in audit records, approvals and counters: not the id itself."""
        label = self._label
        if label is None:
            label = self._label = hashlib.sha256(self.id.encode()).hexdigest()[:16]
        return label

    @property
    def session_key(self) -> str:
        """The session as session rules, loop rules, ``session`` limits and audit records all name it (one
        key, so that a replay of the audit trail sees the sessions the gateway saw): the ``label``, or ""
        for a stateless request (2026-07-28 over HTTP), whose session is all of its grant's such requests."""
        return "" if self.stateless else self.label

    def rename(self, session_id: str) -> None:
        """Give the session its id (a sealed one, once ``initialize`` has filled it in)."""
        self.id = session_id
        self._label = None

    @property
    def era(self) -> Literal["legacy", "modern"]:
        return "modern" if is_modern(self.protocol_version) else "legacy"

    def has_capability(self, name: str) -> bool:
        return name in self.capabilities

    async def ask(self, method: str, params: dict[str, Any] | None, send: Sender, timeout: float) -> dict[str, Any]:
        """Send a request to the client over ``send`` and wait for its answer (a response message)."""
        rid = f"pc-{next(_ids)}"
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        try:
            await send(msg)
            async with asyncio.timeout(timeout):
                return await fut
        except TimeoutError:
            return reply_error(CLIENT_NO_ANSWER, f"the client did not answer {method} within {timeout:g}s")
        except asyncio.CancelledError as exc:  # the asker withdrew the question: tell the client
            reason = str(exc.args[0]) if exc.args else "the request was withdrawn"
            with contextlib.suppress(Exception):
                await send(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/cancelled",
                        "params": {"requestId": rid, "reason": reason},
                    }
                )
            raise
        finally:
            self._pending.pop(rid, None)

    def resolve(self, message: dict[str, Any]) -> bool:
        """Deliver a response from the client; ``False`` when nobody waits for it."""
        fut = self._pending.pop(str(message.get("id")), None)
        if fut is None or fut.done():
            return False
        fut.set_result(message)
        return True
