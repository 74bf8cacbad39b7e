"""The classifier on 6 more real servers (tests/fixtures/real-servers-round31), annotations removed.

A blind round, captured and labelled after rounds 1–29 for security and network tooling (a Grype vulnerability
scanner, an nmap scanner, an Active Directory pentest kit, Snyk API & Web, Snyk vulnerability data and an SSL expiry
checker), and scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted,
odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_31 = real_servers.round_folder(31)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_31)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_31(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-31 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_31)


@pytest.mark.usefixtures("round_31")
def test_round_31_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at ba3cd0e; the last two servers at f2e1301): 80/88 read-vs-mutating
    (90.9 %), 1 mutating tool of 35 read (a password wordlist generated into a file, "generate" settled as a read), 4
    of 5 destructive tools caught (a netexec module used with the caller's options was taken for a plain write at
    level high), all 4 execute tools caught. The 7 reads held: three nmap scans of fixed kinds, an RID brute force
    enumerating users, a hash cracked with John the Ripper, BloodHound data collected and a BloodHound connection
    tested."""
    text, total = real_servers.report("round 31 (6 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 80
    assert total.mutating_read <= 1
    assert total.destructive_caught >= 4
    assert total.execute_caught >= 4


@pytest.mark.usefixtures("round_31")
def test_round_31_halves_score_at_least_their_first_sight() -> None:
    """Development 31/36, 1 mutating tool of 10 read, 2 of 3 destructive tools and all 4 execute tools caught;
    confirmation 49/52, no mutating tool of 25 read, both destructive tools caught (no execute tool)."""
    text, development = real_servers.report("round 31 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 31 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 31
    assert development.mutating_read <= 1
    assert development.destructive_caught >= 2
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 49
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
