"""A tool name its server has not listed never reaches the server, even while a re-listing is under way.

After a ``list_changed`` the gateway cannot yet call a name unknown (the server may have added it), so
until the new listing is in, such a name used to be forwarded whenever a glob of the policy allowed it.
With a server that looks tool names up without regard to case, ``x__PUSH`` then ran ``push``, which
the policy denies. Now a name the catalogue has not seen listed is refused (rule ``catalog.pin``,
"retry shortly"), whatever the policy names. The upstream is a stdlib stdio server whose re-listing
after its ``list_changed`` is never answered, which holds that window open.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.support import LATER, WAIT, serve_stdio, stdio_send
from tests.gateway.wire import modern_tool_call
from tests.harness import PYTHON, ROOT, running_gateway, write_config

TOOLS = [
    {"name": n, "description": f"{n.capitalize()} things.", "inputSchema": {"type": "object"}}
    for n in ("push", "echo", "relist")
]


def loose_server() -> int:
    """Tools ``push``, ``echo``, ``relist``; names are looked up case-insensitively. ``relist`` sends
    ``list_changed``; every listing after that is left unanswered."""
    relisted = False

    def handle(rid: Any, method: str, params: dict[str, Any]) -> dict[str, Any] | Any:
        nonlocal relisted
        if method == "tools/list":
            return LATER if relisted else {"tools": TOOLS}
        if method == "tools/call":
            name = str(params.get("name")).lower()
            if name == "relist":
                relisted = True
                stdio_send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
            return {"content": [{"type": "text", "text": f"ran {name}"}]}
        return None

    return serve_stdio("loose", handle, list_changed=True)


async def test_a_case_variant_of_a_denied_tool_is_refused_while_the_listing_is_stale(tmp_path: Path) -> None:
    policy = {"version": "1", "default": "deny", "tools": {"x__*": {}, "x__push": {"action": "deny"}}}
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    server = {"command": PYTHON, "args": ["-m", "tests.e2e.test_catalog_unlisted", "loose"], "cwd": str(ROOT)}
    write_config(tmp_path / "portcullis.yaml", {"x": server}, policy="policy.json", catalog={"refresh_interval": 0})
    with running_gateway(tmp_path / "portcullis.yaml") as gw:
        async with httpx.AsyncClient(timeout=WAIT) as http:
            denied, _ = await modern_tool_call(http, gw.url, "x__push")
            assert denied
            assert await modern_tool_call(http, gw.url, "x__relist") == (False, "ran relist")
            # the re-listing it started is never answered: the catalogue's listing stays stale meanwhile
            refused, reason = await modern_tool_call(http, gw.url, "x__PUSH")
            assert refused, reason
            assert "tool 'PUSH' of server 'x' is not in the catalogue yet" in reason
            assert await modern_tool_call(http, gw.url, "x__echo") == (False, "ran echo")  # listed tools go on


if __name__ == "__main__" and sys.argv[1:2] == ["loose"]:
    raise SystemExit(loose_server())
