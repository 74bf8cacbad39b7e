"""``portcullis keys create NAME [--servers a,b] [--policy FILE]``: mint an agent key for a new grant.

The key is printed once (stdout) and only its SHA-256 is written to the config's ``grants`` list.
A YAML config is edited in place (comments and layout kept); a JSON config is rewritten as JSON.
The edited config is validated before it is kept; if it is not valid the file is left as it was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

from portcullis.cli.common import add_config_option, print_json
from portcullis.config import load_config
from portcullis.errors import ConfigError
from portcullis.policy.grants import key_digest, new_key

__all__ = ["add_grant_to_text", "register"]

EXIT_OK, EXIT_CONFIG = 0, 2


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="mint agent keys", description="Mint agent keys (grants).")
    ksub = keys.add_subparsers(dest="keys_command", metavar="SUBCOMMAND")
    create = ksub.add_parser("create", help="add a grant and print its new key once")
    create.add_argument("name", help="the grant's name (who the key is for)")
    create.add_argument("--servers", help="comma-separated servers the grant may reach (default: all)")
    create.add_argument("--policy", help="the grant's policy file (without one, every call is denied)")
    create.add_argument("--json", action="store_true", help="print {name, key, key_sha256, …} as JSON")
    add_config_option(create)
    create.set_defaults(handler=run_create)

    def usage(args: argparse.Namespace) -> int:
        keys.print_help(sys.stderr)
        return EXIT_CONFIG

    keys.set_defaults(handler=usage)


def _fail(message: str) -> int:
    print(f"portcullis: {message}", file=sys.stderr)
    return EXIT_CONFIG


def run_create(args: argparse.Namespace) -> int:
    path: Path = args.config
    if not path.exists():
        return _fail(f"{path} does not exist; create a config first (portcullis init), or pass -c FILE")
    config = load_config(path)
    if any(g.name == args.name for g in config.grants):
        return _fail(f"grant '{args.name}' already exists in {path}; pick another name or remove it first")
    servers = [s.strip() for s in args.servers.split(",") if s.strip()] if args.servers else None
    unknown = [s for s in servers or [] if s != "*" and s not in config.servers]
    if unknown:
        return _fail(f"unknown server(s) {', '.join(unknown)}; known: {', '.join(config.servers) or 'none'}")
    if args.policy is not None and not config.resolve(args.policy).exists():
        print(f"portcullis: warning: policy file {args.policy} does not exist yet; a running gateway denies this "
              "key's calls until it does, and 'portcullis serve' will not start without it", file=sys.stderr)
    key = new_key()
    entry: dict[str, Any] = {"name": args.name, "key_sha256": key_digest(key)}
    if servers is not None:
        entry["servers"] = servers
    if args.policy is not None:
        entry["policy"] = args.policy
    original = path.read_text(encoding="utf-8")
    path.write_text(add_grant_to_text(original, entry, path), encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        path.write_text(original, encoding="utf-8")
        return _fail(f"the grant could not be added; {path} is unchanged:\n{exc}")
    if args.json:
        print_json({**entry, "key": key, "config": str(path)})
    else:
        print(key)
        print(f"grant '{args.name}' added to {path}. This key is shown only once: give it to the agent now "
              "(as 'Authorization: Bearer <key>').", file=sys.stderr)
    return EXIT_OK


def _is_json(text: str, path: Path) -> bool:
    return path.suffix.lower() == ".json" or text.lstrip().startswith("{")


def add_grant_to_text(text: str, entry: dict[str, Any], path: Path) -> str:
    """The config text with ``entry`` appended to its ``grants`` list."""
    if _is_json(text, path):
        data = orjson.loads(text) if text.strip() else {}
        grants = data.get("grants") or []
        data["grants"] = [*grants, entry]
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    item = _yaml_item(entry)
    if root is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + "grants:\n" + _indent(item, 2)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        data = yaml.safe_load(text) or {}
        data["grants"] = [*(data.get("grants") or []), entry]
        return yaml.safe_dump(data, sort_keys=False)
    for key_node, value_node in root.value:
        if key_node.value != "grants":
            continue
        if isinstance(value_node, yaml.SequenceNode) and not value_node.flow_style and value_node.value:
            return _append_block_item(text, value_node, item)
        existing = yaml.safe_load(yaml.serialize(value_node)) or []
        block = "".join(_indent(_yaml_item(g), 2) for g in existing) + _indent(item, 2)
        start, end = key_node.start_mark.index, value_node.end_mark.index
        return text[:start] + "grants:\n" + block.rstrip("\n") + text[end:]
    return text + ("" if text.endswith("\n") else "\n") + "grants:\n" + _indent(item, 2)


def _append_block_item(text: str, seq: yaml.SequenceNode, item: str) -> str:
    first = seq.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash_col = len(text[line_start:first.start_mark.index]) - len(text[line_start:first.start_mark.index].lstrip())
    last: yaml.Node = seq.value[-1]
    while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and last.value:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    cut = text.find("\n", last.end_mark.index)
    if cut == -1:
        return text + "\n" + _indent(item, dash_col).rstrip("\n")
    return text[:cut + 1] + _indent(item, dash_col) + text[cut + 1:]


def _scalar(value: Any) -> str:
    return orjson.dumps(value).decode()


def _yaml_item(entry: dict[str, Any]) -> str:
    lines = []
    for i, (k, v) in enumerate(entry.items()):
        lines.append(("- " if i == 0 else "  ") + f"{k}: {_scalar(v)}")
    return "\n".join(lines) + "\n"


def _indent(block: str, n: int) -> str:
    pad = " " * n
    return "".join(pad + line + "\n" for line in block.splitlines())
