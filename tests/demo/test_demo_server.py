"""The demo upstream over stdio (``python -m portcullis.demo``), with a legacy and a modern client."""

from __future__ import annotations

from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from portcullis.demo.server import TOOLS, TOOLS_PAGE_SIZE
from tests.harness import PYTHON, client

DEMO = [PYTHON, "-m", "portcullis.demo"]
MODES = ["legacy", "2026-07-28"]


async def _all_tools(session: Any) -> tuple[list[types.Tool], int]:
    tools: list[types.Tool] = []
    cursor, pages = None, 0
    while pages < 10:
        page = await session.list_tools(cursor=cursor)
        tools += page.tools
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools, pages


@pytest.mark.parametrize("mode", MODES)
async def test_lists_every_tool_over_paginated_tools_list(mode: str) -> None:
    async with client(DEMO, mode) as session:
        tools, pages = await _all_tools(session)
    assert [t.name for t in tools] == [t.name for t in TOOLS]
    assert pages == -(-len(TOOLS) // TOOLS_PAGE_SIZE) > 1
    by_name = {t.name: t for t in tools}
    assert by_name["delete_note"].annotations is not None and by_name["delete_note"].annotations.destructive_hint
    assert by_name["read_note"].annotations is not None and by_name["read_note"].annotations.read_only_hint
    assert by_name["transfer_funds"].output_schema is not None


@pytest.mark.parametrize("mode", MODES)
async def test_calls_read_write_destructive_and_financial_tools(mode: str) -> None:
    async with client(DEMO, mode) as session:
        written = await session.call_tool("write_note", {"name": "todo", "text": "ship it"})
        assert not written.is_error
        read = await session.call_tool("read_note", {"name": "todo"})
        assert read.structured_content == {"name": "todo", "text": "ship it"}
        deleted = await session.call_tool("delete_note", {"name": "todo"})
        assert "deleted" in deleted.content[0].text  # type: ignore[union-attr]
        gone = await session.call_tool("read_note", {"name": "todo"})
        assert gone.is_error
        moved = await session.call_tool(
            "transfer_funds", {"from_account": "checking", "to_account": "savings", "amount": 25}
        )
        assert moved.structured_content == {"balances": {"checking": 975.0, "savings": 5025.0}}
        refused = await session.call_tool(
            "transfer_funds", {"from_account": "checking", "to_account": "savings", "amount": 10**9}
        )
        assert refused.is_error and "insufficient funds" in refused.content[0].text  # type: ignore[union-attr]
        report = await session.call_tool("run_report", {"report": "ledger"})
        assert "checking=975.00" in report.content[0].text  # type: ignore[union-attr]
        with pytest.raises(MCPError) as unknown:
            await session.call_tool("no_such_tool", {})
        assert unknown.value.code == types.INVALID_PARAMS


@pytest.mark.parametrize("mode", MODES)
async def test_slow_task_reports_progress_and_records_paginate(mode: str) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with client(DEMO, mode) as session:
        done = await session.call_tool("slow_task", {"steps": 4, "delay_ms": 0}, progress_callback=on_progress)
        assert "4 steps" in done.content[0].text  # type: ignore[union-attr]
        records: list[str] = []
        cursor: str | None = None
        for _ in range(10):
            page = await session.call_tool("list_records", {"cursor": cursor} if cursor else {})
            assert page.structured_content is not None
            records += page.structured_content["records"]
            cursor = page.structured_content["next_cursor"]
            if cursor is None:
                break
        bad = await session.call_tool("list_records", {"cursor": "garbage"})
    assert [p for p, _, _ in seen] == [1, 2, 3, 4] and {t for _, t, _ in seen} == {4}
    assert records == [f"record-{i:02d}" for i in range(1, 24)]
    assert bad.is_error


@pytest.mark.parametrize("mode", MODES)
async def test_resources_prompts_and_completions(mode: str) -> None:
    async with client(DEMO, mode) as session:
        uris: list[str] = []
        cursor: str | None = None
        for _ in range(10):
            page = await session.list_resources(cursor=cursor)
            uris += [str(r.uri) for r in page.resources]
            cursor = page.next_cursor
            if cursor is None:
                break
        note = await session.read_resource("note://welcome")
        with pytest.raises(MCPError) as missing:
            await session.read_resource("note://nope")
        templates = await session.list_resource_templates()
        prompt = await session.get_prompt("summarize_notes", {"style": "bullets"})
        completion = await session.complete(
            types.PromptReference(type="ref/prompt", name="summarize_notes"), {"name": "style", "value": "b"}
        )
    assert uris == ["note://groceries", "note://ideas", "note://welcome", "demo://ledger"]
    assert "Portcullis demo" in note.contents[0].text  # type: ignore[union-attr]
    assert missing.value.code == (types.INVALID_PARAMS if mode != "legacy" else -32002)
    assert templates.resource_templates[0].uri_template == "note://{name}"
    assert "(bullets)" in prompt.messages[0].content.text  # type: ignore[union-attr]
    assert completion.completion.values == ["brief", "bullets"]
