"""The classifier on 7 more real servers (tests/fixtures/real-servers-round42), annotations removed.

A blind round, captured and labelled for video meetings, telephony and voice agents (Zoom meetings read, Google Meet
spaces, Webex Calling administration, a FRITZ!Box's telephony, Retell AI, Vapi and Agentline's phone numbers, SMS,
calls and mailboxes), and scored before any rule was written from it: a measure only. The fixtures' README splits it
(sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_42 = real_servers.round_folder(42)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_42)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_42(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-42 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_42)


@pytest.mark.usefixtures("round_42")
def test_round_42_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at e3aace5): 180/183 read-vs-mutating (98.4 %), 1 mutating tool of 78
    read (a Webex device activation code generated, "generate" settled by its object 'code' as a read), 16 of 17
    destructive tools caught (a Webex device re-homed, which deletes it, taken for a plain write by its name's verb
    'associate'), no execute tool. The 2 reads held: an inbound SMS awaited by long-poll ('wait' taken as execute)
    and a Webex connection test (its description's 'authenticates')."""
    text, total = real_servers.report("round 42 (7 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 180
    assert total.mutating_read <= 1
    assert total.destructive_caught >= 16
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_42")
def test_round_42_halves_score_at_least_their_first_sight() -> None:
    """Development 72/73, no mutating tool of 31 read, all 7 destructive tools caught (no execute tool);
    confirmation 108/110, 1 mutating tool of 47 read, 9 of 10 destructive tools caught (no execute tool)."""
    text, development = real_servers.report("round 42 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 42 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 72
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 108
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught >= 9
    assert confirmation.execute_caught == confirmation.execute
