"""The classifier on 9 more real servers (tests/fixtures/real-servers-round26), annotations removed.

A blind round, captured and labelled after rounds 1–25 for chat, community and newsletter tools (Discourse forums,
LinkedIn posts and ads, a listmonk mailing list, Matrix, Mattermost, Rocket.Chat and Zulip chat, Twitch channels and
their moderation, WhatsApp Business templates), and scored before any rule was written from it: a measure only. The
fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold what it scored at
first sight as floors. No tool of the round is labelled execute. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_26 = real_servers.round_folder(26)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_26)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_26(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-26 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_26)


@pytest.mark.usefixtures("round_26")
def test_round_26_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at d20fba4): 294/307 read-vs-mutating (95.8 %, under the 97 % target), 2
    mutating tools of 147 read (a Twitch poll and a prediction ended, taken for reads by "poll" ending the name and
    by the description's "resolve"), 14 of 16 destructive tools caught (a raw POST to any LinkedIn endpoint and a
    Mattermost message edited with no history kept were taken for plain writes), no tool labelled execute. The 11
    reads held: a site selected, a topic's posts read, a session cleared from memory, a tool's availability checked,
    three catalogues and a diagnostics report with no description, an import prepared and its status, a download
    whose overwrite is off by default."""
    text, total = real_servers.report("round 26 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 294
    assert total.mutating_read <= 2
    assert total.destructive_caught >= 14
    assert total.execute == 0


@pytest.mark.usefixtures("round_26")
def test_round_26_halves_score_at_least_their_first_sight() -> None:
    """Development 226/237, 2 mutating tools of 115 read, 11 of 12 destructive tools caught; confirmation 68/70, no
    mutating tool of 32 read, 3 of 4 destructive tools caught. Neither half has an execute tool."""
    text, development = real_servers.report("round 26 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 26 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 226
    assert development.mutating_read <= 2
    assert development.destructive_caught >= 11
    assert confirmation.agree >= 68
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught >= 3
