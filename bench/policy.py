"""Benchmark of the policy engine and rate limits (DESIGN.md §7 budgets), all in one run.

Prints µs per decision at 10, 100 and 1,000 rules (uncached and cached), the full in-process check
(decision + argument rules + limits in memory), and Redis mode as a ratio to a raw Redis PING measured
in the same run with the same client. Usage: ``python bench/policy.py [--redis redis://127.0.0.1:6379/0]``.
Budgets: ≤ 5 µs per decision at 1,000 rules, ≤ 20 µs full check, Redis mode ≤ 1.5× a PING.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from portcullis.limits import MemoryCounterStore, RedisCounterStore
from portcullis.policy import CompiledPolicy, ToolCall, compile_policy, policy_from_text, take_limits

ROUNDS = 7


def make_policy(rules: int, seed: int = 7) -> tuple[CompiledPolicy, list[tuple[str, str]]]:
    """70% exact server-scoped keys, 25% per-server globs, 5% cross-server globs; deny overrides allow."""
    rng = random.Random(seed)
    servers = [f"srv{i}" for i in range(max(2, rules // 50))]
    tools: dict[str, Any] = {}
    names: list[tuple[str, str]] = []
    while len(tools) < rules:
        kind = rng.random()
        server = rng.choice(servers)
        verb = rng.choice(["get", "list", "create", "delete", "update", "search", "run"])
        noun = f"thing{rng.randrange(10_000)}"
        action = rng.choice(["allow", "allow", "allow", "deny", "require_approval"])
        if kind < 0.70:
            tools[f"{server}__{verb}_{noun}"] = {"action": action}
            names.append((server, f"{verb}_{noun}"))
        elif kind < 0.95:
            tools[f"{server}__{verb}_{noun[:6]}*"] = {"action": action}
        else:
            tools[f"*{verb}_{noun[:7]}*"] = {"action": action}
    names += [(rng.choice(servers), f"{rng.choice(['get', 'run'])}_other{i}") for i in range(len(names) // 3 + 10)]
    rng.shuffle(names)
    policy = compile_policy(
        policy_from_text(orjson.dumps({"version": "1", "default": "deny", "tools": tools}).decode())
    )
    assert policy.rule_count == rules
    return policy, names


def per_call_us(fn: Callable[[], int]) -> float:
    """Median over rounds of (round time / calls in the round), in µs."""
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        n = fn()
        samples.append((time.perf_counter_ns() - start) / n / 1000)
    return statistics.median(samples)


async def per_call_us_async(fn: Callable[[], Awaitable[None]], n: int, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(n):
            await fn()
        samples.append((time.perf_counter_ns() - start) / n / 1000)
    return statistics.median(samples)


def _timer_ns() -> float:
    """What reading the clock twice costs (subtracted from per-call timings)."""
    clock = time.perf_counter_ns
    samples = []
    for _ in range(20_000):
        t = clock()
        samples.append(clock() - t)
    return statistics.median(samples)


def uncached_us(policy: CompiledPolicy, calls: list[ToolCall], timer_ns: float) -> float:
    """Median over single decisions, each resolving its name from scratch (the first call of a name).

    Each decision is timed alone and the median taken, so that the moments this process was not
    running (a busy machine) do not count: a round's mean would include them.
    """
    clock, decide, cache = time.perf_counter_ns, policy.decide, policy._cache
    samples = []
    for _ in range(max(3, 20_000 // len(calls))):
        for call in calls:
            t = clock()
            cache.clear()
            decide(call)
            samples.append(clock() - t)
    return (statistics.median(samples) - timer_ns) / 1000


def _cached(policy: CompiledPolicy, calls: list[ToolCall], reps: int) -> int:
    decide = policy.decide
    for _ in range(reps):
        for call in calls:
            decide(call)
    return reps * len(calls)


def bench_decisions() -> list[tuple[int, float, float]]:
    out = []
    timer_ns = _timer_ns()
    for rules in (10, 100, 1000):
        policy, names = make_policy(rules)
        calls = [ToolCall(s, t, {}, "g", "s") for s, t in names]
        reps = max(1, 20_000 // len(calls))
        _cached(policy, calls, reps)  # warm
        out.append(
            (rules, uncached_us(policy, calls, timer_ns), per_call_us(functools.partial(_cached, policy, calls, reps)))
        )
    return out


FULL_POLICY = {
    "version": "1",
    "default": "deny",
    "all_tools": {"limits": [{"counter": "all", "window": "minute", "max": 1e12, "scope": "grant"}]},
    "tools": {
        "bank__transfer": {
            "args": {
                "type": "object",
                "required": ["to", "amount"],
                "additionalProperties": False,
                "properties": {
                    "to": {"type": "string", "maxLength": 64},
                    "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
                    "note": {"type": "string"},
                },
            },
            "deny_if": [
                {
                    "conditions": [{"path": "args.to", "op": "not_in", "value": ["0xTREASURY", "0xOPS"]}],
                    "on_deny": "Only the treasury or ops may receive transfers",
                }
            ],
            "limits": [
                {"counter": "spend", "window": "day", "max": 1e15, "scope": "grant", "cost": "args.amount"},
                {"counter": "transfers", "window": "minute", "max": 1e12, "scope": "session"},
            ],
        },
    },
}


async def bench_full_check() -> tuple[float, float]:
    policy = compile_policy(policy_from_text(orjson.dumps(FULL_POLICY).decode()))
    store = MemoryCounterStore()
    call = ToolCall("bank", "transfer", {"to": "0xTREASURY", "amount": 12.5, "note": "rent"}, "alice", "sess-1")
    assert policy.decide(call).action == "allow"
    decide, acquire = policy.decide, store.acquire_now

    clock = time.perf_counter_ns
    timer_ns = _timer_ns()

    def sync_path() -> float:
        """Median over single checks (see ``uncached_us``)."""
        samples = []
        for _ in range(20_000):
            t = clock()
            acquire(decide(call).limits, 1000.0)
            samples.append(clock() - t)
        return (statistics.median(samples) - timer_ns) / 1000

    async def async_path() -> None:
        outcome = await take_limits(store, decide(call), 1000.0)
        assert outcome.decision.action == "allow"

    return sync_path(), await per_call_us_async(async_path, 20_000)


async def bench_redis(url: str) -> tuple[float, float, float] | None:
    prefix = f"portcullis:bench:{uuid.uuid4().hex}:"
    store = RedisCounterStore(url, prefix=prefix)
    try:
        await store.ping()
    except Exception as exc:
        print(f"redis: skipped ({exc})")
        await store.close()
        return None
    client = store.client
    policy = compile_policy(policy_from_text(orjson.dumps(FULL_POLICY).decode()))
    call = ToolCall("bank", "transfer", {"to": "0xOPS", "amount": 3}, "alice", "sess-1")
    limits = policy.decide(call).limits  # 3 limits: spend (day), transfers (session), all (grant)

    async def ping() -> None:
        await client.ping()

    async def acquire() -> None:
        await store.acquire(limits, 0.0)

    async def full() -> None:
        await take_limits(store, policy.decide(call), 0.0)

    await acquire()
    samples: dict[str, list[float]] = {"ping": [], "acquire": [], "full": []}
    for _ in range(15):  # interleaved blocks, so load from other processes hits every variant alike
        for label, fn in (("ping", ping), ("acquire", acquire), ("full", full)):
            samples[label].append(await per_call_us_async(fn, 200, rounds=1))
    ping_us, acquire_us, full_us = (statistics.median(samples[k]) for k in ("ping", "acquire", "full"))
    keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await store.close()
    return ping_us, acquire_us, full_us


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    print("policy decision, µs per call (median of rounds); 'uncached' resolves the tool name from scratch")
    print("(first call of a name after a (re)load), 'cached' is every later call:")
    print(f"  {'rules':>6} {'uncached':>9} {'cached':>7}")
    for rules, uncached, cached in bench_decisions():
        print(f"  {rules:>6} {uncached:>9.2f} {cached:>7.2f}")
    sync_us, async_us = await bench_full_check()
    print(
        f"full in-process check (schema + deny_if + 3 limits in memory): {sync_us:.2f} µs sync (median), "
        f"{async_us:.2f} µs via await take_limits (mean of rounds; budget 10)"
    )
    redis = await bench_redis(args.redis)
    if redis is not None:
        ping_us, acquire_us, full_us = redis
        print(
            f"redis: PING {ping_us:.1f} µs; acquire of 3 limits (1 EVALSHA) {acquire_us:.1f} µs = "
            f"{acquire_us / ping_us:.2f}× PING (budget 1.5×); decide + take_limits {full_us:.1f} µs = "
            f"{full_us / ping_us:.2f}× PING"
        )


if __name__ == "__main__":
    asyncio.run(main())
