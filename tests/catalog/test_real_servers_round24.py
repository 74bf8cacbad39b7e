"""The classifier on 8 more real servers (tests/fixtures/real-servers-round24), annotations removed.

A blind round, captured and labelled after rounds 1–23 for software delivery and operations (GitLab CI pipelines and
merge requests, Woodpecker CI, a self-hosted PaaS's deploys, Doppler's secrets, on-call and alerting: Splunk On-Call,
Grafana OnCall, Alertmanager; Uptime Kuma's monitors), and scored before any rule was written from it: a measure
only. The fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold what it
scored at first sight as floors. ``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_24 = real_servers.round_folder(24)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_24)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_24(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-24 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_24)


@pytest.mark.usefixtures("round_24")
def test_round_24_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at bddb221): 298/305 read-vs-mutating (97.7 %), 1 mutating tool of 144
    read (Coolify's server connection validated), 40 of 44 destructive tools caught (an Alertmanager silence posted
    or updated, Doppler's secrets updated and a change request applied, a GitLab schedule whose variables are
    replaced whole, all taken for plain writes), 11 of 11 execute tools caught. The 6 reads held: Coolify's
    resources and domains of a server, Doppler's access check, its change-request policies listed and read, and
    its token's own identity."""
    text, total = real_servers.report("round 24 (8 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 298
    assert total.mutating_read <= 1
    assert total.destructive_caught >= 40
    assert total.execute_caught >= 11


@pytest.mark.usefixtures("round_24")
def test_round_24_halves_score_at_least_their_first_sight() -> None:
    """Development 159/163, no mutating tool of 90 read, 23 of 26 destructive tools caught (no execute tool);
    confirmation 139/142, 1 mutating tool of 54 read, 17 of 18 destructive and 11 of 11 execute tools caught."""
    text, development = real_servers.report("round 24 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 24 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 159
    assert development.mutating_read == 0
    assert development.destructive_caught >= 23
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 139
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught >= 17
    assert confirmation.execute_caught >= 11
