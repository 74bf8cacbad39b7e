"""Helpers shared by the subcommands: the ``-c`` option and loading the config it names."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from portcullis.config import DEFAULT_CONFIG_PATH, GatewayConfig, load_config

__all__ = ["add_config_option", "config_from_args", "print_json"]


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG_PATH,
                        help="the gateway config file (default: ./portcullis.yaml)")


def config_from_args(args: argparse.Namespace) -> GatewayConfig:
    """Load the config named by ``-c``."""
    path: Path = args.config
    return load_config(path)


def print_json(value: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()
