"""``portcullis policy test FILE [--junit PATH] [--tools FILE]``: run a policy's test cases, without upstreams.

Prints each failure (what was expected, what came, where the case is written) and a summary; exit 0
when every case passes, 1 when one fails, 2 when the policy or its cases cannot be read (a malformed
case, an unknown tool, grant or decision: every problem with its file and line). ``policy check`` runs
the same cases (``check_cases``).

Which tools are known (so that a misspelt tool is an error, not a silently "denied by default" case):
the servers and grants of the config (``-c``, when it exists), the approved tools of its pin store,
and the tools of ``--tools FILE`` (the JSON of ``portcullis tools --json`` or ``classify --json``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from portcullis.cli.common import add_config_option, print_json
from portcullis.config import DEFAULT_CONFIG_PATH, load_config
from portcullis.config.model import GatewayConfig
from portcullis.config.source import Document, read_document
from portcullis.errors import ConfigError, Problem
from portcullis.policy import compile_policy, grant_reaches, parse_policy
from portcullis.policy.caserun import CaseResult, junit_xml, run_cases
from portcullis.policy.cases import Catalogue, PolicyCase, case_documents, parse_cases
from portcullis.policy.compile import CompiledPolicy

__all__ = ["add_test_parser", "check_cases", "load_catalogue"]

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2


def add_test_parser(psub: Any) -> None:
    test = psub.add_parser(
        "test",
        help="run a policy's test cases without upstreams (exit 1 when one fails)",
        description="Run the test cases of a policy (its 'tests' list, or FILE's .tests.yaml beside it) "
        "against the policy alone: in-memory limits, no upstream. Exit 0 all pass, 1 a case fails, "
        "2 the policy or its cases cannot be read.",
    )
    test.add_argument("file", type=Path, metavar="FILE", help="the policy file (JSON or YAML)")
    test.add_argument("--junit", type=Path, metavar="PATH", help="also write a JUnit XML report to PATH")
    test.add_argument(
        "--tools", type=Path, metavar="FILE", help="known tools: the JSON of 'portcullis tools --json' or 'classify'"
    )
    test.add_argument("--json", action="store_true", help="print the results as JSON")
    add_config_option(test)
    test.set_defaults(handler=run_test)


def load_catalogue(
    args: argparse.Namespace, approved: dict[tuple[str, str], Any] | None = None
) -> tuple[Catalogue, GatewayConfig | None]:
    """The tools, servers and grants a case may name, from ``-c`` and ``--tools`` (see the module doc);
    ``approved``: the pin store's tools when the caller has read them already."""
    from portcullis.cli.policy import approved_tools

    catalogue = Catalogue()
    config: GatewayConfig | None = None
    path: Path = args.config
    if not (path == DEFAULT_CONFIG_PATH and not path.exists()):
        config = load_config(path)
        catalogue.servers = set(config.servers)
        catalogue.grants = {g.name for g in config.grants} if config.grants else None
        catalogue.add_tools((approved if approved is not None else approved_tools(args) or {}).keys())
    tools_file: Path | None = getattr(args, "tools", None)
    if tools_file is not None:
        catalogue.add_tools(_listed_tools(tools_file))
    return catalogue, config


def _listed_tools(path: Path) -> list[tuple[str, str]]:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError([Problem(str(path), "$", f"cannot read a tools listing: {exc}")]) from None
    if not isinstance(data, list) or not all(
        isinstance(t, dict) and isinstance(t.get("server"), str) and isinstance(t.get("name"), str) for t in data
    ):
        raise ConfigError(
            [Problem(str(path), "$", "must be the JSON list of 'portcullis tools --json': [{server, name, …}]")]
        )
    return [(t["server"], t["name"]) for t in data]


def _reach(config: GatewayConfig | None) -> Any:
    if config is None or not config.grants:
        return None
    grants = {g.name: g for g in config.grants}

    def reach(grant: str | None, server: str) -> bool:
        found = grants.get(grant) if grant is not None else None
        return found is None or grant_reaches(found, server)

    return reach


def check_cases(
    path: Path, doc: Document, policy: CompiledPolicy, catalogue: Catalogue, config: GatewayConfig | None
) -> list[CaseResult]:
    """Read and run the cases of the policy at ``path``; ``ConfigError`` lists every malformed case."""
    cases: list[PolicyCase] = []
    problems: list[Problem] = []
    for source, where in case_documents(doc, path):
        try:
            cases += parse_cases(source, where, catalogue)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return run_cases(policy, cases, _reach(config))


def run_test(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        catalogue, config = load_catalogue(args)
        doc = read_document(path)
        policy = compile_policy(parse_policy(doc))
        results = check_cases(path, doc, policy, catalogue, config)
    except ConfigError as exc:
        if args.json:
            print_json({"ok": False, "problems": [_problem(p) for p in exc.problems]})
        else:
            print(f"{path}: the tests cannot run: {len(exc.problems)} problem(s)", file=sys.stderr)
            for p in exc.problems:
                print(f"  {p}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_bytes(junit_xml(path.stem, results))
    failed = [r for r in results if not r.passed]
    if args.json:
        print_json(
            {
                "ok": not failed,
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "cases": [_case(r) for r in results],
            }
        )
    else:
        for r in failed:
            print(f"FAIL {r.describe()}")
        if not results:
            print(f"{path}: no test cases (add a 'tests' list, or {path.with_suffix('').name}.tests.yaml beside it)")
        else:
            print(f"{path}: {len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_FAILED if failed else EXIT_OK


def _problem(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "path": p.path, "message": p.message}


def _case(r: CaseResult) -> dict[str, Any]:
    return {
        "name": r.case.name,
        "file": r.case.file,
        "line": r.case.line,
        "passed": r.passed,
        "expected": {"decision": r.case.expect.decision, "rule": r.case.expect.rule, "reason": r.case.expect.reason},
        "got": {"decision": r.verdict.kind, "rule": r.verdict.rule, "reason": r.verdict.reason},
        "failures": list(r.failures),
    }
