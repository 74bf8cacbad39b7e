"""Aggregated lists through a real ``portcullis serve``: a client that reads one page sees everything.

``big`` lists 56 tools over seven upstream pages (its fixed tools, then 40 generated ones, 7 a page),
``small`` lists 16 in one page, and a server with a 50-character name makes some prefixed names longer
than 64 characters. The ``mcp`` SDK's ``list_tools()`` reads only the page it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.gateway.wire import answer, post_modern

LONG = "finance-reporting-warehouse-and-dashboards-team-01"  # 50 characters
SERVERS = {"big": fixture("big", tools=40, page_size=7), "small": fixture("small"), LONG: fixture("long")}
FIXED_TOOLS = 16  # the fixture's own tools, before the generated ones
EVERY_TOOL = {f"big__{n}" for n in (f"t{i:03d}" for i in range(40))}


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("lists"), SERVERS) as gateway:
        yield gateway


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_the_first_page_holds_every_tool_prompt_and_resource_of_every_server(gw: Gateway, mode: str) -> None:
    async with Client(gw.url, mode=mode, cache=None) as c:
        tools = await c.list_tools()
        names = [t.name for t in tools.tools]
        assert tools.next_cursor is None
        assert len(names) == len(set(names)) == 3 * FIXED_TOOLS + 40
        assert set(names) >= EVERY_TOOL and {"small__echo", f"{LONG}__echo"} <= set(names)
        assert names[: FIXED_TOOLS + 40] == [n for n in names if n.startswith("big__")]  # servers in config order
        prompts = await c.list_prompts()
        assert prompts.next_cursor is None
        assert [p.name for p in prompts.prompts] == ["big__greet", "small__greet", f"{LONG}__greet"]
        resources = await c.list_resources()
        assert resources.next_cursor is None
        assert [str(r.uri) for r in resources.resources] == ["fx://big/static", "fx://small/static", "fx://long/static"]


def test_prefixed_names_over_64_characters_are_flagged_at_listing_with_what_to_do(gw: Gateway) -> None:
    with httpx.Client(timeout=30) as http:
        for _ in range(2):
            assert answer(post_modern(http, gw.url, "tools/list"))["result"]["tools"]
    log = gw.log()
    flagged = f"'{LONG}__ask_then_cancel' is 67 characters long"
    assert flagged in log and "many clients and model APIs refuse names over 64" in log
    assert f"Give server '{LONG}' a shorter name in the config" in log
    assert log.count(flagged) == 1  # once, not at every listing
    assert f"'{LONG}__echo' is" not in log  # 56 characters: fine


async def test_beyond_list_page_size_pages_carry_the_gateways_cursors(tmp_path: Path) -> None:
    with running_gateway(tmp_path, SERVERS, list_page_size=25) as small_pages:
        async with Client(small_pages.url, mode="legacy", cache=None) as c:
            names: list[str] = []
            cursor: str | None = None
            sizes: list[int] = []
            for _ in range(20):
                page = await c.list_tools(cursor=cursor)
                sizes.append(len(page.tools))
                names += [t.name for t in page.tools]
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert sizes == [25, 25, 25, 13]
            assert len(names) == len(set(names)) == 3 * FIXED_TOOLS + 40 and set(names) >= EVERY_TOOL
