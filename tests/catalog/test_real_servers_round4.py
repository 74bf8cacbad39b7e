"""REPORT ONLY: the classifier on 15 real servers no rule was written from (tests/fixtures/real-servers-round4).

This file asserts no score threshold: it checks that the fixtures and labels agree, and ``pytest -s`` prints
the four figures per server and every tool the classifier gets wrong, annotations removed. The set is held
out to measure how the classifier generalises; see the fixtures' README before writing any rule from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalog import real_servers

ROUND_4 = Path(__file__).resolve().parent.parent / "fixtures" / "real-servers-round4"
SERVERS: tuple[str, ...] = tuple(sorted(p.stem for p in ROUND_4.glob("*.json") if p.stem != "labels"))


@pytest.fixture
def round_4(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-4 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_4)


@pytest.mark.usefixtures("round_4")
def test_every_labelled_tool_is_in_the_fixtures() -> None:
    labels = real_servers.load_labels()
    names = {(server, t["name"]) for server in SERVERS for t in real_servers.load_tools(server)}
    assert len(SERVERS) == 15
    assert names == set(labels)


@pytest.mark.usefixtures("round_4")
def test_report_round_4_without_thresholds() -> None:
    """A report, not a gate: prints the figures and every miss; asserts only that every tool was scored."""
    text, total = real_servers.report("round 4 (15 held-out servers), REPORT ONLY", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
