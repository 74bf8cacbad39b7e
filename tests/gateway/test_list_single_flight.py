"""Concurrent listings through a real ``portcullis serve`` share one upstream read per server.

The ``slow`` fixture takes two seconds to answer ``tools/list`` and writes a line to its state
directory for every ``tools/list`` it is sent, so the test counts the upstream's reads. Fifty clients
listing at once must cost it a handful of reads, not fifty; a listing after those reads landed must
read afresh (nothing is cached, so a silent change is still caught by the first listing that shows it).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.gateway.proc import fixture, running_gateway
from tests.gateway.wire import answer, modern_request
from tests.waiting import SLOW_WAIT

CLIENTS = 50
FIXED_TOOLS = 16  # the fixture's own tools


def _reads(state: Path) -> int:
    path = state / "tools-lists"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def _list_tools(http: httpx.AsyncClient, url: str, rid: int) -> set[str]:
    body, headers = modern_request("tools/list", rid=rid)
    got = answer(await http.post(url, json=body, headers=headers))
    return {tool["name"] for tool in got["result"]["tools"]}


async def test_concurrent_listings_share_one_upstream_read_and_a_later_listing_reads_afresh(tmp_path: Path) -> None:
    state = tmp_path / "slow-state"
    with running_gateway(tmp_path, {"slow": fixture("slow", state=state, list_delay=2.0)}) as gw:
        limits = httpx.Limits(max_connections=CLIENTS)
        async with httpx.AsyncClient(timeout=SLOW_WAIT, limits=limits) as http:
            before = _reads(state)
            seen = await asyncio.gather(*(_list_tools(http, gw.url, i) for i in range(CLIENTS)))
            during = _reads(state) - before
            assert all(len(names) == FIXED_TOOLS and "slow__echo" in names for names in seen), seen
            # Unshared, that is 50 reads; the bound leaves room for a busy machine spreading the requests
            # over several reads and for the gateway's own background refresh after start-up.
            assert 1 <= during <= 10, f"{during} upstream reads for {CLIENTS} concurrent listings"

            before = _reads(state)
            for rid in range(2):  # one after the other: each starts after the previous read landed
                assert "slow__echo" in await _list_tools(http, gw.url, 100 + rid)
            assert _reads(state) - before >= 2  # a finished read is never reused
