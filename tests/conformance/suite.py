"""Run the official MCP conformance suite (server mode) and read what it found.

``run_server_suite(node, url, requirements, out_dir)`` runs
``@modelcontextprotocol/conformance server --url URL --requirements REV -o OUT`` with the Node 22
binary of the peers folder; ``failures(out_dir)`` lists every failing or warning check as
``scenario:check-id (STATUS) — message`` from the ``checks.json`` files it wrote, ``scored(requirements)``
the scenarios a revision requires (from the suite's own ``requirements/REV.yaml``).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.harness import ROOT

PEERS = ROOT / ".cache" / "peers" / "node_modules"
SUITE = PEERS / "@modelcontextprotocol" / "conformance"
SUITE_CLI = SUITE / "dist" / "index.js"
INSPECTOR_CLI = PEERS / ".bin" / "mcp-inspector"
EXPECTED_FAILURES = Path(__file__).resolve().parent / "expected-failures.yml"
REQUIREMENT_SETS = ("2026-07-28", "2025-11-25")
_RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d\d-\d\dT[\d-]+Z$")


@dataclass(frozen=True)
class SuiteRun:
    """One run of the suite: its exit status, its console report, where it wrote results."""

    returncode: int
    output: str
    out_dir: Path

    def report(self) -> str:
        found = "\n".join(failures(self.out_dir)) or "(no failing checks)"
        return (
            f"exit status {self.returncode}; failing checks:\n{found}\n--- suite output (tail) ---\n"
            f"{self.output[-6000:]}"
        )


def scored(requirements: str) -> list[str]:
    """The server scenarios a revision requires (they decide the suite's exit status)."""
    document = yaml.safe_load((SUITE / "requirements" / f"{requirements}.yaml").read_text())
    return [str(name) for name in document["server"]]


def run_server_suite(
    node: Path,
    url: str,
    requirements: str,
    out_dir: Path,
    *,
    expected_failures: Path | None = None,
    timeout: float = 600,
) -> SuiteRun:
    """Run the suite's server scenarios of ``requirements`` against ``url``."""
    args = [
        str(node),
        str(SUITE_CLI),
        "server",
        "--url",
        url,
        "--requirements",
        requirements,
        "-o",
        str(out_dir),
        "--timeout",
        "20000",
    ]
    if expected_failures is not None:
        args += ["--expected-failures", str(expected_failures)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    return SuiteRun(done.returncode, done.stdout + done.stderr, out_dir)


def results(out_dir: Path) -> dict[str, list[dict[str, object]]]:
    """Every check the run recorded, by scenario."""
    found: dict[str, list[dict[str, object]]] = {}
    for checks in sorted(out_dir.glob("*/checks.json")):
        match = _RESULT_DIR.match(checks.parent.name)
        if match:
            found.setdefault(match["scenario"], []).extend(json.loads(checks.read_text()))
    return found


def failures(out_dir: Path) -> list[str]:
    """``scenario:check-id (STATUS) — message`` for every failing or warning check of the run."""
    return [
        f"{scenario}:{check['id']} ({check['status']}) — {str(check.get('errorMessage') or '')[:200]}"
        for scenario, checks in results(out_dir).items()
        for check in checks
        if check["status"] in ("FAILURE", "WARNING")
    ]
