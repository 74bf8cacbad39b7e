"""The classifier on 12 more real servers (tests/fixtures/real-servers-round22), annotations removed.

A blind round, captured and labelled after rounds 1–21 for industrial, hardware and creative tools (Arduino CLI
builds and uploads, serial ports, Modbus and OPC UA plant equipment, a Klipper 3D printer through Moonraker, ROS
robots, Blender, OpenSCAD, PostGIS, ffmpeg jobs and the REAPER DAW), and scored before any rule was written from it:
a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests hold
what it scored at first sight as floors. ``pytest -s`` prints the figures per server and every tool the classifier
gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_22 = real_servers.round_folder(22)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_22)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_22(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-22 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_22)


@pytest.mark.usefixtures("round_22")
def test_round_22_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at ac2dcdb): 230/267 read-vs-mutating (86.1 %), 2 mutating tools of 113
    read (a serial wait that may answer, a baud-rate probe that sends), 17 of 19 destructive and 15 of 18 execute tools
    caught (missed: two sketch uploads to a board, taken for plain uploads, and a serial console command). Most of the
    35 reads held are renders and media jobs written to files, geometry functions named by nouns, and subscriptions,
    connections and buffered reads of a device."""
    text, total = real_servers.report("round 22 (12 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 230
    assert total.mutating_read <= 2
    assert total.destructive_caught >= 17
    assert total.execute_caught >= 15


@pytest.mark.usefixtures("round_22")
def test_round_22_halves_score_at_least_their_first_sight() -> None:
    """Development 117/134, no mutating tool of 46 read, 9 of 10 destructive and 9 of 10 execute tools caught;
    confirmation 113/133, 2 mutating tools of 67 read, 8 of 9 destructive and 6 of 8 execute tools caught."""
    text, development = real_servers.report("round 22 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 22 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 117
    assert development.mutating_read == 0
    assert development.destructive_caught >= 9
    assert development.execute_caught >= 9
    assert confirmation.agree >= 113
    assert confirmation.mutating_read <= 2
    assert confirmation.destructive_caught >= 8
    assert confirmation.execute_caught >= 6
