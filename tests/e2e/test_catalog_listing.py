"""What agents are shown of the catalogue, through a running ``portcullis serve`` (issue 8 item 11).

- A new tool is not listed until a person approves it; one the policy names (so it is callable) is
  listed with its description and schema text withheld. The fixture server runs over Streamable HTTP,
  so ``portcullis tools approve`` in the folder sees the same tools as the gateway.
- A definition that changes without any ``list_changed`` is blocked from the moment an agent's
  ``tools/list`` shows the change, not at the next periodic refresh (switched off here): the
  ``slow-list`` upstream of ``test_catalog_gateway`` changes its listing silently once its state
  file exists. The block is logged, counted in ``/metrics``, and ``tools --json`` says ``changed``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.support import WAIT, cli, text_of, until
from tests.e2e.test_catalog_gateway import FAST_CATALOG, POISON, SLOW_LOOKUP, gateway_config
from tests.gateway.wire import answer, post_modern
from tests.harness import FIXTURE_SERVER, PYTHON, ROOT, legacy_client, running_gateway, running_http_server

WITHHELD = (
    "Not reviewed yet: this tool is new and its description is withheld until an operator approves it "
    "(portcullis tools approve fx__listed_tool)."
)


async def _listed(c: Any) -> dict[str, dict[str, Any]]:
    """Every tool ``tools/list`` shows, by name, as JSON (the SDK reads one page: it holds them all)."""
    page = await c.session.list_tools()
    assert page.next_cursor is None
    return {t.name: t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools}


async def test_a_new_tool_is_listed_only_once_approved_or_without_its_text_where_the_policy_names_it(
    tmp_path: Path,
) -> None:
    policy = {"version": "1", "default": "allow", "tools": {"fx__listed_*": {}}}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    with running_http_server(FIXTURE_SERVER) as upstream:
        gateway_config(tmp_path, {"fx": {"url": upstream.url}}, policy="policy.json")
        with running_gateway(tmp_path / "portcullis.yaml") as gw:
            async with legacy_client(gw.url) as c:
                assert "fx__echo" in await _listed(c)  # trusted on first use
                for name, description in (("fresh_tool", "Says hello."), ("listed_tool", POISON)):
                    assert not (await c.call_tool("fx__add_tool", {"name": name, "description": description})).is_error

                async def catalogued() -> str | None:
                    reason = text_of(await c.call_tool("fx__fresh_tool", {}))
                    return reason if "is new and not approved yet" in reason else None

                await until(catalogued, "the new tools are in the catalogue")
                shown = await _listed(c)
                assert "fx__fresh_tool" not in shown  # not approved: the model does not read it
                assert shown["fx__listed_tool"]["description"] == WITHHELD  # callable, so listed, but no text
                assert "id_rsa" not in json.dumps(shown) and "IMPORTANT" not in json.dumps(shown)
                assert "new tool(s) of server 'fx' wait for approval" in gw.stderr()

                approved = cli(tmp_path, "tools", "approve", "fx__fresh_tool", "fx__listed_tool")
                assert approved.returncode == 0, approved.stderr

                async def listed_as_approved() -> dict[str, dict[str, Any]] | None:
                    now = await _listed(c)
                    return now if "fx__fresh_tool" in now else None

                now = await until(listed_as_approved, "the approved tool is listed")
                assert now["fx__fresh_tool"]["description"] == "Says hello."
                assert now["fx__listed_tool"]["description"] == POISON  # approved: shown as it is


def _raw(http: httpx.Client, url: str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = answer(post_modern(http, url, method, params))
    assert "result" in reply, reply
    result: dict[str, Any] = reply["result"]
    return result


def test_a_silent_change_is_blocked_from_the_listing_that_shows_it_logged_and_counted(tmp_path: Path) -> None:
    state = tmp_path / "listings"  # once it exists, every listing shows a changed description
    slow = {
        "command": PYTHON,
        "args": ["-m", "tests.e2e.test_catalog_gateway", "slow-list", str(state), "0"],
        "cwd": str(ROOT),
    }
    gateway_config(tmp_path, {"slow": slow}, catalog=FAST_CATALOG)  # no periodic refresh at all
    with running_gateway(tmp_path / "portcullis.yaml") as gw, httpx.Client(timeout=WAIT) as http:
        passed = _raw(http, gw.url, "tools/call", {"name": "slow__lookup", "arguments": {"key": "k"}})
        assert passed.get("isError") is not True and passed["content"][0]["text"] == "found k"
        state.touch()
        (tool,) = _raw(http, gw.url, "tools/list")["tools"]
        assert tool["description"] == SLOW_LOOKUP  # the agent is shown the approved text ...
        blocked = _raw(http, gw.url, "tools/call", {"name": "slow__lookup", "arguments": {"key": "k"}})
        assert blocked.get("isError") is True  # ... and the changed tool is blocked from that listing on
        reason = blocked["content"][0]["text"]
        assert "'lookup' on server 'slow' changed since it was approved (description)" in reason
        assert "tool 'lookup' of server 'slow' changed since it was approved" in gw.stderr()
        assert "blocked a call to slow__lookup (grant -)" in gw.stderr()
        metrics = httpx.get(f"{gw.base_url}/metrics", timeout=WAIT).text
        assert 'portcullis_pin_blocks_total{server="slow",status="changed",tool="lookup"} 1.0' in metrics

        done = cli(tmp_path, "tools", "--json")
        assert done.returncode == 0, done.stderr
        (row,) = json.loads(done.stdout)
        assert (row["server"], row["name"], row["pin"]) == ("slow", "lookup", "changed")
