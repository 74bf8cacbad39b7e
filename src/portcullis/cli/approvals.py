"""``portcullis approvals list|show|approve|deny``: the approval queue, from any shell.

The command opens the same store as the gateway (``store`` in the config; with ``memory``, the
``portcullis.db`` file beside the config), so a decision made here releases a call held by a running
gateway. Exit status: 0 done, 1 the request is already decided or expired, 2 no such request or a
configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import TYPE_CHECKING, Any

import orjson

from portcullis._plumbing.durations import parse_duration
from portcullis._plumbing.isotime import iso
from portcullis.cli import EXIT_CONFIG, EXIT_FINDING, EXIT_OK
from portcullis.cli.common import add_config_option, config_from_args, print_json
from portcullis.cli.table import age, render_table
from portcullis.errors import ApprovalClosed, ApprovalNotFound

if TYPE_CHECKING:  # the service (and its Redis/aiohttp clients) is imported only when a command runs
    from portcullis.approvals import ApprovalService
    from portcullis.approvals.model import Approval

__all__ = ["register"]

_STATUSES = ("pending", "approved", "denied", "expired", "all")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "approvals",
        help="list, show, approve or deny held calls",
        description="The approval queue: calls held by require_approval rules.",
    )
    asub = parser.add_subparsers(dest="approvals_command", metavar="SUBCOMMAND")

    lst = asub.add_parser("list", help="list requests (pending ones by default)")
    lst.add_argument("--status", choices=_STATUSES, default="pending", help="which requests (default: pending)")
    lst.add_argument("--limit", type=int, default=100, help="at most this many, newest first (default 100)")
    lst.add_argument("--json", action="store_true", help="print a JSON list")
    add_config_option(lst)
    lst.set_defaults(handler=run_list)

    show = asub.add_parser("show", help="show one request")
    show.add_argument("id", help="the request's id (ap_…, as 'approvals list' shows it)")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    add_config_option(show)
    show.set_defaults(handler=run_show)

    for name, text in (("approve", "approve a pending request"), ("deny", "deny a pending request")):
        p = asub.add_parser(name, help=text)
        p.add_argument("id", help="the request's id (ap_…, as 'approvals list' shows it)")
        p.add_argument("--comment", default="", help="a note; the agent reads it on a denial")
        if name == "approve":
            p.add_argument(
                "--for",
                dest="duration",
                metavar="DURATION",
                help="approve every identical call for this long (e.g. 30m, 8h); default: one call",
            )
        p.add_argument("--as", dest="approver", help="who decides (default: cli:<your user name>)")
        p.add_argument("--json", action="store_true", help="print the decided request as JSON")
        add_config_option(p)
        p.set_defaults(handler=run_decide, approve=name == "approve")

    parser.set_defaults(handler=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_CONFIG


def _run(args: argparse.Namespace, action: Any) -> int:
    from portcullis.approvals import open_approvals

    config = config_from_args(args, defaults_if_missing=True)

    async def go() -> int:
        service = await open_approvals(config)
        try:
            result: int = await action(service)
            return result
        finally:
            await service.close()

    return asyncio.run(go())


_HEADERS = ("ID", "STATUS", "GRANT", "TOOL", "REQUESTED", "EXPIRES", "ARGUMENTS")


def _when(at: float, now: float) -> str:
    return f"in {age(at - now)}" if at > now else f"{age(now - at)} ago"


def _row(a: Approval, now: float) -> list[str | None]:
    """One request as a table row; the tool as agents and policies name it (``server__tool``)."""
    return [
        a.id,
        a.effective_status(now),
        a.grant,
        f"{a.server}__{a.tool}",
        _when(a.requested_at, now),
        _when(a.expires_at, now),
        orjson.dumps(a.arguments).decode(),
    ]


def run_list(args: argparse.Namespace) -> int:
    async def action(service: ApprovalService) -> int:
        status = None if args.status == "all" else args.status
        items = await service.list(status, max(1, args.limit))
        now = service.clock()
        if args.json:
            print_json([a.public(now) for a in items])
        elif not items:
            print(f"no {args.status} approval requests" if status else "no approval requests")
        else:
            print(render_table(_HEADERS, [_row(a, now) for a in items], keep={"ID"}, cut_first=("ARGUMENTS",)))
        return EXIT_OK

    return _run(args, action)


def _details(a: Approval, now: float) -> str:
    p = a.public(now)
    lines = [f"{k:12} {v}" for k, v in p.items() if k != "arguments" and v not in (None, "")]
    lines.append("arguments    " + orjson.dumps(a.arguments, option=orjson.OPT_INDENT_2).decode())
    return "\n".join(lines)


def run_show(args: argparse.Namespace) -> int:
    async def action(service: ApprovalService) -> int:
        approval = await service.get(args.id)
        if approval is None:
            print(f"portcullis: {ApprovalNotFound(args.id)}", file=sys.stderr)
            return EXIT_CONFIG
        now = service.clock()
        if args.json:
            print_json(approval.public(now))
        else:
            print(_details(approval, now))
        return EXIT_OK

    return _run(args, action)


def run_decide(args: argparse.Namespace) -> int:
    for_seconds = None
    if getattr(args, "duration", None):
        try:
            for_seconds = parse_duration(args.duration)
        except ValueError as exc:
            print(f"portcullis: --for: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        if for_seconds <= 0:
            print("portcullis: --for must be longer than 0", file=sys.stderr)
            return EXIT_CONFIG
    approver = args.approver or f"cli:{getpass.getuser()}"

    async def action(service: ApprovalService) -> int:
        try:
            decided = await service.decide(args.id, args.approve, approver, args.comment, for_seconds)
        except ApprovalNotFound as exc:
            print(f"portcullis: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        except ApprovalClosed as exc:
            print(f"portcullis: {exc}", file=sys.stderr)
            return EXIT_FINDING
        now = service.clock()
        if args.json:
            print_json(decided.public(now))
        else:
            scope = "one call" if decided.single_use else f"identical calls until {iso(decided.valid_until or now)}"
            verb = f"approved ({scope})" if args.approve else "denied"
            print(f"{decided.id} {verb}: {decided.server}__{decided.tool} for grant {decided.grant or '-'}")
        return EXIT_OK

    return _run(args, action)
