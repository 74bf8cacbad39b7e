"""The ``portcullis`` command: one sub-module per group of subcommands, each with ``register(subparsers)``.

Exit status (the README's command reference): 0 success, 1 a finding (invalid policy, denied explain), 2 usage or
configuration error; 130 interrupted (Ctrl-C). ``--json`` output is a JSON document on stdout and nothing
else there.

This module imports almost nothing at the top, so that Ctrl-C is handled (quietly) from the first
moment the command's own code runs: the subcommands and their libraries are imported inside ``main``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing (or collections) here takes a moment Ctrl-C could land in
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

    Handler = Callable[[argparse.Namespace], int]

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FINDING",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "main",
]  # Handler: a type, for annotations only

EXIT_OK, EXIT_FINDING, EXIT_CONFIG = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command ended by Ctrl-C

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
    import argparse
    import importlib

    from portcullis import __version__

    parser = argparse.ArgumentParser(prog="portcullis", description="The MCP gateway that enforces policy.")
    parser.add_argument(
        "--version",
        action=_version_action(f"portcullis {__version__}"),
        nargs=0,
        help="show the version and which build of the classifier runs (compiled or pure Python), then exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not built yet
                continue
            raise
        module.register(sub)
    _describe(parser)
    return parser


def _version_action(version: str) -> type[argparse.Action]:
    """``--version``: the version, then which classifier build runs (found only when asked: it loads the
    classifier)."""
    import argparse

    class Version(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
            from portcullis.catalog.build import classifier_build_line

            print(f"{version}\n{classifier_build_line()}")
            parser.exit()

    return Version


def _describe(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand without a description of its own its help line as one, so that
    ``portcullis X Y --help`` says what the command does (argparse shows the help line only in the list)."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                text = helps.get(name)
                if child.description is None and text:
                    child.description = text[0].upper() + text[1:] + "."
                _describe(child)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Ctrl-C anywhere in it (start-up, waiting, output) ends it quietly with status 130,
    and a closed output pipe (``portcullis audit | head``) with status 1: never a traceback."""
    try:
        import signal

        # Ctrl-C is held back while the commands' modules load: an interrupt inside an import can surface as
        # some other error (or be swallowed). It is delivered as soon as they are loaded.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            parser = build_parser()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return _run(parser, argv)
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        import os

        # Whoever read our output has gone: point stdout at /dev/null so that the flush at exit is silent too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDING
    except Exception as exc:
        if _after_interrupt(exc):  # e.g. an import that Ctrl-C broke half-way
            return _interrupted()
        raise


def _interrupted() -> int:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C during clean-up ends the process at once
    return EXIT_INTERRUPTED


def _after_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a ``KeyboardInterrupt`` was being handled."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__context__
    return False


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    from portcullis.errors import ConfigError, PortcullisError

    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"portcullis: configuration error\n{exc}", file=sys.stderr)
        from portcullis.config.source import unset_variables

        unset = unset_variables(exc.problems)
        if unset:
            print(
                f"portcullis: every command reads the config as the gateway does: set {', '.join(unset)} in "
                f"this shell too (export {unset[0]}=…), as in the gateway's environment",
                file=sys.stderr,
            )
        return EXIT_CONFIG
    except PortcullisError as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
