"""The classifier on 9 more real servers (tests/fixtures/real-servers-round37), annotations removed.

A blind round, captured and labelled after rounds 1–35 for document management, e-signature, legal practice and
travel booking (Actionstep, Alfresco, Amadeus, DocuWare, Duffel, HEU Legal, HotelZero, Laserfiche and SharePoint
document libraries), and scored before any rule was written from it: a measure only. The fixtures' README splits it
(sorted, odd positions develop) and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_37 = real_servers.round_folder(37)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_37)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_37(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-37 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_37)


@pytest.mark.usefixtures("round_37")
def test_round_37_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at d3d6245, the same at fd0c0d0): 291/305 read-vs-mutating (95.4 %), 1
    mutating tool of 118 read (Alfresco's check-in of a new version, "check" in the description settled as a read),
    all 28 destructive tools caught, no execute tool. The 13 reads held: two Amadeus hotel look-ups with no known
    verb, a SharePoint sign-in started, a drive's changes tracked and an item's permissions listed, a CMIS SQL search
    and a Laserfiche search with query repair (taken for queries that run), a template's field list, an image read,
    an async task waited for and polled ("update" in the name), a delete previewed, and a HEU template's annotated
    preview downloaded."""
    text, total = real_servers.report("round 37 (9 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 291
    assert total.mutating_read <= 1
    assert total.destructive_caught == total.destructive
    assert total.execute_caught == total.execute


@pytest.mark.usefixtures("round_37")
def test_round_37_halves_score_at_least_their_first_sight() -> None:
    """Development 199/204, no mutating tool of 78 read, all 20 destructive tools caught; confirmation 92/101, 1
    mutating tool of 40 read, all 8 destructive tools caught (no execute tool in either half)."""
    text, development = real_servers.report("round 37 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 37 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 199
    assert development.mutating_read == 0
    assert development.destructive_caught == development.destructive
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 92
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
