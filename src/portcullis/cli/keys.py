"""``portcullis keys create|list|revoke|rotate``: agent keys (grants) in the config file.

- ``create NAME [--servers a,b] [--policy FILE]`` mints a key, prints it once (stdout) and appends
  ``{name, key_sha256, servers, policy}`` to ``grants``; a policy file that is missing or invalid is
  refused (``serve`` would not start with it) unless ``--force``;
- ``list`` shows every grant (name, servers, policy, the start of its key's SHA-256) as a table, or
  ``--json``;
- ``revoke NAME`` removes the grant; ``rotate NAME`` gives it a new key (printed once) in place of
  the old one. A running gateway refuses the old key, and drops its sessions, within about a second.
Only digests are stored. A YAML config is edited in place (comments and layout kept); a JSON
config is rewritten as JSON. The edited config is validated before it is kept.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from portcullis.cli.common import add_config_option, print_json
from portcullis.cli.table import render_table
from portcullis.config.edit import set_item_field
from portcullis.config.model import GatewayConfig, GrantConfig
from portcullis.config.rewrite import open_config, save_config
from portcullis.errors import PortcullisError
from portcullis.policy.grant_file import add_grant, remove_grant
from portcullis.policy.grants import key_digest, new_key

__all__ = ["register"]

EXIT_OK, EXIT_CONFIG = 0, 2


def register(sub: Any) -> None:
    keys = sub.add_parser(
        "keys",
        help="agent keys: create, list, revoke, rotate",
        description="Agent keys (grants): each key is printed once and stored as its SHA-256.",
    )
    ksub = keys.add_subparsers(dest="keys_command", metavar="SUBCOMMAND")
    create = ksub.add_parser("create", help="add a grant and print its new key once")
    create.add_argument("name", help="the grant's name (who the key is for)")
    create.add_argument("--servers", help="comma-separated servers the grant may reach (default: all)")
    create.add_argument("--policy", help="the grant's policy file (without one, every call is denied)")
    create.add_argument(
        "--force",
        action="store_true",
        help="add the grant even if its policy file is missing or invalid (its calls are denied)",
    )
    create.add_argument("--json", action="store_true", help="print {name, key, key_sha256, …} as JSON")
    create.set_defaults(handler=run_create)
    listing = ksub.add_parser("list", help="show every grant (never a key)")
    listing.add_argument("--json", action="store_true", help="print a list of {name, servers, policy, key_sha256}")
    listing.set_defaults(handler=run_list)
    revoke = ksub.add_parser("revoke", help="remove a grant: its key stops working")
    revoke.add_argument("name", help="the grant to remove")
    revoke.set_defaults(handler=run_revoke)
    rotate = ksub.add_parser("rotate", help="give a grant a new key (printed once); the old one stops working")
    rotate.add_argument("name", help="the grant whose key is replaced")
    rotate.add_argument("--json", action="store_true", help="print {name, key, key_sha256, config} as JSON")
    rotate.set_defaults(handler=run_rotate)
    for parser in (create, listing, revoke, rotate):
        add_config_option(parser)

    def usage(args: argparse.Namespace) -> int:
        keys.print_help(sys.stderr)
        return EXIT_CONFIG

    keys.set_defaults(handler=usage)


def _grant_index(config: GatewayConfig, name: str) -> int:
    for i, grant in enumerate(config.grants):
        if grant.name == name:
            return i
    known = ", ".join(g.name for g in config.grants) or "none"
    raise PortcullisError(f"no grant named '{name}' in {config.path}", f"known grants: {known}")


def _show_key(args: argparse.Namespace, name: str, key: str, what: str) -> None:
    if args.json:
        print_json({"name": name, "key": key, "key_sha256": key_digest(key), "config": str(args.config)})
    else:
        print(key)
        print(
            f"{what}. This key is shown only once: give it to the agent now (as 'Authorization: Bearer <key>', "
            "or PORTCULLIS_KEY for 'portcullis stdio').",
            file=sys.stderr,
        )


def run_create(args: argparse.Namespace) -> int:
    servers = [s.strip() for s in args.servers.split(",") if s.strip()] if args.servers else None
    made = add_grant(args.config, args.name, servers, args.policy, force=args.force)
    for warning in made.warnings:
        print(f"portcullis: warning: {warning}", file=sys.stderr)
    if not made.before.require_keys:
        print(
            f"portcullis: note: the first grant in {args.config}: from now on the gateway takes calls only with "
            "an agent key (a running one within a few seconds)",
            file=sys.stderr,
        )
    if args.json:
        print_json({**made.entry, "key": made.key, "config": str(args.config)})
    else:
        _show_key(args, args.name, made.key, f"grant '{args.name}' added to {args.config}")
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    config, _ = open_config(args.config)
    if args.json:
        print_json(
            [
                {
                    "name": g.name,
                    "servers": list(g.servers),
                    "policy": g.policy,
                    "key_sha256": g.key_sha256 or None,
                    **({"match": {claim: list(values) for claim, values in g.match}} if g.match else {}),
                }
                for g in config.grants
            ]
        )
        return EXIT_OK
    if not config.grants:
        hint = (
            "every agent key is refused ('grants' is empty)"
            if config.require_keys
            else "the gateway serves loopback callers without keys"
        )
        print(f"no grants in {args.config}: {hint}. Create one with 'portcullis keys create NAME'.", file=sys.stderr)
        return EXIT_OK
    rows = [
        [g.name, ",".join(g.servers), g.policy or "(none: every call denied)", g.key_sha256[:12] or _matched(g)]
        for g in config.grants
    ]
    print(render_table(["NAME", "SERVERS", "POLICY", "KEY SHA-256"], rows))
    return EXIT_OK


def _matched(grant: GrantConfig) -> str:
    """How an OAuth-only grant takes its callers, for the KEY column: ``oauth groups=sre,ops``."""
    return "oauth " + " ".join(f"{claim}={','.join(values)}" for claim, values in grant.match)


def run_revoke(args: argparse.Namespace) -> int:
    try:
        _, after = remove_grant(args.config, args.name)
    except LookupError as exc:
        raise PortcullisError(str(exc)) from None
    left = (
        ""
        if after.grants
        else (
            " No grants remain: every agent key is refused until one is created with "
            "'portcullis keys create NAME --policy FILE'."
        )
    )
    print(
        f"grant '{args.name}' removed from {args.config}; a running gateway refuses its key within a few "
        f"seconds.{left}",
        file=sys.stderr,
    )
    return EXIT_OK


def run_rotate(args: argparse.Namespace) -> int:
    config, original = open_config(args.config)
    index = _grant_index(config, args.name)
    key = new_key()
    save_config(
        args.config,
        original,
        set_item_field(original, args.config, "grants", index, "key_sha256", key_digest(key)),
        lambda after: any(g.name == args.name and g.key_sha256 == key_digest(key) for g in after.grants),
    )
    _show_key(
        args,
        args.name,
        key,
        f"grant '{args.name}' has a new key in {args.config}; the old key stops working within a few seconds",
    )
    return EXIT_OK
