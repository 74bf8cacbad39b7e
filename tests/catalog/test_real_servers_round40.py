"""The classifier on 7 more real servers (tests/fixtures/real-servers-round40), annotations removed.

A blind round, captured and labelled for design, creative and game tools (a Godot editor bridge, Krita, GIMP 3, an
Excalidraw canvas, Penpot, the Steam Web API and a Minecraft server panel), and scored before any rule was written
from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the figures. The
tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and every tool the
classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_40 = real_servers.round_folder(40)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_40)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_40(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-40 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_40)


@pytest.mark.usefixtures("round_40")
def test_round_40_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at e3aace5): 235/260 read-vs-mutating (90.4 %), 8 mutating tools of 154
    read (GIMP's colour mode converted and layer desaturated, "convert" settled as a read; a Godot scene and a Krita
    document opened; a Krita repair candidate rendered, a layer outlined ("trace") and a sprite sheet sliced into
    layers; an Excalidraw diagram uploaded to a shareable link, "export" a read), 22 of 23 destructive tools caught
    (GIMP's image closed with its unsaved changes discarded by default was taken for a plain write at level medium),
    all 7 execute tools caught. The 17 reads held: exports written to files (GIMP's five, Krita's three), colours
    sampled (GIMP, Krita), a window raised and a viewport moved ("set"), a session chosen ("activate"), a connection
    re-made ("restart"), a checkpoint previewed, a disabled warp and a Penpot file fetched into the server's cache."""
    text, total = real_servers.report("round 40 (7 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 235
    assert total.mutating_read <= 8
    assert total.destructive_caught >= 22
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_40")
def test_round_40_halves_score_at_least_their_first_sight() -> None:
    """Development 103/108, 2 mutating tools of 57 read (a Godot scene opened, an Excalidraw diagram uploaded to a
    link), all 17 destructive and all 6 execute tools caught; confirmation 132/152, 6 mutating tools of 97 read, 5 of
    6 destructive tools caught (GIMP's `close_image`), its execute tool caught."""
    text, development = real_servers.report("round 40 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 40 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 103
    assert development.mutating_read <= 2
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 132
    assert confirmation.mutating_read <= 6
    assert confirmation.destructive_caught >= 5
    assert confirmation.execute_caught == confirmation.execute
