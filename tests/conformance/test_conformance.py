"""The official MCP conformance suite (server scenarios), run directly and through the gateway.

(a) Directly against ``tests/servers/conformance_server.py --http PORT``: the baseline, proving the
fixture provides what every scored scenario of both requirement sets calls. No failure is excused.
(b) Against ``portcullis serve`` whose single upstream is that fixture over stdio
(``prefix_tools: false``, so the names match what the suite calls): failures must match
``expected-failures.yml`` exactly, so a regression fails and a fixed gap (a stale entry) fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.suite import EXPECTED_FAILURES, REQUIREMENT_SETS, run_server_suite, scored
from tests.harness import (
    CONFORMANCE_SERVER,
    allow_all_policy,
    running_gateway,
    running_http_server,
    stdio_server,
    write_config,
)

pytestmark = pytest.mark.peers


def _assert_every_scored_scenario_ran(out_dir: Path, requirements: str) -> None:
    ran = {p.parent.name for p in out_dir.glob("*/checks.json")}
    missing = [s for s in scored(requirements) if not any(name.startswith(f"server-{s}-") for name in ran)]
    assert not missing, f"scenarios required by {requirements} that left no results: {missing}"


@pytest.mark.parametrize("requirements", REQUIREMENT_SETS)
def test_fixture_server_passes_every_scored_scenario(node22: Path, tmp_path: Path, requirements: str) -> None:
    with running_http_server(CONFORMANCE_SERVER) as server:
        run = run_server_suite(node22, server.url, requirements, tmp_path / "results")
    assert run.returncode == 0, run.report()
    _assert_every_scored_scenario_ran(run.out_dir, requirements)


@pytest.mark.parametrize("requirements", REQUIREMENT_SETS)
def test_gateway_in_front_of_the_fixture(node22: Path, tmp_path: Path, requirements: str) -> None:
    config = write_config(
        tmp_path / "portcullis.json",
        {"conformance": stdio_server(CONFORMANCE_SERVER)},
        prefix_tools=False,
        policy=str(allow_all_policy(tmp_path)),
    )
    with running_gateway(config) as gateway:
        run = run_server_suite(
            node22, gateway.url, requirements, tmp_path / "results", expected_failures=EXPECTED_FAILURES
        )
    assert run.returncode == 0, run.report()
    _assert_every_scored_scenario_ran(run.out_dir, requirements)
