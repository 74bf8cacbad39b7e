"""The classifier on 10 more real servers (tests/fixtures/real-servers-round36), annotations removed.

A blind round, captured and labelled after rounds 1–35 for HR, recruiting and education (Ashby, Recruit CRM, Workday,
Lattice, the Kasra Lite attendance system, EssenceStudy, two Google Classroom servers, Blackboard Learn and EduPage),
and scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions
develop) and records the figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the
figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_36 = real_servers.round_folder(36)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_36)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_36(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-36 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_36)


@pytest.mark.usefixtures("round_36")
def test_round_36_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at d3d6245): 199/207 read-vs-mutating (96.1 %; the 8 misses are reads
    held: an attachment downloaded to a folder, a write by its description's "Writes: creates a local file";
    upcoming assignments listed, a write by the description's 'appends'; an environment dumped, execute by the name's
    'debug'; a Draft with AI's status, execute by the description's 'builds', and its conversations, a write by the
    name's 'draft'; usage, data sources and a feedback inbox, no verb the rules know), no mutating tool of 79 read,
    all 10 destructive tools and the one execute tool caught."""
    text, total = real_servers.report("round 36 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 199
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_36")
def test_round_36_halves_score_at_least_their_first_sight() -> None:
    """Development 135/138 (the download, the upcoming assignments and the environment dump above), no mutating tool
    of 47 read, all 4 destructive tools caught, no execute tool; confirmation 64/69 (EssenceStudy's five reads
    above), no mutating tool of 32 read, all 6 destructive tools and the one execute tool caught."""
    text, development = real_servers.report("round 36 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 36 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 135
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 64
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
