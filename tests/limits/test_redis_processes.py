"""Several processes against the real Redis get exactly ``max`` per window, not one more."""

from __future__ import annotations

import subprocess
import sys
import uuid

import redis

from portcullis.limits.redis_scripts import counter_state
from tests.limits.conftest import drop_prefix

WORKER = r"""
import asyncio, sys
import redis as sync_redis
from portcullis.limits import Acquired, LimitRequest, RedisCounterStore

url, prefix, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
requests = [
    LimitRequest("calls|grant:t|1e7", "g:t", "calls", "grant", "t", 1e7, False, 500.0, 1.0, "$.a"),
    LimitRequest("spend|grant:t|day", "g:t", "spend", "grant", "t", 86400.0, True, 1e9, 2.0, "$.b"),
]

async def main() -> None:
    store = RedisCounterStore(url, prefix=prefix)
    print("ready", flush=True)
    sync_redis.Redis.from_url(url).blpop([prefix + "go"], timeout=30)  # start together
    allowed = 0

    async def worker(n: int) -> None:
        nonlocal allowed
        for _ in range(n):
            if isinstance(await store.acquire(requests, 0.0), Acquired):
                allowed += 1

    await asyncio.gather(*(worker(calls // 8) for _ in range(8)))
    await store.close()
    print(allowed, flush=True)

asyncio.run(main())
"""


async def test_processes_share_an_exact_quota(redis_url: str) -> None:
    prefix = f"pc-test:{uuid.uuid4().hex}:"
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, redis_url, prefix, "400"], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        client = redis.Redis.from_url(redis_url)
        client.rpush(prefix + "go", *["go"] * len(procs))
        counts = []
        for p in procs:
            out, _ = p.communicate(timeout=60)
            counts.append(int(out.strip().splitlines()[-1]))
        assert sum(counts) == 500, counts  # 1,600 attempts, max 500: exactly 500 across 4 processes
        # they really competed (on a busy machine one process may be scheduled only once the quota is gone)
        assert sum(1 for c in counts if c > 0) >= 2, counts
        spend_key = f"{prefix}{{g:t}}:spend|grant:t|day"
        spent = client.get(spend_key)
        assert isinstance(spent, bytes)
        assert counter_state(spent)[1] == 1000.0  # refused calls spent nothing on 'spend'
        client.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        await drop_prefix(redis_url, prefix)
