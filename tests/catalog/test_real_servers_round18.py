"""The classifier on 12 more real servers (tests/fixtures/real-servers-round18), annotations removed.

A blind round, captured and labelled after rounds 1–17 for AI media and developer tooling, domains no earlier round
had as its subject (speech, music, image and video generation, an LLM evaluation platform, an API platform, an
OpenAPI proxy, code search and review, Podman, Cargo, package indices), and scored before any rule was written from
it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the figures. The tests
hold what it scored at first sight as floors (read-vs-mutating 292/304 and 5 of 160 mutating tools read missed their
targets; every destructive tool (27) and every execute tool (8) was caught).
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_18 = real_servers.round_folder(18)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_18)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_18(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-18 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_18)


@pytest.mark.usefixtures("round_18")
def test_round_18_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at 67ca251): 292/304 read-vs-mutating, 5 of 160 mutating tools read
    (media generators whose name's verb 'generate' is settled by its object 'image', and Cargo's format and doc
    tools, whose names hold no verb), every destructive tool (27) and every execute tool (8) caught. Rules written
    after it was scored (an image, a video or audio generated is made and kept, not read; a description's transform
    told where a stored thing is changes it in place) bring it to 296/304, 1 of 160 (the doc generator), 27/27,
    8/8: the four targets met."""
    text, total = real_servers.report("round 18 (12 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 296
    assert total.mutating_read <= 1
    real_servers.assert_targets(total, "round 18")
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_18")
def test_round_18_halves_score_at_least_their_first_sight() -> None:
    """Development 70/77, 3 of 47 mutating tools read, every destructive (4) and execute (6) tool caught;
    confirmation 222/227, 2 of 113 mutating tools read, every destructive (23) and execute (2) tool caught."""
    text, development = real_servers.report("round 18 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 18 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 72  # at first sight 70
    assert development.mutating_read <= 1  # at first sight 3
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 224  # at first sight 222
    assert confirmation.mutating_read == 0  # at first sight 2
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
