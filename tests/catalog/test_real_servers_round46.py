"""The classifier on 9 more real servers (tests/fixtures/real-servers-round46), annotations removed.

A blind round, captured and labelled for security operations, secrets and identity tooling (Splunk SOAR, Tenable.io,
Rapid7 InsightVM and InsightConnect, ThreatLocker, WithSecure Elements, Velociraptor, AlienVault OTX and SOPS
secrets files), and scored before any rule was written from it: a measure only. The fixtures' README splits it
(sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_46 = real_servers.round_folder(46)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_46)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_46(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-46 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_46)


@pytest.mark.usefixtures("round_46")
def test_round_46_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at f9da993): 250/273 read-vs-mutating (91.6 %), 3 mutating tools of 70
    read (any VQL query and a Velociraptor artifact collected, read by their verbs 'query' and 'collect', and a
    message shown to a device's user, read by 'show'), 9 of 11 destructive tools caught (the VQL query missed, and
    Splunk SOAR's raw REST POST taken for a plain write at level high), 6 of 8 execute tools caught (the VQL query and
    the artifact collected missed). The 20 reads held: ten SOPS edits of the content passed in and returned (create,
    add, delete, rename, rotate, re-key), six SOAR playbook-editor blocks built, two SOAR lists whose descriptions
    say 'comments' and 'empty', and two ThreatLocker gets whose descriptions say 'load'."""
    text, total = real_servers.report("round 46 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 250
    assert total.mutating_read <= 3
    assert total.destructive_caught >= 9
    assert total.execute_caught >= 6


@pytest.mark.usefixtures("round_46")
def test_round_46_halves_score_at_least_their_first_sight() -> None:
    """Development 130/143, 1 mutating tool of 33 read (WithSecure's show_message), both destructive and both execute
    tools caught; confirmation 120/130, 2 mutating tools of 37 read (Velociraptor's query_vql and collect_artifact), 7
    of 9 destructive tools and 4 of 6 execute tools caught."""
    text, development = real_servers.report("round 46 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 46 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 130
    assert development.mutating_read <= 1
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 120
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 7
    assert confirmation.execute_caught >= 4
