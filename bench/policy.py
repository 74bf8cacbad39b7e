"""Benchmark of the policy engine and rate limits (the budgets of the README's "Speed"), all in one run.

Prints µs per decision at 10, 100 and 1,000 rules (uncached and cached), the full in-process check
(decision + argument rules + limits in memory), and Redis mode as a ratio to a raw Redis PING measured
in the same run with the same client. Usage: ``python bench/policy.py [--redis redis://127.0.0.1:6379/0]
[--before SRC] [--rounds R]``. Budgets: ≤ 5 µs per decision at 1,000 rules, ≤ 10 µs full check, Redis mode
≤ 1.5× a PING.

The synchronous figures are CPU time of this thread (``time.thread_time_ns``) per call, the median of
rounds: the moments another process has the core do not count. The full check is timed twice: the same
call again (a grant's repeated call), and a new amount on each call (its cost is a new number).
``--before SRC`` times the ``src`` folder of another checkout in the same run: ``before`` and ``now`` in
turn, each round in a fresh process, and prints the median of each figure over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
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


def cpu_us(fn: Callable[[], int], rounds: int = ROUNDS) -> float:
    """Median over rounds of (this thread's CPU time in the round / calls in the round), in µs."""
    clock = time.thread_time_ns
    samples = []
    for _ in range(rounds):
        start = clock()
        n = fn()
        samples.append((clock() - start) / n / 1000)
    return statistics.median(samples)


async def per_call_us_async(fn: Callable[[], Awaitable[None]], n: int, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(n):
            await fn()
        samples.append((time.perf_counter_ns() - start) / n / 1000)
    return statistics.median(samples)


def _uncached(policy: CompiledPolicy, calls: list[ToolCall], reps: int) -> int:
    """Each decision resolves its name from scratch (the first call of a name after a (re)load)."""
    decide, clear = policy.decide, policy._cache.clear
    for _ in range(reps):
        for call in calls:
            clear()
            decide(call)
    return reps * len(calls)


def _cached(policy: CompiledPolicy, calls: list[ToolCall], reps: int) -> int:
    decide = policy.decide
    for _ in range(reps):
        for call in calls:
            decide(call)
    return reps * len(calls)


def bench_decisions() -> list[tuple[int, float, float]]:
    out = []
    for rules in (10, 100, 1000):
        policy, names = make_policy(rules)
        calls = [ToolCall(s, t, {}, "g", "s") for s, t in names]
        reps = max(1, 20_000 // len(calls))
        _cached(policy, calls, reps)  # warm
        uncached = cpu_us(functools.partial(_uncached, policy, calls, max(1, reps // 4)))
        out.append((rules, uncached, cpu_us(functools.partial(_cached, policy, calls, reps))))
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


def bench_full_sync() -> tuple[float, float]:
    """The full check, synchronously: the same call again, and a new amount on every call."""
    policy = compile_policy(policy_from_text(orjson.dumps(FULL_POLICY).decode()))
    store = MemoryCounterStore()
    call = ToolCall("bank", "transfer", {"to": "0xTREASURY", "amount": 12.5, "note": "rent"}, "alice", "sess-1")
    assert policy.decide(call).action == "allow"
    decide, acquire = policy.decide, store.acquire_now
    varied = [
        ToolCall("bank", "transfer", {"to": "0xOPS", "amount": 1 + i / 64, "note": "rent"}, "alice", "sess-1")
        for i in range(20_000)
    ]

    def same() -> int:
        for _ in range(20_000):
            acquire(decide(call).limits, 1000.0)
        return 20_000

    def new_amounts() -> int:
        for c in varied:
            acquire(decide(c).limits, 1000.0)
        return len(varied)

    return cpu_us(same), cpu_us(new_amounts)


async def bench_full_async() -> float:
    policy = compile_policy(policy_from_text(orjson.dumps(FULL_POLICY).decode()))
    store = MemoryCounterStore()
    call = ToolCall("bank", "transfer", {"to": "0xTREASURY", "amount": 12.5, "note": "rent"}, "alice", "sess-1")

    async def async_path() -> None:
        outcome = await take_limits(store, policy.decide(call), 1000.0)
        assert outcome.decision.action == "allow"

    return await per_call_us_async(async_path, 20_000)


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


def measure() -> dict[str, Any]:
    """The synchronous figures of this process's ``portcullis`` (CPU µs per call)."""
    same, new_amounts = bench_full_sync()
    return {"decisions": bench_decisions(), "full": same, "full_new_amounts": new_amounts}


def _print_sync(label: str, figures: dict[str, Any]) -> None:
    print(f"{label}policy decision, CPU µs per call (median of rounds); 'uncached' resolves the tool name from")
    print("scratch (first call of a name after a (re)load), 'cached' is every later call:")
    print(f"  {'rules':>6} {'uncached':>9} {'cached':>7}")
    for rules, uncached, cached in figures["decisions"]:
        print(f"  {rules:>6} {uncached:>9.2f} {cached:>7.2f}")
    print(
        f"full in-process check (schema + deny_if + 3 limits in memory), CPU µs: {figures['full']:.2f} the same "
        f"call again, {figures['full_new_amounts']:.2f} a new amount each call (budget 10)"
    )


def _worker_run(src: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, __file__, "--worker"], env=env, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


def compare(before: Path, rounds: int) -> None:
    """``before`` and ``now`` in turn, each round in a fresh process; medians over the rounds."""
    variants: list[tuple[str, Path | None]] = [("before", before.resolve()), ("now", None)]
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in variants}
    for _ in range(rounds):
        for label, src in variants:
            runs[label].append(_worker_run(src))
    print(f"CPU µs per call, median of {rounds} rounds, before ({before}) and now in turn, each in a fresh process")
    print(f"  {'figure':<34} {'before':>8} {'now':>8} {'ratio':>6}")

    flat = {label: [_flat(r) for r in found] for label, found in runs.items()}
    for name in flat["now"][0]:
        b = statistics.median(r[name] for r in flat["before"])
        n = statistics.median(r[name] for r in flat["now"])
        print(f"  {name:<34} {b:>8.2f} {n:>8.2f} {b / n:>5.2f}×")


def _flat(figures: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for rules, uncached, cached in figures["decisions"]:
        out[f"uncached decision, {rules} rules"] = uncached
        out[f"cached decision, {rules} rules"] = cached
    out["full check, the same call"] = figures["full"]
    out["full check, a new amount each call"] = figures["full_new_amounts"]
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--before", type=Path, help="the src folder of another checkout, timed in turn")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per variant with --before")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure()))
        return
    if args.before is not None:
        compare(args.before, args.rounds)
        return
    _print_sync("", measure())
    print(
        f"full in-process check via await take_limits: {await bench_full_async():.2f} µs (wall-clock, mean of rounds)"
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
