"""Helpers shared by the subcommands: the ``-c`` option and loading the config it names."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from portcullis.config import DEFAULT_CONFIG_PATH, GatewayConfig, load_config
from portcullis.config.load import config_from_text

__all__ = ["add_config_option", "config_from_args", "print_error", "print_json"]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_PATH,
        help="the gateway config file (default: ./portcullis.yaml)",
    )


def config_from_args(args: argparse.Namespace, *, defaults_if_missing: bool = False) -> GatewayConfig:
    """Load the config named by ``-c``.

    With ``defaults_if_missing`` (commands that only read the stores: approvals, audit), a missing
    ``./portcullis.yaml`` means the built-in defaults, the ones ``serve --demo`` runs on without a
    config: so the demo's approvals and audit trail can be read from the folder it runs in.
    """
    path: Path = args.config
    if defaults_if_missing and path == DEFAULT_CONFIG_PATH and not path.exists():
        print(f"portcullis: no {path} here: using the defaults (as 'serve --demo' does)", file=sys.stderr)
        return config_from_text("{}", "<defaults>")
    return load_config(path)


def print_json(value: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def print_error(message: str) -> None:
    """Tell the operator on stderr, prefixed with the program's name."""
    print(f"portcullis: {message}", file=sys.stderr)
