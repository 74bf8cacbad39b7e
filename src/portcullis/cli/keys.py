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
from portcullis.cli.config_file import open_config, save_config
from portcullis.cli.table import render_table
from portcullis.config import DEFAULT_CONFIG_PATH
from portcullis.config.edit import append_item, remove_item, set_item_field
from portcullis.config.model import GatewayConfig, GrantConfig
from portcullis.config.security import name_problem
from portcullis.errors import ConfigError, PortcullisError
from portcullis.policy import load_policy
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


def _check_policy(args: argparse.Namespace, config: GatewayConfig) -> None:
    """Refuse a grant whose policy file is missing or invalid ('serve' would not start with it), unless --force."""
    path = config.resolve(args.policy)
    config_option = "" if args.config == DEFAULT_CONFIG_PATH else f" -c {args.config}"
    if not path.exists():
        problem = f"policy file {args.policy} does not exist"
        fix = (
            f"write it first: 'portcullis recommend{config_option} -o {path}' writes a default-deny policy for "
            f"the configured servers ('portcullis init{config_option}' writes "
            f"{config.policy or 'policy.json'}), or name an existing policy file"
        )
    else:
        try:
            load_policy(path)
            return
        except ConfigError as exc:
            problem = f"policy file {args.policy} is not valid:\n{exc}"
            fix = f"fix it ('portcullis policy check {path}' lists the problems)"
    if not args.force:
        raise PortcullisError(
            f"{problem}\nno grant added: 'portcullis serve' would not start with it",
            f"{fix}, then run this again; or pass --force to add the grant now (a running gateway "
            "denies its calls until the file is there and valid)",
        )
    print(
        f"portcullis: warning: {problem}; a running gateway denies this key's calls until it is there and valid, "
        "and 'portcullis serve' will not start without it",
        file=sys.stderr,
    )


def run_create(args: argparse.Namespace) -> int:
    config, original = open_config(args.config)
    if (why := name_problem(args.name, "grant name")) is not None:
        raise PortcullisError(why, "pick another name")
    if any(g.name == args.name for g in config.grants):
        raise PortcullisError(
            f"grant '{args.name}' already exists in {args.config}",
            f"pick another name, or 'portcullis keys rotate {args.name}' for a new key",
        )
    servers = [s.strip() for s in args.servers.split(",") if s.strip()] if args.servers else None
    unknown = [s for s in servers or [] if s != "*" and s not in config.servers]
    if unknown:
        raise PortcullisError(
            f"unknown server(s) {', '.join(unknown)}", f"known: {', '.join(config.servers) or 'none'}"
        )
    if args.policy is not None:
        _check_policy(args, config)
    if args.policy is None:
        print(
            f"portcullis: warning: grant '{args.name}' has no policy, so every call with its key is denied: pass "
            f"--policy {config.policy or 'FILE'}, or add 'policy: FILE' under it in {args.config} later",
            file=sys.stderr,
        )
    if not config.require_keys:
        print(
            f"portcullis: note: the first grant in {args.config}: from now on the gateway takes calls only with "
            "an agent key (a running one within a few seconds)",
            file=sys.stderr,
        )
    key = new_key()
    entry: dict[str, Any] = {"name": args.name, "key_sha256": key_digest(key)}
    if servers is not None:
        entry["servers"] = servers
    if args.policy is not None:
        entry["policy"] = args.policy
    save_config(
        args.config,
        original,
        append_item(original, args.config, "grants", entry),
        lambda after: any(g.name == args.name and g.key_sha256 == entry["key_sha256"] for g in after.grants),
    )
    if args.json:
        print_json({**entry, "key": key, "config": str(args.config)})
    else:
        _show_key(args, args.name, key, f"grant '{args.name}' added to {args.config}")
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
    config, original = open_config(args.config)
    index = _grant_index(config, args.name)
    after = save_config(
        args.config,
        original,
        remove_item(original, args.config, "grants", index),
        lambda after: all(g.name != args.name for g in after.grants),
    )
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
