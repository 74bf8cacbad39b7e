"""Benchmark: 3 rate limits taken in Redis, as a ratio to a Redis PING (budget: ≤ 1.5× PING, issue 16).

One client, one connection, one run: each round sends a PING, then takes a call's 3 limits (one
EVALSHA: spend per day, transfers per session, every call per grant), then the same 3 limits with the
call's data-flow tags checked and recorded in the same script (a session rule watching the call),
each timed alone, in turn, so load from other processes falls on every variant alike. Prints the
median of each, the ratios, the rounds, and the reply parser in use (hiredis when installed:
``pip install 'mcp-portcullis[redis]'`` brings it).

Usage: ``python bench/redis_limits.py [--redis redis://127.0.0.1:6379/0] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from portcullis.limits import LimitRequest, RedisCounterStore
from portcullis.limits.model import Marks

Op = Callable[[], Awaitable[object]]


def limits(session: str) -> tuple[LimitRequest, ...]:
    """A transfer's three limits, as the policy resolves them (bench/policy.py's FULL_POLICY)."""
    return (
        LimitRequest("spend|grant:alice|day", "g:alice", "spend", "grant", "alice", 86400.0, True, 1e15, 3.0, "$.a"),
        LimitRequest(
            f"transfers|session:alice:{session}|minute",
            "g:alice",
            "transfers",
            "session",
            session,
            60.0,
            False,
            1e12,
            1.0,
            "$.b",
        ),
        LimitRequest("all|grant:alice|minute", "g:alice", "all", "grant", "alice", 60.0, False, 1e12, 1.0, "$.c"),
    )


async def measure(ops: dict[str, Op], rounds: int) -> dict[str, float]:
    """Median µs of each op, timed one at a time, interleaved."""
    clock = time.perf_counter_ns
    samples: dict[str, list[int]] = {name: [] for name in ops}
    for _ in range(rounds):
        for name, op in ops.items():
            t = clock()
            await op()
            samples[name].append(clock() - t)
    return {name: statistics.median(s) / 1000 for name, s in samples.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args()
    prefix = f"portcullis:bench:{uuid.uuid4().hex}:"
    store = RedisCounterStore(args.redis, prefix=prefix)
    await store.ping()
    client = store.client
    requests = limits("s1")
    # a session rule watching the call (its after tags not all read), and a tag it records
    marks = Marks(f"{prefix}{{g:alice}}:flow:s1", (("private_data", "untrusted_content"),), ("external_comm",), "1.0 t")

    async def acquire_marked() -> None:
        await store.acquire_marked(requests, 0.0, marks)

    ops: dict[str, Op] = {
        "ping": client.ping,
        "acquire": lambda: store.acquire(requests, 0.0),
        "acquire+flow": acquire_marked,
    }
    for op in ops.values():  # load the script, open the connection
        await op()
    try:
        medians = await measure(ops, args.rounds)
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await store.close()
    ping = medians["ping"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"redis, {args.rounds} rounds interleaved (one op of each per round), reply parser: {store.parser}")
    print(f"  machine load average: {load}")
    print(f"  PING: {ping:.1f} µs (median)")
    print(f"  3 limits, one EVALSHA: {medians['acquire']:.1f} µs = {medians['acquire'] / ping:.2f}× PING (budget 1.5×)")
    print(
        f"  3 limits + session data flow, one EVALSHA: {medians['acquire+flow']:.1f} µs = "
        f"{medians['acquire+flow'] / ping:.2f}× PING"
    )


if __name__ == "__main__":
    asyncio.run(main())
