"""``portcullis policy replay DRAFT [--since 24h|DATE] [--until …] [--grant G] [--server S] [--json]``.

Runs a draft policy over the calls of the config's audit trail (SQLite, PostgreSQL or JSON Lines) and
reports, per tool, how many would have been decided differently, with examples. Exit 0 with a report
(whatever it says), 2 when the draft, the config or the trail cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from portcullis.audit.when import parse_instant
from portcullis.cli.common import add_config_option, config_from_args, print_json
from portcullis.errors import ConfigError, PortcullisError
from portcullis.policy import load_policy
from portcullis.replay import render_report, replay_for_config

__all__ = ["add_replay_parser"]

EXIT_OK, EXIT_CONFIG = 0, 2


def add_replay_parser(psub: Any) -> None:
    p = psub.add_parser(
        "replay",
        help="run a draft policy over the audit trail: what would it have decided differently?",
        description="Replay the calls recorded in the config's audit trail through DRAFT (limits in time "
        "order) and report, per tool, the calls it would decide differently, with examples.",
    )
    p.add_argument("draft", type=Path, metavar="DRAFT", help="the draft policy file (JSON or YAML)")
    p.add_argument("--since", default="24h", help="from this time: 24h (ago, the default), an ISO date, or 'all'")
    p.add_argument("--until", help="before this time (same forms)")
    p.add_argument("--grant", help="only this grant's calls (glob allowed)")
    p.add_argument("--server", help="only this server's calls (glob allowed)")
    p.add_argument("--examples", type=int, default=3, help="examples per tool and change (default 3)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_config_option(p)
    p.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    now = time.time()
    try:
        since = None if args.since == "all" else parse_instant(args.since, now)
        until = parse_instant(args.until, now) if args.until else None
    except ValueError as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        draft = load_policy(args.draft)
        config = config_from_args(args, defaults_if_missing=True)
        report = asyncio.run(
            replay_for_config(
                config,
                draft,
                since=since,
                until=until,
                grant=args.grant,
                server=args.server,
                examples=args.examples,
            )
        )
    except ConfigError as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except PortcullisError as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.json:
        print_json({**report.to_dict(), "empty": report.empty})
        return EXIT_OK
    span = "" if since is None else f" since {args.since}"
    for line in render_report(report, span):
        print(line)
    return EXIT_OK
