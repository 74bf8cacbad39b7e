"""The classifier on 13 more real servers (tests/fixtures/real-servers-round7), annotations removed.

Captured and labelled after rounds 1–6 for domains the earlier rounds lacked (messaging and social, marketing
mail, content management, e-commerce, remote shells, browser and desktop automation), and scored before any
rule was written from them. The fixtures' README splits them (sorted, odd positions develop) and records the
figures before and after. ``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalog import real_servers

ROUND_7 = Path(__file__).resolve().parent.parent / "fixtures" / "real-servers-round7"
SERVERS: tuple[str, ...] = tuple(sorted(p.stem for p in ROUND_7.glob("*.json") if p.stem != "labels"))
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_7(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-7 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_7)


@pytest.mark.usefixtures("round_7")
def test_every_labelled_tool_is_in_the_fixtures() -> None:
    labels = real_servers.load_labels()
    names = {(server, t["name"]) for server in SERVERS for t in real_servers.load_tools(server)}
    assert len(SERVERS) == 13
    assert names == set(labels)


@pytest.mark.usefixtures("round_7")
def test_round_7_halves_are_reported() -> None:
    for label, part in (("development", DEVELOPMENT), ("confirmation", CONFIRMATION)):
        text, _ = real_servers.report(f"round 7 {label}", part)
        print("\n" + text)


@pytest.mark.usefixtures("round_7")
def test_round_7_first_sight() -> None:
    """The whole round, as scored before any rule was written from it (the README's first-sight figures)."""
    text, total = real_servers.report("round 7 (13 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
