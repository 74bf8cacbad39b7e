"""The classifier on 8 more real servers (tests/fixtures/real-servers-round27), annotations removed.

A blind round, captured and labelled after rounds 1–25 for hosting, infrastructure and backup tools (Hetzner Cloud
and DNS, Linode through a tool router, Nomad, Portainer, Dokploy, TrueNAS, Unraid, Duplicati), and scored before any
rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records
the figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_27 = real_servers.round_folder(27)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_27)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_27(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-27 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_27)


@pytest.mark.usefixtures("round_27")
def test_round_27_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at d20fba4): 300/302 read-vs-mutating (99.3 %), no mutating tool of 163
    read, 47 of 52 destructive tools caught (an app's configuration replaced whole, a VM stopped by force after a
    timeout and three services' environment variables saved over were taken for plain writes), 17 of 18 execute tools
    caught (a Swarm service updated to a new image, a plain write by its name's verb). The 2 reads held: a domain
    name suggested and a check whether one can be ("generate" in their names)."""
    text, total = real_servers.report("round 27 (8 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 300
    assert total.mutating_read == 0
    assert total.destructive_caught >= 47
    assert total.execute_caught >= 17


@pytest.mark.usefixtures("round_27")
def test_round_27_halves_score_at_least_their_first_sight() -> None:
    """Development 226/228, no mutating tool of 136 read, 36 of 41 destructive tools and all 11 execute tools caught;
    confirmation 74/74, no mutating tool of 27 read, all 11 destructive tools and 6 of 7 execute tools caught."""
    text, development = real_servers.report("round 27 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 27 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 226
    assert development.mutating_read == 0
    assert development.destructive_caught >= 36
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 74
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught >= 6
