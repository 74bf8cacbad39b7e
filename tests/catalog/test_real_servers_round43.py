"""The classifier on 10 more real servers (tests/fixtures/real-servers-round43), annotations removed.

A blind round, captured and labelled after rounds 1–42 for sales CRMs and outreach tools (amoCRM, Apollo.io, Decern,
Frappe CRM, Instantly, Kylas, a lead enrichment cascade, Nimble, Raynet and Twenty), and scored before any rule was
written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the
figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_43 = real_servers.round_folder(43)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_43)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_43(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-43 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_43)


@pytest.mark.usefixtures("round_43")
def test_round_43_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at f9da993): 181/187 read-vs-mutating (96.8 %), no mutating tool of 62
    read, all 10 destructive tools caught (no execute tool). The 6 reads held: people, companies and leads enriched
    (Apollo's ``enrich_person`` and ``enrich_company``, the cascade's ``enrich_lead`` and ``enrich_batch``: "enrich"
    is no known verb, so they fail closed), Apollo's outreach lead pipeline (``run_full_outreach_pipeline``, which
    searches and enriches, taken for a run) and Raynet's ``raynet_person_list`` (a list whose description says the
    API "stores" a relationship under another filter column, taken for a write)."""
    text, total = real_servers.report("round 43 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 181
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_43")
def test_round_43_halves_score_at_least_their_first_sight() -> None:
    """Development 106/109, no mutating tool of 26 read, all 3 destructive tools caught; confirmation 75/78, no
    mutating tool of 36 read, all 7 destructive tools caught (no execute tool in either half)."""
    text, development = real_servers.report("round 43 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 43 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 106
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 75
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
