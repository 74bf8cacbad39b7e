"""``portcullis tools [show|approve|diff]``, ``classify``, ``recommend`` and ``init``: the catalogue from the shell.

Live commands start the configured upstreams once (``upstream.discover``: each waits as long as its
``startup_timeout`` allows, with progress on stderr), list all their tools and close them again;
``tools show NAME`` starts only the server that owns NAME. A server that cannot be listed is named and
the command exits 1 — ``init`` and ``recommend`` then write nothing, since a policy without that
server's tools would be reported as complete when it is not. ``--from FILE`` (``tools``, ``tools
show``, ``recommend``) and ``classify FILE`` work offline on a file of tool definitions. Pins are read
from and written to the store the config names (see ``catalog/pins.py``), so an approval here reaches
a running gateway. ``init`` points ``policy:`` in the config at the policy it writes; ``recommend
--merge`` adds entries for new tools to an existing policy and shows the diff.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import getpass
import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from portcullis.catalog.catalog import Catalog, CatalogEntry
from portcullis.catalog.pin_stores import open_pin_store, pin_store_location
from portcullis.catalog.recommend import policy_key, recommend_entry, recommend_policy
from portcullis.catalog.render import render_diff, render_show, render_table
from portcullis.cli.common import add_config_option, config_from_args, print_error, print_json
from portcullis.cli.policyfile import merge_policy, point_config_at, write_policy
from portcullis.cli.sources import catalog_from_args, file_catalog, live_catalog, name_failures, owners
from portcullis.config.load import CREATE_CONFIG
from portcullis.config.model import GatewayConfig
from portcullis.config.servers import parse_servers
from portcullis.config.source import read_document
from portcullis.errors import ConfigError, PortcullisError, Problem
from portcullis.upstream.discover import Discovery

__all__ = ["register"]

EXIT_OK, EXIT_FINDING, EXIT_CONFIG = 0, 1, 2


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _rows(entries: list[CatalogEntry], with_status: bool) -> list[tuple[str, Any, str | None]]:
    return [(f"{e.server}__{e.name}", e.classification, e.status if with_status else None) for e in entries]


def _closest(catalog: Catalog, name: str) -> list[str]:
    """The catalogue's tool names (``<server>__<tool>``) nearest to ``name``: its tool part near a tool's
    own name, or the whole of it very near a prefixed name (a misspelt server)."""
    entries = catalog.entries()
    _, sep, tail = name.partition("__")
    tool = tail if sep else name
    near = [
        f"{e.server}__{e.name}"
        for match in difflib.get_close_matches(tool, [e.name for e in entries], cutoff=0.6)
        for e in entries
        if e.name == match
    ]
    full = [f"{e.server}__{e.name}" for e in entries]
    near += difflib.get_close_matches(name, full, n=3, cutoff=0.85)
    return list(dict.fromkeys(near))[:3]


def _resolve(catalog: Catalog, name: str) -> CatalogEntry:
    """The one entry ``name`` names; a name that is wrong is a usage error (exit 2), never a config error."""
    found = catalog.find(name)
    if not found:
        near = _closest(catalog, name)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        raise PortcullisError(
            f"no tool named '{name}'",
            f"{hint}give <server>__<tool> or the tool's own name; 'portcullis tools' lists them",
        )
    if len(found) > 1:
        names = ", ".join(f"{e.server}__{e.name}" for e in found)
        raise PortcullisError(f"'{name}' is on several servers: {names}", "name one as <server>__<tool>")
    return found[0]


# -- handlers ------------------------------------------------------------------------------------


def _tools(args: argparse.Namespace) -> int:
    catalog, _, found = catalog_from_args(args)
    entries = catalog.entries()
    if args.json:  # live: each row says whether its definition is the approved one ("pin")
        print_json([e.as_json() if args.source is not None else {**e.as_json(), "pin": e.status} for e in entries])
    else:
        sys.stdout.write(render_table(_rows(entries, args.source is None), colour=_colour()))
    return name_failures(found, "the list above leaves their tools out: ")


def _show(args: argparse.Namespace) -> int:
    catalog, prefix, found = catalog_from_args(args, [args.name])
    if not catalog.find(args.name) and not found.complete:
        return name_failures(found, f"'{args.name}' may be one of their tools: ")
    e = _resolve(catalog, args.name)
    key = policy_key(e.server, e.name, prefix)
    entry = recommend_entry(key, e.classification)
    status = e.status if args.source is None else None
    if args.json:
        out = e.as_json()
        out["recommended"] = {k: v for k, v in entry.items() if k != "_why"}
        out["flow"] = [s.as_json() for s in e.classification.flow]  # proposed data-flow tags
        if status is not None:
            out["pin"] = status
        print_json(out)
    else:
        sys.stdout.write(
            render_show(f"{e.server}__{e.name}", e.tool, e.classification, status, entry, colour=_colour())
        )
    return EXIT_OK


async def _approve_async(config: GatewayConfig, names: list[str], approve_all: bool) -> tuple[list[str], Discovery]:
    catalog, found = await live_catalog(config, None if approve_all else owners(config, names))
    keys = None if approve_all else [_resolve(catalog, n).key for n in names]
    pins = catalog.approve(keys, time.time(), _who())
    store = open_pin_store(config)
    try:
        await store.save(pins)
    finally:
        await store.close()
    return [f"{p.server}__{p.tool}" for p in pins], found


def _approve(args: argparse.Namespace) -> int:
    if bool(args.names) == bool(args.all):
        print_error("name the tools to approve, or pass --all (not both)")
        return EXIT_CONFIG
    config = config_from_args(args)
    approved, found = asyncio.run(_approve_async(config, args.names, args.all))
    for name in approved:
        print(f"approved {name}")
    print(f"{len(approved)} tool definition(s) pinned in {pin_store_location(config)}")
    return name_failures(found, "their tools were not approved: ")


def _diff(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    catalog, found = asyncio.run(live_catalog(config, owners(config, [args.name]) if args.name else None))
    entries = [_resolve(catalog, args.name)] if args.name else catalog.entries()
    pending = [e for e in entries if e.status != "approved"]
    if args.json:
        print_json(
            [
                {
                    "server": e.server,
                    "name": e.name,
                    "status": e.status,
                    "approved_at": e.pin.approved_at if e.pin else None,
                    "approved_by": e.pin.approved_by if e.pin else None,
                    "changes": [c.as_json() for c in e.changes()],
                }
                for e in pending
            ]
        )
    elif not pending and found.complete:
        print("every tool matches its approved definition")
    else:
        for e in pending:
            sys.stdout.write(render_diff(f"{e.server}__{e.name}", e.pin, e.changes(), colour=_colour()))
    failed = name_failures(found, "their tools were not compared: ")
    return EXIT_FINDING if pending or failed else EXIT_OK


def _classify(args: argparse.Namespace) -> int:
    catalog = file_catalog(args.file, args.server, args.trusted)
    entries = catalog.entries()
    if args.json:
        print_json([e.as_json() for e in entries])
    else:
        sys.stdout.write(render_table(_rows(entries, False), colour=_colour()))
    return EXIT_OK


def _recommend(args: argparse.Namespace) -> int:
    catalog, prefix, found = catalog_from_args(args)
    if not found.complete:
        return name_failures(found, "no policy written: it would leave their tools out; ")
    entries = catalog.entries()
    tools = [(e.server, e.classification) for e in entries]
    if args.merge:
        return _merge(args, tools, prefix)
    write_policy(recommend_policy(tools, prefix=prefix), args.output)
    if args.output is not None:
        print(f"wrote a default-deny policy for {len(entries)} tools to {args.output}", file=sys.stderr)
    return EXIT_OK


def _merge(args: argparse.Namespace, tools: list[tuple[str, Any]], prefix: bool) -> int:
    target: Path | None = args.output
    if target is None:
        config = config_from_args(args) if args.source is None else None
        if config is None or config.policy is None:
            print_error("name the policy to merge into with -o FILE (the config has no 'policy:')")
            return EXIT_CONFIG
        target = config.resolve(config.policy)
    if not target.exists():
        print_error(f"{target} does not exist, so there is nothing to merge into: run without --merge to write it")
        return EXIT_CONFIG
    added, diff = merge_policy(target, tools, prefix=prefix)
    if not added:
        print(f"every tool already has an entry in {target}: nothing added", file=sys.stderr)
        return EXIT_OK
    sys.stdout.write(diff)
    print(
        f"added {len(added)} entr{'y' if len(added) == 1 else 'ies'} to {target} (existing entries untouched): "
        f"{', '.join(added)}",
        file=sys.stderr,
    )
    return EXIT_OK


def _write_config_from_mcp(source: Path, target: Path) -> None:
    doc = read_document(source)
    data = doc.data if isinstance(doc.data, dict) else {}
    key = "mcpServers" if "mcpServers" in data else "servers"
    raw = data.get(key)
    problems: list[Problem] = []
    parse_servers(doc, f"$.{key}", raw, problems)
    if raw is None:
        problems.append(doc.problem("$", "no 'mcpServers' map in this file"))
    if problems:
        raise ConfigError(problems)
    config = {"servers": raw, "policy": "policy.json", "store": "memory"}
    text = "# Written by `portcullis init`; the README's configuration section lists every key.\n"
    target.write_text(text + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _init(args: argparse.Namespace) -> int:
    target: Path = args.config
    if not target.exists():
        if args.from_mcp is None:
            print_error(f"{target} does not exist: {CREATE_CONFIG}; or let init write it with --from-mcp FILE")
            return EXIT_CONFIG
        _write_config_from_mcp(args.from_mcp, target)
        print(f"wrote {target}")
    elif args.from_mcp is not None:
        print(f"{target} exists: keeping it (--from-mcp ignored)")
    config = config_from_args(args)
    policy_path = config.resolve(config.policy or "policy.json")
    if policy_path.exists() and not args.force:
        print_error(
            f"{policy_path} exists: 'portcullis recommend --merge' adds entries for tools it does not name yet "
            "and keeps the others; --force replaces it (entries you wrote are lost)"
        )
        return EXIT_CONFIG
    catalog, found = asyncio.run(live_catalog(config))
    if not found.complete:
        return name_failures(found, f"nothing written ({policy_path} would leave their tools out): ")
    entries = catalog.entries()
    prefix = config.prefix_tools or len(config.servers) > 1
    write_policy(recommend_policy(((e.server, e.classification) for e in entries), prefix=prefix), policy_path)
    print(f"wrote {policy_path}: a default-deny policy for {len(entries)} tools")
    pins = catalog.approve(None, time.time(), _who())

    async def save() -> None:
        store = open_pin_store(config)
        try:
            await store.save(pins)
        finally:
            await store.close()

    asyncio.run(save())
    print(f"pinned {len(pins)} tool definition(s) in {pin_store_location(config)}")
    for note in point_config_at(config, policy_path):
        print(note)
    if not config.grants:
        print(
            "next: portcullis keys create NAME --policy "
            f"{os.path.relpath(policy_path, config.base_dir)}  (an agent key), then portcullis serve"
        )
    return EXIT_OK


# -- registration --------------------------------------------------------------------------------


def _sub_options(parser: argparse.ArgumentParser, offline: bool, json: bool = True) -> None:
    """Options a ``tools`` subcommand shares with ``tools``; SUPPRESS keeps a value given before it."""
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        help="the gateway config file (default: ./portcullis.yaml)",
    )
    if json:
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    if offline:
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            default=argparse.SUPPRESS,
            help="look in a file of tool definitions instead of the live upstreams",
        )
        parser.add_argument(
            "--server", default=argparse.SUPPRESS, help="with --from: the server name (default: the file's stem)"
        )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tools = sub.add_parser(
        "tools",
        help="list every tool of every upstream with its risk",
        description="List every tool of every configured upstream: category, level, signals.",
    )
    add_config_option(tools)
    tools.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    tools.add_argument("--from", dest="source", type=Path, help="classify a file of tool definitions instead")
    tools.add_argument("--server", help="with --from: the server name (default: the file's stem)")
    tools.set_defaults(handler=_tools)
    tools_sub = tools.add_subparsers(dest="tools_command", metavar="SUBCOMMAND")

    show = tools_sub.add_parser(
        "show",
        help="explain one tool: every signal with its evidence",
        description="Explain one tool: its category and level, the rule that decided them, every signal with "
        "the words or field that fired it, its proposed data-flow tags, and the recommended policy entry. "
        "A name not in the catalogue is a usage error (exit 2) naming the closest tools.",
    )
    _sub_options(show, offline=True)
    show.add_argument("name", help="<server>__<tool>, or a tool name found on one server")
    show.set_defaults(handler=_show)

    approve = tools_sub.add_parser(
        "approve",
        help="pin the current definition of tools (re-approve changed ones)",
        description="Pin the current definition of the named tools (or, with --all, of every new or changed "
        "one): a changed tool is blocked until approved; a running gateway takes the approval within seconds.",
    )
    _sub_options(approve, offline=False, json=False)
    approve.add_argument("names", nargs="*", help="<server>__<tool> names")
    approve.add_argument("--all", action="store_true", help="approve every tool that is new or changed")
    approve.set_defaults(handler=_approve)

    diff = tools_sub.add_parser(
        "diff",
        help="show what changed since tools were approved (exit 1 if anything)",
        description="Show, field by field, what changed in the tools' definitions since they were approved, "
        "and which tools are new; exit 1 if anything did.",
    )
    _sub_options(diff, offline=False)
    diff.add_argument("name", nargs="?", help="one <server>__<tool> (default: every tool)")
    diff.set_defaults(handler=_diff)

    classify = sub.add_parser(
        "classify",
        help="classify a file of MCP tool definitions, offline",
        description="Classify the tools of a file (a JSON list of tool definitions, or a tools/list result) "
        "without starting any server: category, level and signals, as 'portcullis tools' shows them.",
    )
    classify.add_argument("file", type=Path, help='a JSON list of tools or a tools/list result {"tools": [...]}')
    classify.add_argument("--server", help="the server name (default: the file's stem)")
    classify.add_argument("--trusted", action="store_true", help="let this server's annotations lower risk")
    classify.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    classify.set_defaults(handler=_classify)

    recommend = sub.add_parser(
        "recommend",
        help="write a default-deny policy for every tool",
        description="Write a default-deny policy with an entry for every tool of the config's servers (started "
        "and listed now) or of a file (--from): reads allowed, writes rate-limited, execute, destructive and "
        "financial tools held for a person's approval; each entry's '_why' says why. --merge adds entries for "
        "the tools the config's policy does not name yet and shows the diff.",
    )
    add_config_option(recommend)
    recommend.add_argument("--from", dest="source", type=Path, help="a file of tool definitions (default: live)")
    recommend.add_argument("--server", help="with --from: the server name (default: the file's stem)")
    recommend.add_argument(
        "-o", "--output", type=Path, help="write the policy here (default: stdout; with --merge: the config's policy)"
    )
    recommend.add_argument(
        "--merge",
        action="store_true",
        help="add entries for tools the existing policy does not name yet; leave the others untouched; show the diff",
    )
    recommend.set_defaults(handler=_recommend)

    init = sub.add_parser(
        "init",
        help="write portcullis.yaml and policy.json, and pin every current tool",
        description="Start every server of the config, classify each tool, write the recommended policy.json, "
        "pin the tools' current definitions, and point the config's 'policy:' at the policy. With --from-mcp, "
        "write portcullis.yaml from a Claude Desktop / Cursor file first. A server that cannot be started or "
        "listed is named with its error, and nothing is written (exit 1).",
    )
    add_config_option(init)
    init.add_argument(
        "--from-mcp", type=Path, metavar="FILE", help="an mcpServers file (Claude Desktop / Cursor) to start from"
    )
    init.add_argument("--force", action="store_true", help="replace an existing policy file")
    init.set_defaults(handler=_init)
