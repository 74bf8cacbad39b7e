"""The classifier on 9 more real servers (tests/fixtures/real-servers-round34), annotations removed.

A blind round, captured and labelled after rounds 1–32 for self-hosted home and media infrastructure (AdGuard Home,
Homebox, the *arr suite, Nginx Proxy Manager, Node-RED, Paperless-ngx, Pi-hole, qBittorrent and Transmission), and
scored before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions
develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_34 = real_servers.round_folder(34)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_34)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_34(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-34 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_34)


@pytest.mark.usefixtures("round_34")
def test_round_34_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at bdebfbc): 249/268 read-vs-mutating (92.9 %), 9 mutating tools of 131
    read (six release searches triggered at Sonarr, Radarr and Lidarr, "search" in their names; a torrent verified
    and a torrent downloaded by Transmission; a Homebox attachment saved to a local path, "get" in its name), 36 of
    37 destructive tools caught (a Paperless document update whose custom fields replace the whole set was taken for
    a plain update), 3 of 5 execute tools caught (Node-RED nodes created in a deploy and Paperless mail processing
    run were taken for plain writes). The 10 reads held: five TRaSH Guides lookups ("trash" opening their names),
    two tests (Prowlarr's indexers, an ACME HTTP challenge), two Paperless document lists (a filter option
    ``archive_serial_number__isnull`` read as an acting option) and Homebox's inventory statistics. The list has 268
    definitions for 266 labelled names (``mcp-arr`` lists two reads twice): every definition is scored."""
    text, total = real_servers.report("round 34 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    definitions = [(server, t["name"]) for server in SERVERS for t in real_servers.load_tools(server)]
    assert total.total == sum(1 for key in definitions if not labels[key]["ambiguous"])
    assert total.agree >= 249
    assert total.mutating_read <= 9
    assert total.destructive_caught >= 36
    assert total.execute_caught >= 3


@pytest.mark.usefixtures("round_34")
def test_round_34_halves_score_at_least_their_first_sight() -> None:
    """Development 106/120, 8 mutating tools of 41 read, all 9 destructive tools and 3 of 4 execute tools caught;
    confirmation 143/148, 1 mutating tool of 90 read, 27 of 28 destructive tools and none of its 1 execute tool
    caught."""
    text, development = real_servers.report("round 34 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 34 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 106
    assert development.mutating_read <= 8
    assert development.destructive_caught == development.destructive
    assert development.execute_caught >= 3
    assert confirmation.agree >= 143
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught >= 27
    assert confirmation.execute_caught >= 0
