"""The command line reads well: every command says what it does, every argument what it takes, and every
``portcullis …`` line of the README's code blocks is a command the parser accepts as written."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator

import pytest

from portcullis.cli import build_parser
from tests.harness import ROOT


def _commands(
    parser: argparse.ArgumentParser, name: str = "portcullis"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from _commands(child, f"{name} {sub}")


def test_every_command_has_a_description_and_every_argument_a_help() -> None:
    missing = []
    for name, parser in _commands(build_parser()):
        if not parser.description:
            missing.append(f"{name}: no description")
        for action in parser._actions:
            if not action.help and not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                missing.append(f"{name}: {action.dest} has no help")
    assert missing == []


def test_a_subcommand_help_says_what_it_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["approvals", "deny", "--help"])
    out = capsys.readouterr().out
    assert "Deny a pending request." in out
    assert "the request's id (ap_…" in out


def _readme_command_lines() -> list[str]:
    """The ``portcullis …`` lines of the README's shell code blocks (and of those with no language)."""
    lines, fence = [], None
    for raw in (ROOT / "README.md").read_text().splitlines():
        if raw.startswith("```"):
            fence = None if fence is not None else raw[3:].strip()
            continue
        if fence not in ("bash", "sh", ""):
            continue
        line = re.sub(r"^\s*\S*/(?=portcullis )", "", raw.split("  #")[0]).strip()  # a path to the script
        if line.startswith("portcullis "):
            lines.append(line)
    return lines


def test_the_readme_shows_portcullis_commands() -> None:
    assert len(_readme_command_lines()) >= 20


@pytest.mark.parametrize("line", _readme_command_lines())
def test_each_readme_command_line_parses(line: str) -> None:
    words = [w.replace("…", "x") for w in shlex.split(line)[1:]]
    args = build_parser().parse_args(words)
    assert getattr(args, "handler", None) is not None, line
