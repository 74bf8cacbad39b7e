"""Live updates for the console and scripts: ``GET /api/v1/events``, a Server-Sent Events stream.

The hub watches a few cheap fingerprints (pending approvals, the newest audit record, the catalogue's pin
states, the upstreams' health, the grants) while anyone listens, and sends an event named after what
changed (``approvals``, ``audit``, ``catalog``, ``servers``, ``grants``; ``policy`` when one is saved here)
to every listener.
Polling the stores (rather than hooking the code paths) also sees changes made by another process: an
approval decided with ``portcullis approvals approve``, a call recorded by another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

__all__ = ["EventHub", "Probe"]

log = logging.getLogger("portcullis.console")

Probe = Callable[[], Awaitable[Any]]  # returns something comparable; a change means an event
_INTERVAL = 0.25  # seconds between looks: a change reaches every open tab well within a second
_KEEPALIVE = 15.0


class EventHub:
    """Fans out change events to every open stream; polls its probes only while a stream is open."""

    def __init__(self, probes: dict[str, Probe], interval: float = _INTERVAL) -> None:
        self.probes = probes
        self.interval = interval
        self._queues: set[asyncio.Queue[str]] = set()
        self._seen: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None

    def publish(self, kind: str) -> None:
        for queue in self._queues:
            queue.put_nowait(kind)

    async def _look(self) -> None:
        for kind, probe in self.probes.items():
            try:
                now = await probe()
            except Exception as exc:  # a store down for a moment: say nothing, look again
                log.debug("console probe %s failed: %s", kind, exc)
                continue
            if kind in self._seen and self._seen[kind] != now:
                self.publish(kind)
            self._seen[kind] = now

    async def _run(self) -> None:
        while self._queues:
            await self._look()
            await asyncio.sleep(self.interval)
        self._task = None

    async def stream(self) -> AsyncIterator[str]:
        """SSE text for one listener: a ``ready`` event, then one event per change, and keep-alive comments."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._queues.add(queue)
        if self._task is None:
            await self._look()
            self._task = asyncio.create_task(self._run())
        try:
            yield "retry: 1000\nevent: ready\ndata: {}\n\n"
            while True:
                try:
                    kind = await asyncio.wait_for(queue.get(), _KEEPALIVE)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {kind}\ndata: {{}}\n\n"
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        self._queues.clear()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
