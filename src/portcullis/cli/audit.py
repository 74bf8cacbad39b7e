"""``portcullis audit``: read the audit trail, filter it, follow it.

``--json`` prints one JSON list of records (with ``--follow``: one record per line, JSON Lines, as they
arrive); otherwise a table with a header row, fitted to the terminal's width. String filters accept globs;
``--tool`` takes the names agents and policies use (``github__*``). ``--since``/``--until`` take a
duration back from now (``2h``), an ISO 8601 time or epoch seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

import orjson

from portcullis.audit.record import DECISIONS, OUTCOMES
from portcullis.audit.when import parse_instant
from portcullis.cli import EXIT_CONFIG, EXIT_OK
from portcullis.cli.common import add_config_option, config_from_args, print_json
from portcullis.cli.shadowdiff import SCAN, show_shadow_diff
from portcullis.cli.table import column_widths, render_rows, render_table, terminal_width

if TYPE_CHECKING:
    from portcullis.audit import AuditLog

__all__ = ["register"]

_FOLLOW_POLL = 0.5


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="show the audit trail (filter, follow)",
        description="Show audit records, oldest first: the newest --limit matching ones.",
    )
    p.add_argument(
        "--tool",
        help="the tool as agents and policies name it, server__tool (globs allowed: "
        "'github__*', '*__delete_*'); a name without '__' is that tool on any server",
    )
    p.add_argument("--server", help="server name (glob allowed)")
    p.add_argument("--grant", help="grant name (glob allowed)")
    p.add_argument("--decision", help="allow, deny, hide, limit, require_approval, approved, …")
    p.add_argument("--outcome", help="ok, tool_error, protocol_error, timeout, unavailable, denied, …")
    p.add_argument(
        "--session", help="the session as the records show it (a digest of its id, e.g. 3f9c2a1b7d04e5f6; glob allowed)"
    )
    p.add_argument("--since", help="from this time: 2h (ago), 2026-07-05T12:00:00Z, or epoch seconds")
    p.add_argument("--until", help="before this time (same forms)")
    p.add_argument("--limit", type=int, default=100, help="at most this many records (default 100)")
    p.add_argument("--json", action="store_true", help="print JSON (a list; JSON Lines with --follow)")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new records as they arrive")
    p.add_argument(
        "--shadow-diff",
        action="store_true",
        help="only calls a shadow policy would have decided differently, counted per tool",
    )
    add_config_option(p)
    p.set_defaults(handler=run_audit)


_HEADERS = ("TIME (UTC)", "GRANT", "TOOL", "DECISION", "OUTCOME", "MS", "RULE", "REASON", "ARGUMENTS")
_KEEP = ("TIME (UTC)",)
_FREE_TEXT = ("ARGUMENTS", "RULE", "REASON")  # narrowed first, left out in this order (--json has them)
# The widths of a typical record, so that the columns of --follow (records come one by one) stay aligned.
_TYPICAL = (
    "2026-01-01 00:00:00",
    "laptop-agent",
    "github__create_pull_request",
    "require_approval",
    "protocol_error",
    "1234.5",
    "$.tools.github__create_*",
    "",
    "",
)


def _row(r: dict[str, Any]) -> list[object]:
    """One record as a table row; the tool as agents and policies name it (``server__tool``)."""
    latency = f"{r['latency_ms']:.1f}" if isinstance(r.get("latency_ms"), (int, float)) else None
    reason, approval, approver = r.get("reason") or "", r.get("approval_id"), r.get("approver")
    note = (
        f"approval {approval} by {approver}"
        if approval and approver
        else f"by {approver}"
        if approver
        else f"approval {approval}"
        if approval and approval not in reason
        else ""
    )
    reason = "; ".join(part for part in (reason, note) if part)
    return [
        str(r["time"]).replace("T", " ")[:19],
        r.get("grant"),
        f"{r['server']}__{r['tool']}",
        r["decision"],
        r["outcome"],
        latency,
        r.get("rule") or None,
        reason or None,
        orjson.dumps(r.get("arguments", {})).decode(),
    ]


_DECISIONS = (*DECISIONS, "policy_change", "kept_blocked")  # and the console's records of its own acts


def _value_notes(decision: str | None, outcome: str | None) -> list[str]:
    """Why a ``--decision``/``--outcome`` that matched nothing may be a slip: a value the gateway never
    writes (a glob is taken as meant), and which of the two flags it belongs to."""
    notes = []
    for flag, value, known, other, other_known in (
        ("--decision", decision, _DECISIONS, "--outcome", OUTCOMES),
        ("--outcome", outcome, OUTCOMES, "--decision", _DECISIONS),
    ):
        if not value or any(c in value for c in "*?[") or value in known:
            continue
        note = f"{flag} '{value}' is not one the gateway records ({', '.join(known)})"
        if value in other_known:
            note += f"; it is a value of {other}: {other} {value}"
        notes.append(note)
    return notes


def run_audit(args: argparse.Namespace) -> int:
    from portcullis.audit import audit_options, open_audit

    config = config_from_args(args, defaults_if_missing=True)
    now = time.time()
    filters: dict[str, Any] = {
        k: getattr(args, k) for k in ("tool", "server", "grant", "decision", "outcome", "session") if getattr(args, k)
    }
    try:
        if args.since:
            filters["since"] = parse_instant(args.since, now)
        if args.until:
            filters["until"] = parse_instant(args.until, now)
    except ValueError as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.limit < 1:
        print("portcullis: --limit must be at least 1", file=sys.stderr)
        return EXIT_CONFIG
    options = audit_options(config)

    async def go() -> int:
        log = await open_audit(config.audit, options.redact, base_dir=config.base_dir, table=options.table)
        try:
            if args.shadow_diff:
                show_shadow_diff(await log.query(limit=SCAN, **filters), args.limit, args.json)
                return EXIT_OK
            records = await log.query(limit=args.limit, **filters)
            if not args.follow:
                if args.json:
                    print_json(records)
                elif records:
                    print(render_table(_HEADERS, [_row(r) for r in records], keep=_KEEP, cut_first=_FREE_TEXT))
                else:
                    print("no audit records match", file=sys.stderr)
                    for note in _value_notes(args.decision, args.outcome):
                        print(f"portcullis: note: {note}", file=sys.stderr)
                return EXIT_OK
            await _follow(log, records, filters, args.json)
            return EXIT_OK
        finally:
            await log.close()

    return asyncio.run(go())


async def _follow(log: AuditLog, first: list[dict[str, Any]], filters: dict[str, Any], as_json: bool) -> None:
    width = terminal_width()
    widths = column_widths(_HEADERS, [_TYPICAL, *(_row(r) for r in first)], width, keep=_KEEP, cut_first=_FREE_TEXT)

    def emit(r: dict[str, Any]) -> None:
        sys.stdout.write(
            (orjson.dumps(r).decode() if as_json else render_rows([_row(r)], widths, cut=width is not None)[0]) + "\n"
        )

    if not as_json:
        sys.stdout.write(render_rows([_HEADERS], widths)[0] + "\n")
    for r in first:
        emit(r)
    sys.stdout.flush()
    last = first[-1]["id"] if first else None
    if last is None:  # nothing matched yet: start after the newest record of all
        newest = await log.query(limit=1)
        last = newest[-1]["id"] if newest else -1
    while True:
        # The newest record now bounds this round, so records that do not match are read once only.
        newest = await log.query(after_id=last, limit=1000)
        if not newest:
            await asyncio.sleep(_FOLLOW_POLL)
            continue
        upto = newest[-1]["id"]
        batch = await log.query(after_id=last, upto_id=upto, limit=1000, **filters) if filters else newest
        for r in batch:
            emit(r)
        sys.stdout.flush()
        last = upto
