"""``portcullis policy check FILE…`` and ``portcullis policy explain --tool T --args JSON [--grant G]``.

``check`` reports every problem of each file with its location and exits 1 when any is invalid; it
warns (exit 0) about numeric rules whose argument has no number type in the policy's ``args`` or in the
approved tools' schemas (the config's pin store, ``-c``), and about keys naming a server the config
does not have or a tool its server does not (a misspelt name decides nothing).
``explain`` prints what the policy would decide for a call, the rule and why; exit 1 when denied
(or hidden). It does not touch rate-limit counters: it lists the limits the call would take.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from portcullis.catalog.classify import classify_tool
from portcullis.catalog.pin_stores import open_pin_store
from portcullis.cli.common import add_config_option, config_from_args, print_json
from portcullis.cli.policytest import add_test_parser, check_cases, load_catalogue
from portcullis.cli.replay import add_replay_parser
from portcullis.config import DEFAULT_CONFIG_PATH, load_config
from portcullis.config.model import GatewayConfig, GrantConfig
from portcullis.config.source import read_document
from portcullis.errors import ConfigError, StoreUnavailable
from portcullis.policy import CompiledPolicy, Decision, deny_policy, load_policy
from portcullis.policy.cases import Catalogue
from portcullis.policy.check import check_document, failed, problem_of
from portcullis.policy.compile import compile_policy
from portcullis.policy.explain import call_arguments, explain_call, split_tool
from portcullis.policy.lintflow import unused_tag_problems
from portcullis.policy.parse import parse_policy

__all__ = ["approved_tools", "register"]

EXIT_OK, EXIT_FINDING, EXIT_CONFIG = 0, 1, 2


def register(sub: Any) -> None:
    policy = sub.add_parser(
        "policy",
        help="validate, test, replay or explain a policy",
        description="Validate policy files, run their test cases, replay a draft over the audit trail, and "
        "explain what a policy decides.",
    )
    psub = policy.add_subparsers(dest="policy_command", metavar="SUBCOMMAND")

    check = psub.add_parser(
        "check",
        help="validate policy files (exit 1 when any is invalid)",
        description="Validate policy files (and run their test cases); warn about entries naming a server "
        "the config does not have or a tool its server does not have, and about numeric rules whose "
        "argument has no number type in the policy's 'args' or in the approved tools' schemas (read from "
        "the pin store of the config, when there is one).",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="policy files (JSON or YAML)")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    add_config_option(check)
    check.set_defaults(handler=run_check)

    add_test_parser(psub)
    add_replay_parser(psub)
    explain = psub.add_parser(
        "explain",
        help="say what the policy decides for a call, and why (exit 1 if denied)",
        description="Say what the policy decides for a call (the config's policy, a grant's, or --policy FILE): "
        "the decision, the rule that made it, why, and the limits it would take, without touching any counter. "
        "Exit 1 when the call is denied or the tool hidden.",
    )
    explain.add_argument("--tool", required=True, help="the tool as agents see it: <server>__<tool>")
    explain.add_argument("--args", default="{}", help="the call's arguments as a JSON object (default {})")
    explain.add_argument("--grant", help="decide as this grant of the config (its policy and servers)")
    explain.add_argument("--policy", type=Path, help="use this policy file instead of the config's")
    explain.add_argument("--session", default="explain", help="the session id, for session-scoped limits")
    explain.add_argument("--json", action="store_true", help="print the decision as JSON")
    add_config_option(explain)
    explain.set_defaults(handler=run_explain)
    policy.set_defaults(handler=lambda args: _usage(policy))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_CONFIG


def run_check(args: argparse.Namespace) -> int:
    tools = approved_tools(args)
    try:
        catalogue, config = load_catalogue(args, tools)
    except ConfigError:  # said by approved_tools already; the cases are checked without a catalogue
        catalogue, config = Catalogue(), None
    results: list[dict[str, Any]] = []
    for path in args.files:
        try:
            doc = read_document(path)
            result = check_document(doc, str(path), tools, catalogue.servers)
            if result["ok"]:
                result = _with_cases(path, doc, result, catalogue, config, tools)
        except ConfigError as exc:  # the file cannot be read or parsed, or its cases are malformed
            result = failed(str(path), exc)
        results.append(result)
        if not args.json:
            _print_check(path, result)
    ok = all(r["ok"] for r in results)
    if args.json:
        print_json({"ok": ok, "files": results})
    return EXIT_OK if ok else EXIT_FINDING


def _proposed_tags(tools: dict[tuple[str, str], dict[str, Any]] | None) -> set[str]:
    """The data-flow tags the classifier proposes for the approved tools."""
    return {tag for definition in (tools or {}).values() for tag in classify_tool(definition).tags}


def _with_cases(
    path: Path,
    doc: Any,
    result: dict[str, Any],
    catalogue: Catalogue,
    config: GatewayConfig | None,
    tools: dict[tuple[str, str], dict[str, Any]] | None,
) -> dict[str, Any]:
    """A valid policy's result with its test cases run (a failing case makes it not ok)."""
    model = parse_policy(doc)
    unused = unused_tag_problems(model, _proposed_tags(tools), tools is not None)
    if unused:
        raise ConfigError([doc.problem(w.location, w.message) for w in unused])
    cases = check_cases(path, doc, compile_policy(model), catalogue, config)
    failing = [c.describe() for c in cases if not c.passed]
    return {**result, "ok": not failing, "tests": {"passed": len(cases) - len(failing), "failed": failing}}


def _print_check(path: Path, result: dict[str, Any]) -> None:
    if result["problems"]:
        print(f"{path}: {len(result['problems'])} problem(s)")
        for p in result["problems"]:
            print(f"  {problem_of(p)}")
        return
    warnings = result["warnings"]
    tests = result.get("tests") or {"passed": 0, "failed": []}
    total = tests["passed"] + len(tests["failed"])
    tested = f", {tests['passed']}/{total} test(s) pass" if total else ""
    print(
        f"{path}: {'ok' if result['ok'] else 'FAILED'} ({result['entries']} entries, default {result['default']}"
        f"{tested})" + (f", {len(warnings)} warning(s)" if warnings else "")
    )
    for line in tests["failed"]:
        print(f"  FAIL {line}")
    for w in warnings:
        where = f"{w['file']}:{w['line']}" if w["line"] is not None else w["file"]
        print(f"  {where}: {w['path']}: warning: {w['message']}")


def approved_tools(args: argparse.Namespace) -> dict[tuple[str, str], dict[str, Any]] | None:
    """The approved tool definitions in the config's pin store; None when there is no config to read."""
    path: Path = args.config
    if path == DEFAULT_CONFIG_PATH and not path.exists():
        return None
    try:
        config = load_config(path)
        pins = asyncio.run(_load_pins(config))
    except (ConfigError, StoreUnavailable, OSError) as exc:
        detail = str(exc.problems[0]) if isinstance(exc, ConfigError) and exc.problems else str(exc)
        print(
            f"portcullis: the approved tools could not be read ({detail}); numeric rules are checked "
            "against the policy's 'args' only",
            file=sys.stderr,
        )
        return None
    return {key: pin.definition for key, pin in pins.items()}


async def _load_pins(config: GatewayConfig) -> dict[tuple[str, str], Any]:
    store = open_pin_store(config)
    try:
        return dict(await store.load())
    finally:
        await store.close()


def _find_grant(config: GatewayConfig, name: str) -> GrantConfig:
    for grant in config.grants:
        if grant.name == name:
            return grant
    known = ", ".join(g.name for g in config.grants) or "none"
    raise _UsageError(f"no grant named '{name}' in {config.path} (grants: {known})")


class _UsageError(Exception):
    pass


def _policy_for(args: argparse.Namespace) -> tuple[CompiledPolicy, GatewayConfig | None, GrantConfig | None]:
    config: GatewayConfig | None = None
    if args.grant is not None or args.policy is None:
        config = config_from_args(args)
    grant = _find_grant(config, args.grant) if config is not None and args.grant is not None else None
    if args.policy is not None:
        return load_policy(args.policy), config, grant
    assert config is not None
    if grant is not None:
        if grant.policy is None:
            return deny_policy(), config, grant
        return load_policy(config.resolve(grant.policy)), config, grant
    if config.policy is None:
        raise _UsageError(f"{config.path} names no policy; pass --policy FILE or --grant NAME")
    return load_policy(config.resolve(config.policy)), config, grant


def run_explain(args: argparse.Namespace) -> int:
    try:
        arguments = call_arguments(args.args)
    except ValueError as exc:
        print(f"portcullis: --args: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        policy, config, grant = _policy_for(args)
        server, tool = split_tool(args.tool, config.servers if config is not None else ())
    except (_UsageError, ValueError) as exc:
        print(f"portcullis: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    decision = explain_call(policy, server, tool, arguments, grant, args.session)
    if args.json:
        print_json({**decision.to_dict(), "policy": policy.file})
    else:
        _print_decision(decision, policy)
    if config is not None:  # a misspelt tool is explained as denied by default: say it names no known tool
        unknown = load_catalogue(args)[0].problem(args.tool)
        if unknown is not None:
            print(f"portcullis: note: {unknown}", file=sys.stderr)
    return EXIT_FINDING if decision.action in ("deny", "hide") else EXIT_OK


def _print_decision(decision: Decision, policy: CompiledPolicy) -> None:
    rows = [
        ("decision", decision.action),
        ("tool", decision.tool),
        ("rule", decision.rule),
        ("reason", decision.reason),
        ("policy", policy.file),
    ]
    if decision.argument is not None:
        rows.append(("argument", decision.argument))
    if decision.hint:
        rows.append(("what to do", decision.hint))
    for r in decision.limits:
        rows.append(("limit", f"{r.describe()}, this call costs {r.cost:g}  [{r.rule}]"))
    for label, value in rows:
        print(f"{label + ':':<12}{value}")
