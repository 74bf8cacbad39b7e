"""Benchmark: what loop and session rules add to a call's decision, in memory (budget: ≤ 5 µs per call).

The policy of the README's worked example (a loop rule on every tool, a trifecta session rule, tags
on the tools); 1,000 sessions, each calling the four tools in turn (a read, a private
read, a fetch, a send: the send is held by the trifecta rule). It times ``policy.decide`` alone,
then ``decide`` + ``SessionSafety.check`` + ``went_ahead`` (what the gateway runs per call in memory), and
prints the difference per call (medians of rounds; CPU time, so other work on the machine does not
count).

Usage: ``python bench/sessions.py [--calls N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from portcullis.policy import ToolCall, compile_policy, policy_from_text
from portcullis.safety import SessionSafety

POLICY = {
    "version": "1",
    "default": "deny",
    "all_tools": {"loop": {"identical": 3, "window": "10m", "in_a_row": 20}},
    "tools": {
        "gh__get_file_contents": {"tags": ["private_data"]},
        "web__fetch": {"tags": ["untrusted_content"]},
        "gh__create_issue": {"tags": ["external_comm"]},
        "gh__list_commits": {},
    },
    "sessions": [{"name": "trifecta", "after": ["private_data", "untrusted_content"], "then": "external_comm"}],
}
CALLS = [
    ("gh", "list_commits", {"repo": "a/b", "page": 1}),
    ("gh", "get_file_contents", {"repo": "a/b", "path": "README.md"}),
    ("web", "fetch", {"url": "https://example.com/page"}),
    ("gh", "create_issue", {"repo": "a/b", "title": "hello", "body": "some text"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    policy = compile_policy(policy_from_text(json.dumps(POLICY), "bench.json"))
    calls = [
        ToolCall(server, tool, {**arguments, "n": i % 7}, "agent", f"s{(i // len(CALLS)) % 1000}")
        for i, (server, tool, arguments) in enumerate(CALLS * (args.calls // len(CALLS)))
    ]
    plain, checked = [], []

    def gateway_steps(safety: SessionSafety) -> None:
        now = 1000.0
        for call in calls:
            decision, tags = safety.check(policy, call, policy.decide(call), now)
            if decision.action == "allow":
                safety.went_ahead(call, tags, now)
            now += 0.001

    for _ in range(args.rounds):
        t0 = time.process_time()
        for call in calls:
            policy.decide(call)
        plain.append((time.process_time() - t0) / len(calls))
        safety = SessionSafety()
        t0 = time.process_time()
        gateway_steps(safety)
        checked.append((time.process_time() - t0) / len(calls))
    base, full = statistics.median(plain) * 1e6, statistics.median(checked) * 1e6
    print(f"session rules, in memory: {len(calls)} calls x {args.rounds} rounds, 1,000 sessions")
    print(f"  decide alone: {base:.2f} µs/call; with loop + session rules: {full:.2f} µs/call")
    print(f"  added by the session check: {full - base:.2f} µs/call (budget ≤ 5 µs)")


if __name__ == "__main__":
    main()
