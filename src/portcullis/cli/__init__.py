"""The ``portcullis`` command: one sub-module per group of subcommands, each with ``register(subparsers)``.

Exit status (DESIGN.md §1): 0 success, 1 a finding (invalid policy, denied explain), 2 usage or
configuration error. ``--json`` output is a JSON document on stdout and nothing else there.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from portcullis import __version__
from portcullis.errors import ConfigError, PortcullisError

__all__ = ["EXIT_CONFIG", "EXIT_FINDING", "EXIT_OK", "Handler", "main"]

EXIT_OK, EXIT_FINDING, EXIT_CONFIG = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]

# Each module defines ``register(subparsers: argparse._SubParsersAction) -> None`` and sets
# ``handler=<Handler>`` as a parser default for each subcommand it adds.
_COMMAND_MODULES = (
    "portcullis.cli.serve",
    "portcullis.cli.importer",
    "portcullis.cli.catalog",
    "portcullis.cli.policy",
    "portcullis.cli.keys",
    "portcullis.cli.admin_tokens",
    "portcullis.cli.approvals",
    "portcullis.cli.audit",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portcullis", description="The MCP gateway that enforces policy.")
    parser.add_argument("--version", action="version", version=f"portcullis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"portcullis: configuration error\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    except PortcullisError as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
