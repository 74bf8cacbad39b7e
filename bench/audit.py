"""Benchmark: what the audit write costs per ``tools/call``, side by side with the path without it.

The path: a real ``tools/call`` round trip over a stdio pipe to ``bench/echo_server.py`` (the upstream a
gateway forwards to). "+ audit" adds what the gateway does per call: build an ``AuditRecord`` and
``await log.write(record)`` (redaction, serialisation, group commit, durable before returning). At 1, 16
and 64 concurrent callers, rounds of every path interleaved, it prints p50/p99 latency, the µs the audit
adds at p50, calls/s, and records per commit. Budget: ≤ 0.5 ms added at p50.

Usage: ``python bench/audit.py [--calls N] [--quick] [--postgres DSN]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from gateway import ECHO, stdio_callers  # noqa: E402  (bench/gateway.py: the raw stdio client)
from portcullis.audit import AuditLog, AuditRecord, open_audit  # noqa: E402

Call = Callable[[], Awaitable[None]]
ARGS = {"text": "hello world", "api_key": "sk-proj-Abcdefghijklmnopqrstuvwx1234", "count": 3}


def with_audit(call: Call, log: AuditLog) -> Call:
    in_flight = 0  # as the gateway's pipeline counts them: a lone call's record is committed at once

    async def audited() -> None:
        nonlocal in_flight
        t = time.time()
        start = time.perf_counter()
        in_flight += 1
        try:
            await call()
            latency = (time.perf_counter() - start) * 1000
            await write(t, latency, in_flight <= 1)
        finally:
            in_flight -= 1

    async def write(t: float, latency: float, alone: bool) -> None:
        await log.write(
            AuditRecord(
                time=t,
                grant="bench",
                session="s1",
                server="echo",
                tool="echo",
                arguments=ARGS,
                decision="allow",
                rule="echo",
                reason="",
                latency_ms=latency,
                outcome="ok",
            ),
            alone=alone,
        )

    return audited


async def run_round(call: Call, clients: int, per_client: int) -> tuple[list[float], float]:
    latencies: list[float] = []

    async def client() -> None:
        for _ in range(per_client):
            t0 = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - t0


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4000, help="calls per cell (default 4000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per cell (default 5)")
    parser.add_argument("--quick", action="store_true", help="a few calls per cell, to check the script works")
    parser.add_argument("--concurrency", default="1,16,64")
    parser.add_argument("--postgres", help="also measure a PostgreSQL audit log at this DSN")
    args = parser.parse_args()
    total = 100 if args.quick else args.calls
    rounds = 2 if args.quick else args.rounds
    levels = [int(x) for x in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        logs: dict[str, AuditLog] = {
            "+ audit sqlite (WAL, sync=normal)": await open_audit(f"sqlite:///{tmp}/a.db"),
            "+ audit sqlite (WAL, sync=full)": await open_audit(f"sqlite:///{tmp}/b.db", sync="full"),
            "+ audit jsonl": await open_audit(f"jsonl:///{tmp}/a.jsonl"),
        }
        if args.postgres:
            logs["+ audit postgresql"] = await open_audit(args.postgres, table="portcullis_audit_bench")
        callers, close = await stdio_callers(ECHO, 1)
        direct = callers[0]
        paths: dict[str, Call] = {"direct (no audit)": direct}
        paths.update({name: with_audit(direct, log) for name, log in logs.items()})
        print(
            f"{'path':36} {'clients':>7} {'p50 µs':>9} {'p99 µs':>9} {'+p50 µs':>8} {'calls/s':>9} {'rec/commit':>10}"
        )
        try:
            for clients in levels:
                per_client = max(1, total // clients // rounds)
                await run_round(direct, clients, per_client)  # warm-up
                samples: dict[str, list[float]] = {name: [] for name in paths}
                elapsed: dict[str, float] = dict.fromkeys(paths, 0.0)
                before = {name: (log.written, log.commits) for name, log in logs.items()}
                for _ in range(rounds):
                    for name, call in paths.items():
                        lat, secs = await run_round(call, clients, per_client)
                        samples[name] += lat
                        elapsed[name] += secs
                base = statistics.median(samples["direct (no audit)"])
                for name in paths:
                    p50 = statistics.median(samples[name])
                    rate = len(samples[name]) / elapsed[name]
                    ratio = "-"
                    if name in logs:
                        written = logs[name].written - before[name][0]
                        commits = logs[name].commits - before[name][1]
                        ratio = f"{written / max(commits, 1):.1f}"
                    print(
                        f"{name:36} {clients:7d} {p50 * 1e6:9.0f} {pct(samples[name], 0.99) * 1e6:9.0f} "
                        f"{(p50 - base) * 1e6:8.0f} {rate:9.0f} {ratio:>10}"
                    )
                print()
        finally:
            await close()
            for log in logs.values():
                await log.close()
        if args.postgres:
            import asyncpg

            conn = await asyncpg.connect(args.postgres)
            await conn.execute("DROP TABLE IF EXISTS portcullis_audit_bench")
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
