"""``portcullis admin-token create|list|revoke|metrics``: operator tokens, printed once and stored hashed.

- ``create NAME --role viewer|approver|admin`` mints a token for the console and the REST API and
  appends ``{name, token_sha256, role}`` to ``admin_tokens``;
- ``list`` shows the tokens (name, role, the start of the SHA-256); ``revoke NAME`` removes one;
- ``metrics`` mints the token a Prometheus scrape must send to ``/metrics`` and sets
  ``metrics_token_sha256``.
A running gateway takes the change within about a second. Nobody computes a SHA-256 by hand.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from portcullis.cli.common import add_config_option, print_json
from portcullis.cli.table import render_table
from portcullis.config.edit import append_item, remove_item, set_value
from portcullis.config.model import ROLES
from portcullis.config.rewrite import open_config, save_config
from portcullis.config.security import name_problem
from portcullis.errors import PortcullisError
from portcullis.policy.operators import new_admin_token, token_digest

__all__ = ["register"]

EXIT_OK, EXIT_CONFIG = 0, 2
_ROLE_HELP = "viewer reads; approver also decides approval requests; admin may do everything"


def register(sub: Any) -> None:
    tokens = sub.add_parser(
        "admin-token",
        help="operator tokens for the console, the REST API and /metrics",
        description="Operator tokens: each is printed once and stored as its SHA-256.",
    )
    tsub = tokens.add_subparsers(dest="admin_token_command", metavar="SUBCOMMAND")
    create = tsub.add_parser("create", help="add an operator token and print it once")
    create.add_argument("name", help="who the token is for")
    create.add_argument("--role", choices=ROLES, required=True, help=_ROLE_HELP)
    create.add_argument("--json", action="store_true", help="print {name, role, token, token_sha256} as JSON")
    create.set_defaults(handler=run_create)
    listing = tsub.add_parser("list", help="show the operator tokens (never a token)")
    listing.add_argument("--json", action="store_true", help="print a list of {name, role, token_sha256}")
    listing.set_defaults(handler=run_list)
    revoke = tsub.add_parser("revoke", help="remove an operator token")
    revoke.add_argument("name", help="the operator token to remove")
    revoke.set_defaults(handler=run_revoke)
    metrics = tsub.add_parser("metrics", help="mint the token /metrics asks for (replaces any previous one)")
    metrics.add_argument("--json", action="store_true", help="print {token, token_sha256} as JSON")
    metrics.set_defaults(handler=run_metrics)
    for parser in (create, listing, revoke, metrics):
        add_config_option(parser)

    def usage(args: argparse.Namespace) -> int:
        tokens.print_help(sys.stderr)
        return EXIT_CONFIG

    tokens.set_defaults(handler=usage)


def _show(args: argparse.Namespace, token: str, what: str, extra: dict[str, Any]) -> None:
    if args.json:
        print_json({**extra, "token": token, "token_sha256": token_digest(token), "config": str(args.config)})
        return
    print(token)
    print(
        f"{what}. This token is shown only once: store it now (sent as 'Authorization: Bearer <token>').",
        file=sys.stderr,
    )


def run_create(args: argparse.Namespace) -> int:
    config, original = open_config(args.config)
    if (why := name_problem(args.name, "token name")) is not None:
        raise PortcullisError(why, "pick another name")
    if any(t.name == args.name for t in config.admin_tokens):
        raise PortcullisError(
            f"admin token '{args.name}' already exists in {args.config}",
            f"pick another name, or revoke it first (portcullis admin-token revoke {args.name})",
        )
    token = new_admin_token()
    entry = {"name": args.name, "token_sha256": token_digest(token), "role": args.role}
    save_config(
        args.config,
        original,
        append_item(original, args.config, "admin_tokens", entry),
        lambda after: any(t.name == args.name and t.token_sha256 == entry["token_sha256"] for t in after.admin_tokens),
    )
    _show(
        args,
        token,
        f"admin token '{args.name}' ({args.role}) added to {args.config}",
        {"name": args.name, "role": args.role},
    )
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    config, _ = open_config(args.config)
    rows = [{"name": t.name, "role": t.role, "token_sha256": t.token_sha256} for t in config.admin_tokens]
    if config.admin_token_sha256:
        rows.append({"name": "(admin_token_sha256)", "role": "admin", "token_sha256": config.admin_token_sha256})
    if args.json:
        print_json(rows)
    elif not rows:
        print(
            f"no admin tokens in {args.config}: create one with 'portcullis admin-token create NAME --role approver'",
            file=sys.stderr,
        )
    else:
        print(
            render_table(
                ["NAME", "ROLE", "TOKEN SHA-256"], [[r["name"], r["role"], r["token_sha256"][:12]] for r in rows]
            )
        )
    return EXIT_OK


def run_revoke(args: argparse.Namespace) -> int:
    config, original = open_config(args.config)
    names = [t.name for t in config.admin_tokens]
    if args.name not in names:
        raise PortcullisError(
            f"no admin token named '{args.name}' in {args.config}", f"known: {', '.join(names) or 'none'}"
        )
    save_config(
        args.config,
        original,
        remove_item(original, args.config, "admin_tokens", names.index(args.name)),
        lambda after: all(t.name != args.name for t in after.admin_tokens),
    )
    print(
        f"admin token '{args.name}' removed from {args.config}; a running gateway refuses it within a few seconds",
        file=sys.stderr,
    )
    return EXIT_OK


def run_metrics(args: argparse.Namespace) -> int:
    _, original = open_config(args.config)
    token = new_admin_token()
    save_config(
        args.config,
        original,
        set_value(original, args.config, "metrics_token_sha256", token_digest(token)),
        lambda after: after.metrics_token_sha256 == token_digest(token),
    )
    _show(
        args,
        token,
        f"/metrics now needs this token (metrics_token_sha256 in {args.config}); give it to the "
        "scraper, e.g. Prometheus 'authorization: {credentials: <token>}'",
        {},
    )
    return EXIT_OK
