"""The classifier on 15 more real servers (tests/fixtures/real-servers-round10), annotations removed.

Captured and labelled after rounds 1–7 for domains the earlier rounds lacked (data pipelines and orchestration,
business intelligence, workflow automation, a self-hosted forge, a model hub, a site builder and a media library,
web scraping and browser agents, maps, a banking sandbox), and scored before any rule was written from them. The
fixtures' README splits them (sorted, odd positions develop) and records the figures before and after the rules
written from the development half. ``pytest -s`` prints the figures per server and every tool the classifier gets
wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_10 = real_servers.round_folder(10)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_10)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_10(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-10 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_10)


@pytest.mark.usefixtures("round_10")
def test_round_10_scores_at_least_as_after_its_rules() -> None:
    """The whole round, annotations removed, after the rules written from its development half (the README:
    420/432 read-vs-mutating, 4 of 160 mutating tools read, 33/34 destructive and 17/19 execute caught; at first
    sight 403/432, 6, 32/34, 13/19). Two targets are still missed: mutating tools read and execute caught. Rules
    written after its confirmation half was scored (arguments behind a "$ref", telling the user reads, a generated
    schema is returned) brought it to 423/432, 3 of 160, 34/34, 18/19."""
    text, total = real_servers.report("round 10 (15 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 423
    assert total.mutating_read <= 3
    assert total.destructive_caught == total.destructive
    assert total.execute_caught >= 18


@pytest.mark.usefixtures("round_10")
def test_round_10_halves() -> None:
    """The development half, which the rules were written from, meets three targets and misses one execute tool
    (233/238, none of 71 mutating read, 16/16 destructive, 11/12 execute); the confirmation half, scored after,
    is as at first sight with rounds 8 and 9's rules (187/194, 4 of 89 mutating read, 17/18 destructive, 6/7
    execute)."""
    _, development = real_servers.report("round 10 development", DEVELOPMENT)
    assert development.agree >= 233
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught >= 11
    _, confirmation = real_servers.report("round 10 confirmation", CONFIRMATION)
    assert confirmation.agree >= 187
    assert confirmation.mutating_read <= 4
    assert confirmation.destructive_caught >= 17
    assert confirmation.execute_caught >= 6
