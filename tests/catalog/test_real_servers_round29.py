"""The classifier on 11 more real servers (tests/fixtures/real-servers-round29), annotations removed.

A blind round, captured and labelled after rounds 1–27 for local developer and system tools (git, archives,
Homebrew, launchd, supervisord, a terminal, Ollama, Selenium, SSH, ESLint, Ruff and Vulture), and scored before any
rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records
the figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_29 = real_servers.round_folder(29)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_29)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_29(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-29 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_29)


@pytest.mark.usefixtures("round_29")
def test_round_29_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 77ef023): 111/120 read-vs-mutating (92.5 %), 1 mutating tool of 63
    read (a git fetch, "fetch" read as a get), 23 of 27 destructive tools caught (a checkout that restores files over
    local changes, an SSH session closed and a process signalled with its command killed, an SFTP upload that replaces
    unconditionally were taken for plain writes), 9 of 10 execute tools caught (a Homebrew formula upgraded, a plain
    write by its name's verb). The 8 reads held: a session setting cleared, a wrap-up checklist, a job health audit, a
    dead-code scan of code given as text, a chat with a local model, a page navigated to, a frame switched to and an
    allowlisted read-only command."""
    text, total = real_servers.report("round 29 (11 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 111
    assert total.mutating_read <= 1
    assert total.destructive_caught >= 23
    assert total.execute_caught >= 9


@pytest.mark.usefixtures("round_29")
def test_round_29_halves_score_at_least_their_first_sight() -> None:
    """Development 37/41, no mutating tool of 17 read, all 4 destructive and both execute tools caught; confirmation
    74/79, 1 mutating tool of 46 read, 19 of 23 destructive tools and 7 of 8 execute tools caught."""
    text, development = real_servers.report("round 29 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 29 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 37
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 74
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught >= 19
    assert confirmation.execute_caught >= 7
