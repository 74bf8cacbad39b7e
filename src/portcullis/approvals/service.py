"""``ApprovalService``: hold a call that needs a person's approval, and record their decision.

The gateway's guard calls ``gate()`` for a ``require_approval`` decision (or ``check`` / ``request`` /
``wait`` step by step). A call that matches an approval goes through; otherwise a request is opened
(or the pending one for the same grant and call is reused), approvers are told (webhook), and the call
waits up to ``timeout``; ``on_tick`` lets the gateway send progress notifications meanwhile. Still
undecided → ``pending``: the agent is told to retry the same call, which is matched by digest later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from portcullis.approvals.model import Approval, ApprovalState, call_digest, evaluate, new_approval_id
from portcullis.approvals.settings import ApprovalSettings
from portcullis.approvals.store import ApprovalStore
from portcullis.audit.redact import Redactor
from portcullis.errors import ApprovalNotFound, StoreUnavailable
from portcullis.logs import log_event

if TYPE_CHECKING:
    from portcullis.approvals.webhook import WebhookNotifier

__all__ = ["ApprovalService", "Tick"]

log = logging.getLogger("portcullis.approvals")

Tick = Callable[[float], Awaitable[None]]
_POLL = 0.25  # seconds between store reads while a call is held (decisions may come from another process)


class ApprovalService:
    def __init__(
        self,
        store: ApprovalStore,
        settings: ApprovalSettings,
        *,
        redactor: Redactor | None = None,
        notifier: WebhookNotifier | None = None,
        on_pending: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.redactor = redactor or Redactor()
        self.notifier = notifier
        self.on_pending = on_pending
        self.clock = clock
        self._decided: dict[str, asyncio.Event] = {}

    # -- the call path ------------------------------------------------------------------------
    async def check(
        self, grant: str | None, session: str, server: str, tool: str, arguments: dict[str, Any], now: float
    ) -> ApprovalState:
        """What an earlier request means for this call. ``approved`` consumes a single-use approval."""
        return await self._state(await self.store.latest(grant, call_digest(server, tool, arguments)), now)

    async def _state(self, approval: Approval | None, now: float) -> ApprovalState:
        kind = evaluate(approval, now, self.settings.deny_hold)
        if (
            kind == "approved"
            and approval is not None
            and approval.single_use
            and not await self.store.consume(approval.id, now)
        ):
            return ApprovalState("none", approval)  # another call used it first
        return ApprovalState(kind, approval)

    async def request(
        self, grant: str | None, session: str, server: str, tool: str, arguments: dict[str, Any], now: float
    ) -> Approval:
        """Open a request for this call, or return the pending one for the same grant and call.

        Raises ``TooManyPending`` when the grant already has ``max_pending_per_grant`` requests open.
        """
        fresh = Approval(
            id=new_approval_id(),
            status="pending",
            grant=grant,
            session=session,
            server=server,
            tool=tool,
            arguments=self.redactor.arguments(arguments),
            digest=call_digest(server, tool, arguments),
            requested_at=now,
            expires_at=now + self.settings.ttl,
        )
        approval = await self.store.create(fresh, now, self.settings.max_pending_per_grant)
        if approval.id == fresh.id:
            log_event(
                log,
                logging.INFO,
                "approval requested",
                approval=approval.id,
                grant=grant,
                server=server,
                tool=tool,
                arguments=approval.arguments,
            )
            if self.notifier is not None:
                self.notifier.notify(approval, now)
            await self.refresh_pending(now)
        return approval

    async def wait(self, approval_id: str, timeout: float | None = None, on_tick: Tick | None = None) -> ApprovalState:
        """Wait up to ``timeout`` (the configured bound by default) for a decision on ``approval_id``.

        ``approved`` consumes a single-use approval for the waiting call; ``pending`` means no decision yet.
        ``on_tick(elapsed_seconds)`` runs every ``progress_interval``.
        """
        limit = self.settings.timeout if timeout is None else timeout
        start = self.clock()
        next_tick = self.settings.progress_interval
        event = self._decided.setdefault(approval_id, asyncio.Event())
        try:
            while True:
                now = self.clock()
                approval = await self.store.get(approval_id)
                if approval is None:  # it was there a moment ago: the store lost it (Redis emptied?)
                    raise StoreUnavailable(
                        f"the approval request {approval_id} is no longer in the approval store",
                        "check the approval store (was it emptied?); the agent's retry opens a new request",
                    )
                if approval.effective_status(now) != "pending":
                    return await self._state(approval, now)
                elapsed = now - start
                if elapsed >= limit:
                    return ApprovalState("pending", approval)
                if on_tick is not None and elapsed >= next_tick:
                    next_tick += self.settings.progress_interval
                    await on_tick(elapsed)
                pause = min(_POLL, max(0.0, limit - elapsed))
                if on_tick is not None:
                    pause = min(pause, max(0.0, next_tick - elapsed))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), pause)
        finally:
            self._decided.pop(approval_id, None)  # other waiters on the same id fall back to polling

    async def gate(
        self,
        grant: str | None,
        session: str,
        server: str,
        tool: str,
        arguments: dict[str, Any],
        now: float,
        *,
        timeout: float | None = None,
        on_tick: Tick | None = None,
    ) -> ApprovalState:
        """The whole approval step for one call: check, else request and wait. Never returns ``none``."""
        state = await self.check(grant, session, server, tool, arguments, now)
        if state.kind in ("approved", "denied"):
            return state
        if state.kind == "pending" and state.approval is not None:
            approval = state.approval
        else:
            approval = await self.request(grant, session, server, tool, arguments, now)
        state = await self.wait(approval.id, timeout, on_tick)
        if state.kind == "none":  # a concurrent identical call used the one-call approval
            return ApprovalState("pending", await self.request(grant, session, server, tool, arguments, self.clock()))
        return state

    # -- deciding and reading -----------------------------------------------------------------
    async def decide(
        self,
        approval_id: str,
        approve: bool,
        approver: str,
        comment: str = "",
        for_seconds: float | None = None,
        now: float | None = None,
    ) -> Approval:
        """Approve or deny a pending request (once). ``for_seconds`` approves every identical call for that long.

        Raises ``ApprovalNotFound`` or ``ApprovalClosed``.
        """
        now = self.clock() if now is None else now
        current = await self.store.get(approval_id)
        if current is None:
            raise ApprovalNotFound(approval_id)
        decided = await self.store.decide(
            current.decided(approve, approver, comment, now, for_seconds=for_seconds, ttl=self.settings.ttl), now
        )
        log_event(
            log,
            logging.INFO,
            "approval decided",
            approval=approval_id,
            decision=decided.status,
            approver=approver,
            comment=comment,
            valid_until=decided.valid_until,
        )
        event = self._decided.get(approval_id)
        if event is not None:
            event.set()
        await self.refresh_pending(now)
        return decided

    async def get(self, approval_id: str) -> Approval | None:
        return await self.store.get(approval_id)

    async def list(self, status: str | None = None, limit: int = 100) -> list[Approval]:
        return await self.store.list(status, limit, self.clock())

    async def refresh_pending(self, now: float | None = None) -> int:
        """Count pending requests and report the number to ``on_pending`` (the metrics gauge)."""
        n = await self.store.count_pending(self.clock() if now is None else now)
        if self.on_pending is not None:
            self.on_pending(n)
        return n

    async def open(self) -> None:
        """Open the store (connect, create its tables)."""
        await self.store.open()

    async def close(self) -> None:
        if self.notifier is not None:
            await self.notifier.close()
        await self.store.close()
