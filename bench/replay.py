"""Benchmark: how many recorded calls per second ``policy replay`` runs a draft over, from SQLite.

Writes a SQLite audit trail of N records (a realistic mix: reads, writes with a session limit, a
financial tool with an argument rule and a spend cap, denials, limits, a few redacted arguments) in
the gateway's own schema, then times ``replay_draft`` over it end to end: reading the rows, the
draft's decision, the limits in time order, the report. Budget (issue 13): ≥ 50,000 calls/s.

Usage: ``python bench/replay.py [--calls N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from portcullis.audit import open_audit  # noqa: E402
from portcullis.policy import policy_from_text  # noqa: E402
from portcullis.policy.compile import compile_policy  # noqa: E402
from portcullis.replay import replay_draft  # noqa: E402

DRAFT = {
    "version": "1",
    "default": "deny",
    "all_tools": {"limits": [{"counter": "all", "window": "minute", "max": 600, "scope": "grant"}]},
    "tools": {
        "demo__list_notes": {},
        "demo__read_note": {},
        "demo__write_note": {"limits": [{"counter": "writes", "window": "minute", "max": 20, "scope": "session"}]},
        "demo__delete_note": {"action": "deny", "reason": "Deletion is done by people"},
        "demo__transfer_funds": {
            "action": "require_approval",
            "deny_if": [{"conditions": [{"path": "args.amount", "op": "gt", "value": 500}]}],
            "limits": [{"counter": "spend", "window": "day", "max": 5000, "scope": "grant", "cost": "args.amount"}],
        },
    },
}
TOOLS = [
    ("list_notes", "{}", "allow", "$.tools.demo__list_notes"),
    ("read_note", '{"name":"todo"}', "allow", "$.tools.demo__read_note"),
    ("read_note", '{"name":"ideas"}', "allow", "$.tools.demo__read_note"),
    ("write_note", '{"name":"todo","text":"buy milk and bread"}', "allow", "$.tools.demo__write_note"),
    ("delete_note", '{"name":"old"}', "require_approval", "$.tools.demo__delete_note"),
    ("transfer_funds", '{"to":"acme","amount":250}', "approved", "$.tools.demo__transfer_funds"),
    ("transfer_funds", '{"to":"acme","amount":900}', "approved", "$.tools.demo__transfer_funds"),
    ("run_report", '{"kind":"daily"}', "deny", "$.default"),
    ("write_note", '{"name":"creds","text":"[REDACTED]"}', "allow", "$.tools.demo__write_note"),
]


async def make_trail(path: Path, calls: int) -> None:
    log = await open_audit(f"sqlite:///{path}")
    await log.close()
    rows = []
    start = time.time() - 3600
    for i in range(calls):
        tool, args, decision, rule = TOOLS[i % len(TOOLS)]
        rows.append(
            (
                start + i * 0.02,
                f"agent-{i % 4}",
                f"s{i % 50}",
                "demo",
                tool,
                args,
                decision,
                rule,
                "",
                None,
                None,
                1.0,
                "ok",
            )
        )
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO audit (time, grant_name, session, server, tool, arguments, decision, rule, reason, "
        "approval_id, approver, latency_ms, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    draft = compile_policy(policy_from_text(json.dumps(DRAFT), "draft.json"))
    with tempfile.TemporaryDirectory() as tmp:
        trail = Path(tmp) / "audit.db"
        await make_trail(trail, args.calls)
        rates, cpu_rates = [], []
        report = None
        for _ in range(args.rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            report = await replay_draft(draft, f"sqlite:///{trail}")
            rates.append(args.calls / (time.perf_counter() - t0))
            cpu_rates.append(args.calls / (time.process_time() - c0))
        assert report is not None and report.read == args.calls
        print(f"replay from SQLite: {args.calls} recorded calls, {args.rounds} rounds")
        print(f"  calls/s (wall): median {statistics.median(rates):,.0f}, best {max(rates):,.0f} (budget ≥ 50,000)")
        print(
            f"  calls per CPU second: median {statistics.median(cpu_rates):,.0f}, best {max(cpu_rates):,.0f} "
            "(the same on a machine that other work leaves idle)"
        )
        print(f"  changed {report.changed}, redacted {report.redacted}, transitions {report.transitions()}")


if __name__ == "__main__":
    asyncio.run(main())
