"""The classifier on 10 more real servers (tests/fixtures/real-servers-round39), annotations removed.

A blind round, captured and labelled after rounds 1–35 for on-chain wallets and DeFi (agent wallets on Solana with
escrows and spending policies, an MPC agent wallet with an on-chain will and x402 payments, Alchemy's NFT API, Celo
chain data, an Exfer wallet with HTLCs, mining and cross-chain swaps, Hyperliquid perpetuals, Privy's users and
wallets, Pump.fun trading, a Railgun privacy wallet, a Solana swap and limit-order engine), and scored before any rule
was written from it: a measure only. The fixtures' README splits it (sorted, odd positions develop) and records the
figures. The tests hold what it scored at first sight as floors. ``pytest -s`` prints the figures per server and
every tool the classifier gets wrong.
"""

from __future__ import annotations

import pytest

from tests.catalog import real_servers

ROUND_39 = real_servers.round_folder(39)
SERVERS: tuple[str, ...] = real_servers.servers_of(ROUND_39)
DEVELOPMENT: tuple[str, ...] = SERVERS[0::2]
CONFIRMATION: tuple[str, ...] = SERVERS[1::2]


@pytest.fixture
def round_39(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the shared loaders of ``real_servers`` at the round-39 folder for one test."""
    monkeypatch.setattr(real_servers, "FIXTURES", ROUND_39)


@pytest.mark.usefixtures("round_39")
def test_round_39_scores_at_least_its_first_sight() -> None:
    """The whole round at first sight (main at d3d6245): 201/210 read-vs-mutating (95.7 %), 2 mutating tools of 79
    read (an HTTP GET paid by x402, "get" ending the name; a miner run to probe mining pools, "probe" ending the
    name), 2 of 3 destructive tools caught (every fund moved out of Railgun at once, 'emergency_exit', was taken for a
    plain write: "exit" ends the name), 2 of 3 execute tools caught (the pool probe missed). The 7 reads held: a
    miner's status, a swap pool's configuration and a swap quote, a check for a newer release, an affordability check
    and a cost explained, and an unsigned swap transaction built."""
    text, total = real_servers.report("round 39 (10 servers)", SERVERS)
    print("\n" + text)
    labels = real_servers.load_labels()
    assert total.total == sum(1 for row in labels.values() if not row["ambiguous"])
    assert total.agree >= 201
    assert total.mutating_read <= 2
    assert total.destructive_caught >= 2
    assert total.execute_caught >= 2


@pytest.mark.usefixtures("round_39")
def test_round_39_halves_score_at_least_their_first_sight() -> None:
    """Development 127/134, 1 mutating tool of 43 read (the pool probe), 2 of 3 destructive and 2 of 3 execute tools
    caught; confirmation 74/76, 1 mutating tool of 36 read (the x402-paid GET), no destructive or execute tool."""
    text, development = real_servers.report("round 39 development", DEVELOPMENT)
    print("\n" + text)
    text, confirmation = real_servers.report("round 39 confirmation", CONFIRMATION)
    print("\n" + text)
    assert development.agree >= 127
    assert development.mutating_read <= 1
    assert development.destructive_caught >= 2
    assert development.execute_caught >= 2
    assert confirmation.agree >= 74
    assert confirmation.mutating_read <= 1
    assert confirmation.destructive_caught == confirmation.destructive
    assert confirmation.execute_caught == confirmation.execute
