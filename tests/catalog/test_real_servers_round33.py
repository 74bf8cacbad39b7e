"""The classifier on 9 more real servers (tests/fixtures/real-servers-round33), annotations removed.

A blind round, captured and labelled after rounds 1–31 for social networks and email marketing and transactional
email (X/Twitter, a beehiiv newsletter, social media data, Facebook Pages, Instagram, Pinterest, Postmark, SendGrid
and Substack), and scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted,
odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_33 = real_servers.round_folder(33)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_33)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_33(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-33 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_33)


@pytest.mark.usefixtures("round_33")
def test_round_33_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 85eb24d): 186/188 read-vs-mutating (98.9 %), no mutating tool of 72
    read, all 8 destructive tools caught (no execute tool). The two reads held as writes at level medium: SendGrid's
    `list_suppressions` (a suppression list listed; the description's 'unsubscribes', a list's name, taken for a
    verb that says more than the name's 'list') and Substack's `prepublish_draft` (a draft's prepublish checks; the
    name's last word 'draft' taken for its verb)."""
    text, total = real_servers.report("round 33 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 186
    assert total.mutating_read == 0
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_33")
def test_round_33_halves_score_at_least_their_first_sight() -> None:
    """Development 147/148 (the Substack prepublish check above), no mutating tool of 55 read, all 5 destructive
    tools caught; confirmation 39/40 (the SendGrid listing above), no mutating tool of 17 read, all 3 destructive
    tools caught (no execute tool in either half)."""
    text, development = real_servers.report("round 33 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 33 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 147
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 39
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
