"""``portcullis import FILE``: turn a Claude Desktop / Cursor ``mcpServers`` file into ``portcullis.yaml``."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from portcullis.config.servers import parse_servers
from portcullis.config.source import read_document
from portcullis.errors import ConfigError, Problem

__all__ = ["import_servers", "register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help="write portcullis.yaml from a Claude Desktop / Cursor mcpServers file",
        description="Write the gateway's config from the mcpServers of a Claude Desktop or Cursor file, keeping "
        "each server's command, args, env, cwd, url and headers. A server's name becomes its tools' prefix "
        "(<server>__<tool>); a name with other characters than letters, digits, '-' and '_' is changed, and "
        "said so. Next: 'portcullis init'.",
    )
    p.add_argument("file", type=Path, help="e.g. claude_desktop_config.json or .cursor/mcp.json")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("portcullis.yaml"),
        help="the config to write (default: ./portcullis.yaml)",
    )
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.set_defaults(handler=run_import)


def _clean_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", name).strip("-_") or "server"
    return re.sub(r"_{2,}", "_", cleaned)[:64].rstrip("-_") or "server"


def import_servers(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Read ``mcpServers`` (or ``servers``) from a client config: the servers, with names made safe as tool
    prefixes, and each name so changed (new name → the name in the file)."""
    doc = read_document(path)
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError([doc.problem("$", "expected a JSON object with an 'mcpServers' map")])
    key = "mcpServers" if "mcpServers" in data else "servers" if "servers" in data else None
    if key is None:
        raise ConfigError([doc.problem("$", "no 'mcpServers' map found (the Claude Desktop / Cursor format)")])
    raw = data[key]
    if not isinstance(raw, dict) or not raw:
        raise ConfigError([doc.problem(f"$.{key}", "must be a non-empty map of server name → server")])
    out: dict[str, dict[str, Any]] = {}
    renamed: dict[str, str] = {}
    problems: list[Problem] = []
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(doc.problem(f"$.{key}.{name}", "must be an object with a 'command' or a 'url'"))
            continue
        kept = {
            k: v
            for k, v in entry.items()
            if k in ("command", "args", "env", "cwd", "url", "headers", "type", "transport", "disabled")
        }
        if kept.get("type") in ("stdio",):
            kept.pop("type")
        new = _clean_name(str(name))
        while new in out:
            new += "_2"
        out[new] = kept
        if new != name:
            renamed[new] = str(name)
    parse_servers(doc, f"$.{key}", {n: e for n, e in out.items()}, problems)
    # Missing ${VAR} at import time is fine: they are expanded when the gateway starts.
    problems = [p for p in problems if "environment variable" not in p.message]
    if problems:
        raise ConfigError(problems)
    return out, renamed


def run_import(args: argparse.Namespace) -> int:
    servers, renamed = import_servers(args.file)
    output: Path = args.output
    if output.exists() and not args.force:
        print(f"portcullis: {output} exists; use --force to overwrite it", file=sys.stderr)
        return 2
    config = {"listen": "127.0.0.1:8765", "servers": servers, "store": "memory", "audit": "sqlite:///portcullis.db"}
    header = f"# Written by 'portcullis import {args.file.name}'. Tool names are <server>__<tool>.\n"
    output.write_text(header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    names = ", ".join(servers)
    print(f"portcullis: wrote {output} with {len(servers)} server(s): {names}", file=sys.stderr)
    for new, old in renamed.items():
        print(
            f"portcullis: note: server {old!r} is named {new!r} here (its tools are {new}__<tool>: a server "
            "name holds letters, digits, '-' and '_')",
            file=sys.stderr,
        )
    if any("env" in s for s in servers.values()):
        print(
            "portcullis: note: env values were copied as they are; consider '${VAR}' references for secrets",
            file=sys.stderr,
        )
    print("next: portcullis init  (discovers every tool, writes policy.json)", file=sys.stderr)
    return 0
