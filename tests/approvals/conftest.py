"""Fixtures for the approval tests: each store backend (SQLite file, the real Redis with a key prefix of
its own), and a service over it with a clock the test moves."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from portcullis.approvals import ApprovalService, ApprovalStore, open_store
from portcullis.approvals.settings import ApprovalSettings


class Clock:
    """Real time plus an offset the test can jump forward (to expire requests without waiting)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


async def delete_prefix(url: str, prefix: str) -> None:
    r = aioredis.Redis.from_url(url)
    try:
        keys = [k async for k in r.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await r.delete(*keys)
    finally:
        await r.aclose()


@pytest.fixture(params=["sqlite", "redis"])
async def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """``{"url", "prefix"}`` for a fresh store of each kind; Redis keys are deleted afterwards."""
    if request.param == "sqlite":
        yield {"url": f"sqlite:///{tmp_path}/approvals.db", "prefix": "portcullis:"}
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"pctest-{uuid.uuid4().hex[:10]}:"
    yield {"url": url, "prefix": prefix}
    await delete_prefix(url, prefix)


@pytest.fixture
async def store(store_spec: dict[str, Any]) -> AsyncIterator[ApprovalStore]:
    s = open_store(store_spec["url"], key_prefix=store_spec["prefix"])
    await s.open()
    yield s
    await s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(store: ApprovalStore, clock: Clock) -> AsyncIterator[ApprovalService]:
    settings = ApprovalSettings(timeout=2.0, ttl=600.0, deny_hold=300.0, progress_interval=0.2)
    svc = ApprovalService(store, settings, clock=clock)
    yield svc
    if svc.notifier is not None:
        await svc.notifier.close()
