"""``servers:`` edited in a running gateway's config takes effect without a restart.

A server added starts, a server removed stops (its process ends), a server changed restarts with its
new command; connected clients are told ``list_changed`` and see the new tools. A setting that still
needs a restart is named in the log instead of being silently ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

import mcp_types as types

from tests.e2e.support import all_tool_names, until
from tests.gateway.proc import Gateway, fixture, running_gateway
from tests.harness import legacy_client


def _edit(gw: Gateway, change: Any) -> None:
    document = json.loads(gw.config_path.read_text())
    change(document)
    gw.config_path.write_text(json.dumps(document, indent=2))


async def _text(client: Any, tool: str) -> str:
    result = await client.call_tool(tool, {})
    block = result.content[0]
    assert isinstance(block, types.TextContent), result
    return block.text


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return False


async def test_servers_added_changed_and_removed_while_running(tmp_path: Path) -> None:
    told: list[str] = []

    async def on_message(message: Any) -> None:
        told.append(repr(message))

    # The changed a lists a tool it never had (t000): new tools are listed once approved, which is
    # another test's subject (tests/e2e/test_catalog_listing.py); here they are listed as they come.
    with running_gateway(tmp_path, {"a": fixture("a")}, catalog={"require_approval_of_new_tools": False}) as gw:
        async with legacy_client(gw.url, message_handler=on_message) as client:
            first_a = await _text(client, "a__pid")

            def add_b_and_change_a(doc: dict[str, Any]) -> None:
                doc["servers"]["b"] = fixture("b")
                doc["servers"]["a"] = fixture("a", tools=1)
                doc["max_body_bytes"] = 65536

            _edit(gw, add_b_and_change_a)

            async def both_listed() -> bool:
                names = set(await all_tool_names(client))
                return {"a__t000", "b__echo"} <= names

            await until(both_listed, "the added server b and the changed a listed")
            assert gw.health()["servers"]["b"]["state"] == "ready"
            assert await _text(client, "a__pid") != first_a  # a was restarted with its new command
            b_pid = int(await _text(client, "b__pid"))
            log = gw.log()
            assert "servers reloaded" in log and "started b" in log and "restarted a" in log
            assert "'max_body_bytes' changed, which takes effect only when the gateway restarts" in log
            await until(
                lambda: asyncio.sleep(0, result=[m for m in told if "ToolListChanged" in m]),
                "a tools/list_changed notification reached the client",
            )

            _edit(gw, lambda doc: doc["servers"].pop("b"))

            async def b_gone() -> bool:
                return "b" not in gw.health()["servers"] and not any(
                    n.startswith("b__") for n in await all_tool_names(client)
                )

            await until(b_gone, "the removed server b gone from /healthz and tools/list")
            await until(lambda: asyncio.sleep(0, result=_gone(b_pid)), "b's process ended")
            assert "stopped b" in gw.log()
            assert await _text(client, "a__pid")  # a still serves
