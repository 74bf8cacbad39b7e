"""Tell approvers about a new request: POST it, signed, to the configured webhook URL.

The body is JSON::

    {"event": "approval.requested", "approval": {... as in ``approvals show --json``},
     "approve_url": "https://gw/approvals/callback?token=…", "deny_url": "…"}

signed as described in ``links``. Delivery runs in the background (a held call never waits for it) and
is retried three times; a failure is logged, and the request stays in the queue for the CLI and REST API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import quote

import aiohttp
import orjson

from portcullis.approvals.links import make_token, sign_body
from portcullis.approvals.model import Approval
from portcullis.approvals.settings import WebhookSettings

__all__ = ["WebhookNotifier", "callback_url"]

log = logging.getLogger("portcullis.approvals")
_RETRY_DELAYS = (0.5, 2.0, 5.0)


def callback_url(public_url: str, secret: str, approval: Approval, action: str) -> str:
    """The approve or deny link for ``approval``."""
    token = make_token(secret, approval.id, "approve" if action == "approve" else "deny", approval.expires_at)
    return f"{public_url}/approvals/callback?token={quote(token)}"


class WebhookNotifier:
    def __init__(self, settings: WebhookSettings, public_url: str) -> None:
        self.settings = settings
        self.public_url = public_url
        self.delivered = 0
        self.failed = 0
        self._tasks: set[asyncio.Task[bool]] = set()
        self._session: aiohttp.ClientSession | None = None

    def payload(self, approval: Approval, now: float) -> bytes:
        secret = self.settings.secret
        return orjson.dumps(
            {
                "event": "approval.requested",
                "approval": approval.public(now),
                "approve_url": callback_url(self.public_url, secret, approval, "approve"),
                "deny_url": callback_url(self.public_url, secret, approval, "deny"),
            }
        )

    def notify(self, approval: Approval, now: float) -> None:
        """Send in the background."""
        task = asyncio.create_task(self.send(approval, now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send(self, approval: Approval, now: float) -> bool:
        body = self.payload(approval, now)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.timeout))
        for attempt, delay in enumerate((*_RETRY_DELAYS, None)):
            ts = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "portcullis-approvals",
                "X-Portcullis-Event": "approval.requested",
                "X-Portcullis-Timestamp": str(ts),
                "X-Portcullis-Signature": sign_body(self.settings.secret, ts, body),
            }
            try:
                async with self._session.post(self.settings.url, data=body, headers=headers) as resp:
                    if resp.status < 300:
                        self.delivered += 1
                        return True
                    problem = f"HTTP {resp.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            log.warning("approval webhook for %s failed (attempt %d): %s", approval.id, attempt + 1, problem)
            if delay is None:
                break
            await asyncio.sleep(delay)
        self.failed += 1
        return False

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
