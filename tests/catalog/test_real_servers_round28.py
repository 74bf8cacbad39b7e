"""The classifier on 10 more real servers (tests/fixtures/real-servers-round28), annotations removed.

A blind round, captured and labelled after rounds 1–27 for everyday SaaS back ends (ActiveCampaign, Cal.com,
Calendly, eSignatures.com, Google Forms, Matomo, Plausible, Rebrandly, Shlink, Zoho CRM), and scored before any rule
was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the
figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_28 = real_servers.round_folder(28)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_28)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_28(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-28 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_28)


@pytest.mark.usefixtures("round_28")
def test_round_28_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 77ef023): 155/162 read-vs-mutating (95.7 %), 4 mutating tools of 73
    read (two events tracked, a short URL generated, a Matomo API query of any method), 13 of 18 destructive tools
    caught (three find/replace edits of content, questions added after clearing the form and the Matomo query
    missed), 0 of 1 execute tool caught (an event that triggers automations, read by its verb 'track'). The 3 reads
    held: a contract, a template and a signing link queried ('query' taken for a write)."""
    text, total = real_servers.report("round 28 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 155
    assert total.mutating_read <= 4
    assert total.destructive_caught >= 13
    assert total.execute == 1  # none caught at first sight


@pytest.mark.usefixtures("round_28")
def test_round_28_halves_score_at_least_their_first_sight() -> None:
    """Development 102/104, 2 mutating tools of 42 read, 7 of 8 destructive tools and 0 of 1 execute tool caught;
    confirmation 53/58, 2 mutating tools of 31 read, 6 of 10 destructive tools caught (no execute tool)."""
    text, development = real_servers.report("round 28 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 28 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 102
    assert development.mutating_read <= 2
    assert development.destructive_caught >= 7
    assert development.execute == 1  # none caught at first sight
    assert confirmation.agree >= 53
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 6
    assert confirmation.execute_caught == confirmation.execute
