"""Real peers through a real ``portcullis serve``, from the ``mcp`` SDK's client in both eras.

Upstreams: ``@modelcontextprotocol/server-everything`` (npm, legacy era, stdio), ``mcp-server-time``
(PyPI, modern era) and the SDK fixture server of ``tests/servers`` (dual era, paginated). Every test
runs once with a legacy client (``initialize``, ``Mcp-Session-Id``) and once with a 2026-07-28 client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from pydantic import FileUrl

from tests.gateway.proc import PYTHON, SDK_FIXTURE, Gateway, running_gateway

MODES = ["legacy", "2026-07-28"]


@pytest.fixture(scope="module")
def gw(
    tmp_path_factory: pytest.TempPathFactory, everything_server: list[str], time_server: list[str]
) -> Iterator[Gateway]:
    servers: dict[str, Any] = {
        "ev": {"command": everything_server[0], "args": everything_server[1:]},
        "time": {"command": time_server[0], "args": time_server[1:]},
        "sdk": {"command": PYTHON, "args": [str(SDK_FIXTURE)]},
    }
    with running_gateway(tmp_path_factory.mktemp("peers"), servers) as gateway:
        yield gateway


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def _client(gw: Gateway, mode: str, **callbacks: Any) -> Client:
    # Entered inside each test: anyio cancel scopes must open and close in the same task.
    return Client(gw.url, mode=mode, cache=None, **callbacks)


async def _all_tools(c: Client) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(50):
        page = await c.list_tools(cursor=cursor)
        tools += page.tools
        cursor = page.next_cursor
        if not cursor:
            return tools
    raise AssertionError("tools/list never ended")


def _text(result: types.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


async def test_the_era_is_what_the_client_asked_for(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        modern = client.mode == "2026-07-28"
        assert (client.protocol_version == "2026-07-28") is modern
        health = gw.health()["servers"]
        assert (health["ev"]["era"], health["time"]["era"], health["sdk"]["era"]) == ("legacy", "modern", "modern")


async def test_tools_of_every_server_are_listed_with_prefixes_and_untouched(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        tools = {t.name: t for t in await _all_tools(client)}
        assert {"ev__echo", "ev__get-sum", "time__get_current_time", "time__convert_time", "sdk__echo"} <= set(tools)
        assert len([n for n in tools if n.startswith("sdk__")]) >= 25  # four upstream pages, all walked
        assert all("__" in n for n in tools)
        echo = tools["ev__echo"]
        assert echo.annotations is not None and echo.annotations.read_only_hint is True
        assert echo.input_schema["required"] == ["message"]
        current = tools["time__get_current_time"]
        assert current.output_schema is not None and "timezone" in current.output_schema["properties"]
        structured = tools["sdk__structured"]
        assert structured.output_schema == {
            "type": "object",
            "properties": {"sum": {"type": "number"}},
            "required": ["sum"],
        }


async def test_calls_reach_each_server(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        assert _text(await client.call_tool("ev__echo", {"message": "hi"})) == "Echo: hi"
        assert "5" in _text(await client.call_tool("ev__get-sum", {"a": 2, "b": 3}))
        got = await client.call_tool("time__get_current_time", {"timezone": "Asia/Tokyo"})
        assert got.is_error is False
        assert got.structured_content is not None and got.structured_content["timezone"] == "Asia/Tokyo"
        summed = await client.call_tool("sdk__structured", {"a": 2, "b": 5})
        assert summed.structured_content == {"sum": 7}


async def test_structured_content_and_annotations_pass_through(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        weather = await client.call_tool("ev__get-structured-content", {"location": "Chicago"})
        assert weather.structured_content is not None and "temperature" in weather.structured_content
        annotated = await client.call_tool("ev__get-annotated-message", {"messageType": "error"})
        assert annotated.content[0].annotations is not None
        assert annotated.content[0].annotations.priority == 1.0


async def test_a_tool_error_is_a_result_not_a_protocol_error(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        got = await client.call_tool("time__get_current_time", {"timezone": "Mars/Base"})
        assert got.is_error is True
        assert "Mars/Base" in _text(got)


async def test_unknown_tool_is_a_protocol_error(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        with pytest.raises(MCPError) as info:
            await client.call_tool("nosuchserver__echo", {})
        assert info.value.error.code == -32602
        assert "Unknown tool: nosuchserver__echo" in info.value.error.message
        # a tool its server does not list is unknown, answered without asking the server
        with pytest.raises(MCPError) as info:
            await client.call_tool("sdk__no-such-tool", {})
        assert info.value.error.code == -32602 and "Unknown tool: sdk__no-such-tool" in info.value.error.message


async def test_progress_is_relayed_from_a_legacy_and_a_modern_upstream(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        for name, args, steps in (
            ("ev__trigger-long-running-operation", {"duration": 0.3, "steps": 3}, 3),
            ("sdk__progress", {"count": 4, "delay_ms": 1}, 4),
        ):
            seen: list[tuple[float, float | None, str | None]] = []

            async def on_progress(
                progress: float,
                total: float | None,
                message: str | None,
                _seen: list[tuple[float, float | None, str | None]] = seen,
            ) -> None:
                _seen.append((progress, total, message))

            result = await client.call_tool(name, args, progress_callback=on_progress)
            assert result.is_error is not True
            assert [p for p, _, _ in seen] == list(range(1, steps + 1)), (name, seen)
            assert {t for _, t, _ in seen} == {steps}


async def test_resources_and_templates_route_to_their_owner(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        uris: list[str] = []
        cursor: str | None = None
        for _ in range(50):
            page = await client.list_resources(cursor=cursor)
            uris += [str(r.uri) for r in page.resources]
            cursor = page.next_cursor
            if not cursor:
                break
        assert any(u.startswith("demo://") for u in uris) and any(u.startswith("fixture://") for u in uris)
        ev_uri = next(u for u in uris if u.startswith("demo://resource/static/document/"))
        read = await client.read_resource(ev_uri)
        assert str(read.contents[0].uri) == ev_uri
        templates = await _all_templates(client)
        assert "fixture://item/{id}" in templates and "demo://resource/dynamic/text/{resourceId}" in templates
        item = await client.read_resource("fixture://item/42")  # never listed: routed by its template
        content = item.contents[0]
        assert isinstance(content, types.TextResourceContents) and content.text == "content of item 42"
        dynamic = await client.read_resource("demo://resource/dynamic/text/3")
        assert str(dynamic.contents[0].uri) == "demo://resource/dynamic/text/3"
        with pytest.raises(MCPError) as info:
            await client.read_resource("nowhere://at/all")
        assert info.value.error.code in (-32602, -32002)
        assert "nowhere://at/all" in info.value.error.message


async def _all_templates(client: Client) -> list[str]:
    templates: list[str] = []
    cursor: str | None = None
    for _ in range(50):
        page = await client.list_resource_templates(cursor=cursor)
        templates += [t.uri_template for t in page.resource_templates]
        cursor = page.next_cursor
        if not cursor:
            return templates
    raise AssertionError("resources/templates/list never ended")


async def test_prompts_and_completions(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode) as client:
        names: list[str] = []
        cursor: str | None = None
        for _ in range(50):
            page = await client.list_prompts(cursor=cursor)
            names += [p.name for p in page.prompts]
            cursor = page.next_cursor
            if not cursor:
                break
        assert {"ev__simple-prompt", "ev__args-prompt", "sdk__greet"} <= set(names)
        got = await client.get_prompt("ev__args-prompt", {"city": "Lisbon"})
        assert "Lisbon" in json.dumps(got.model_dump(mode="json"))
        greet = await client.get_prompt("sdk__greet", {"name": "Ada"})
        assert "Ada" in json.dumps(greet.model_dump(mode="json"))
        done = await client.complete(
            types.PromptReference(type="ref/prompt", name="ev__completable-prompt"),
            {"name": "department", "value": "Eng"},
        )
        assert done.completion.values == ["Engineering"]
        items = await client.complete(
            types.ResourceTemplateReference(type="ref/resource", uri="fixture://item/{id}"), {"name": "id", "value": ""}
        )
        assert items.completion.values
        with pytest.raises(MCPError) as info:
            await client.get_prompt("ev__no-such-prompt", {})
        assert info.value.error.code == -32602


async def _accept(context: Any, params: Any) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"name": "Ada"})


async def _model(context: Any, params: Any) -> types.CreateMessageResult:
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text="forty-two"),
        model="test-model",
        stop_reason="endTurn",
    )


async def _roots(context: Any) -> types.ListRootsResult:
    return types.ListRootsResult(roots=[types.Root(uri=FileUrl("file:///srv/project"), name="project")])


async def test_elicitation_and_sampling_are_bridged_to_a_modern_upstream(gw: Gateway, mode: str) -> None:
    async with _client(gw, mode, elicitation_callback=_accept, sampling_callback=_model) as c:
        elicited = await c.call_tool("sdk__elicit", {"message": "Who are you?"})
        assert elicited.structured_content == {"action": "accept", "content": {"name": "Ada"}}, elicited
        sampled = await c.call_tool("sdk__sample", {"prompt": "meaning of life?"})
        assert _text(sampled) == "model said: forty-two"


async def test_elicitation_sampling_and_roots_are_bridged_to_a_legacy_upstream(gw: Gateway, mode: str) -> None:
    async with _client(
        gw, mode, elicitation_callback=_accept, sampling_callback=_model, list_roots_callback=_roots
    ) as c:
        sampled = await c.call_tool("ev__trigger-sampling-request", {"prompt": "meaning of life?"})
        assert sampled.is_error is not True and "forty-two" in json.dumps(sampled.model_dump(mode="json")), sampled
        elicited = await c.call_tool("ev__trigger-elicitation-request", {})
        assert elicited.is_error is not True and "Ada" in json.dumps(elicited.model_dump(mode="json")), elicited
        roots = await c.call_tool("ev__get-roots-list", {})
        assert "file:///srv/project" in json.dumps(roots.model_dump(mode="json")), roots


async def test_a_client_without_the_capability_gets_a_clear_error(gw: Gateway) -> None:
    async with _client(gw, "legacy") as c:  # declares neither elicitation nor sampling
        with pytest.raises(MCPError) as info:
            await c.call_tool("sdk__elicit", {"message": "Who?"})
        assert info.value.error.code == -32021
        message = info.value.error.message
        assert "elicitation" in message and "'sdk'" in message  # what is missing, and who needed it


def test_the_gateway_log_names_each_upstream_era(gw: Gateway, tmp_path: Path) -> None:
    log = gw.log()
    assert "upstream ev ready (legacy era" in log
    assert "upstream time ready (modern era" in log
