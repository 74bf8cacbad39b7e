"""The classifier on 6 more real servers (tests/fixtures/real-servers-round44), annotations removed.

A blind round, captured and labelled for cloud and hosting providers' compute, storage and networking (AWS
ElastiCache, AWS Serverless, an Exoscale advisor, Hostinger VPS, OpenStack operations and Tencent Cloud), and scored
before any rule was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop)
and records the figures. The tests hold what it scored at first sight as floors.
``pytest -s`` prints the figures per server and every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_44 = real_servers.round_folder(44)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_44)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_44(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-44 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_44)


@pytest.mark.usefixtures("round_44")
def test_round_44_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at f9da993): 223/233 read-vs-mutating (95.7 %), no mutating tool of 119
    read, 23 of 55 destructive tools caught (29 of OpenStack's multi-action ``set_*`` tools, a delete among their
    actions, taken for plain writes by the verb 'set'; an ElastiCache resharding and service updates applied, plain
    writes at level high; a virtual machine stopped, a plain write), 7 of 9 execute tools caught (a frontend deployed
    and a Compose project redeployed, taken for plain updates). The 10 reads held: four ``set_*`` tools whose actions
    only list and show, an ElastiCache migration test, a deploy help and four IAM policies generated from templates."""
    text, total = real_servers.report("round 44 (6 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 223
    assert total.mutating_read == 0
    assert total.destructive_caught >= 23
    assert total.execute_caught >= 7


@pytest.mark.usefixtures("round_44")
def test_round_44_halves_score_at_least_their_first_sight() -> None:
    """Development 134/139, no mutating tool of 68 read, 9 of 40 destructive tools and the 1 execute tool caught;
    confirmation 89/94, no mutating tool of 51 read, 14 of 15 destructive tools and 6 of 8 execute tools caught."""
    text, development = real_servers.report("round 44 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 44 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 134
    assert development.mutating_read == 0
    assert development.destructive_caught >= 9
    assert development.execute_caught == development.execute
    assert confirmation.agree >= 89
    assert confirmation.mutating_read == 0
    assert confirmation.destructive_caught >= 14
    assert confirmation.execute_caught >= 6
