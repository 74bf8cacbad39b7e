"""A fixture MCP server with every feature the gateway must forward, for the gateway's tests.

Run it as ``python tests/servers/fixture_server.py`` (stdio), ``--http PORT`` (Streamable HTTP at
127.0.0.1:PORT/mcp) or ``--sse PORT`` (legacy HTTP+SSE at /sse). It serves both protocol eras.

- ``tools/list`` pages over 25 tools, 7 per page (4 pages); resources page too (12, 5 per page),
  with the template ``fixture://item/{id}``; two prompts; completions for both.
- ``echo``, ``add``, ``structured`` (structuredContent + outputSchema), ``progress`` (N progress
  notifications), ``sleep`` + ``was_cancelled`` (did a ``sleep`` with that tag get cancelled?),
  ``crash`` (``os._exit``), ``add_tool`` and ``mutate_description`` (change the list at runtime —
  the rug pull — and send ``notifications/tools/list_changed``: on the legacy connection and to
  every modern ``subscriptions/listen`` stream), ``elicit`` / ``sample`` (a server→client request
  on legacy connections, an ``InputRequiredResult`` on modern ones), ``bad_result`` (a result that
  breaks the MCP schema: answered by a middleware, ahead of the SDK's result validation),
  ``stderr`` (writes a line to stderr), and ``noop_NN`` fillers.

Results that are not even JSON objects, or lines that are not JSON, come from ``raw_server.py``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import CallNext, ServerRequestContext
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from mcp.shared.exceptions import MCPError
from mcp.shared.message import ServerMessageMetadata
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel

from portcullis.demo.serve import ListChangedServer, main
from portcullis.demo.state import InvalidCursor, paginate

TOOLS_PAGE_SIZE = 7
RESOURCES_PAGE_SIZE = 5
Ctx = ServerRequestContext[Any, Any]


def _obj(properties: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties or {}, "required": list(required)}


_STR = {"type": "string"}
_NUM = {"type": "number"}
_RO = types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

_BASE_TOOLS: list[types.Tool] = [
    types.Tool(
        name="echo", description="Echo the text back.", input_schema=_obj({"text": _STR}, ("text",)), annotations=_RO
    ),
    types.Tool(
        name="add",
        description="Add two numbers.",
        input_schema=_obj({"a": _NUM, "b": _NUM}, ("a", "b")),
        annotations=_RO,
    ),
    types.Tool(
        name="structured",
        description="Add two numbers; the sum comes back as structuredContent.",
        input_schema=_obj({"a": _NUM, "b": _NUM}, ("a", "b")),
        output_schema=_obj({"sum": _NUM}, ("sum",)),
        annotations=_RO,
    ),
    types.Tool(
        name="progress",
        description="Send `count` progress notifications, then finish.",
        input_schema=_obj(
            {
                "count": {"type": "integer", "minimum": 0, "maximum": 50},
                "delay_ms": {"type": "integer", "minimum": 0, "maximum": 1000},
            }
        ),
    ),
    types.Tool(
        name="sleep",
        description="Sleep `seconds` (records whether it was cancelled, under `tag`).",
        input_schema=_obj({"seconds": _NUM, "tag": _STR}, ("seconds",)),
    ),
    types.Tool(
        name="was_cancelled",
        description="Tell what became of the `sleep` with this tag.",
        input_schema=_obj({"tag": _STR}),
        output_schema=_obj({"tag": _STR, "state": _STR}, ("tag", "state")),
    ),
    types.Tool(name="crash", description="Kill this server process at once.", input_schema=_obj({"code": _NUM})),
    types.Tool(
        name="add_tool",
        description="Add a tool at runtime and notify tools/list_changed.",
        input_schema=_obj({"name": _STR, "description": _STR}, ("name",)),
    ),
    types.Tool(
        name="mutate_description",
        description="Change a tool's description at runtime (a rug pull).",
        input_schema=_obj({"name": _STR, "description": _STR}, ("name", "description")),
    ),
    types.Tool(
        name="elicit",
        description="Ask the user a question through the client (elicitation).",
        input_schema=_obj({"message": _STR}),
    ),
    types.Tool(
        name="sample", description="Ask the client's model a question (sampling).", input_schema=_obj({"prompt": _STR})
    ),
    types.Tool(
        name="bad_result",
        description="Return a result that breaks the MCP schema.",
        input_schema=_obj(
            {"kind": {"type": "string", "enum": ["content_not_list", "no_content", "bad_block", "wrong_types"]}}
        ),
    ),
    types.Tool(name="stderr", description="Write a line to this server's stderr.", input_schema=_obj({"text": _STR})),
]
_FILLERS = [
    types.Tool(
        name=f"noop_{i:02d}", description=f"Filler tool number {i}; does nothing.", input_schema=_obj(), annotations=_RO
    )
    for i in range(1, 26 - len(_BASE_TOOLS))
]

_RESOURCES = [
    types.Resource(uri=f"fixture://item/{i:02d}", name=f"item-{i:02d}", description=f"Item {i}", mime_type="text/plain")
    for i in range(1, 13)
]
_PROMPTS = [
    types.Prompt(
        name="greet",
        description="Greet someone.",
        arguments=[types.PromptArgument(name="name", description="who", required=True)],
    ),
    types.Prompt(name="plain", description="A prompt without arguments."),
]
_NAMES = ["alice", "bob", "carol", "dave"]


class _NeedInput(Exception):
    """Carries the InputRequiredResult a modern tool call must return before it can go on."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("input required")
        self.result = result


class FixtureState:
    """What the tools change at runtime: the tool list, and the fate of each ``sleep``."""

    def __init__(self) -> None:
        self.tools: dict[str, types.Tool] = {t.name: t for t in [*_BASE_TOOLS, *_FILLERS]}
        self.sleeps: dict[str, str] = {}
        self.bus = InMemorySubscriptionBus()


def _text(text: str, **extra: Any) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], **extra)


def _modern(ctx: Ctx) -> bool:
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS


def _require_capability(ctx: Ctx, name: str) -> None:
    caps = ctx.session.client_capabilities
    if caps is None or getattr(caps, name, None) is None:
        raise MCPError(
            types.MISSING_REQUIRED_CLIENT_CAPABILITY,
            f"the client did not declare '{name}'",
            {"requiredCapabilities": {name: {}}},
        )


def build_server() -> ListChangedServer:
    state = FixtureState()

    async def notify_tools_changed(ctx: Ctx) -> None:
        if not _modern(ctx):
            try:
                await ctx.session.send_tool_list_changed()
            except Exception as exc:  # no standalone channel (e.g. HTTP without a GET stream)
                print(f"fixture: list_changed not sent: {exc!r}", file=sys.stderr)
        await state.bus.publish(ToolsListChanged())

    async def list_tools(ctx: Ctx, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        try:
            page = paginate(list(state.tools), params.cursor if params else None, TOOLS_PAGE_SIZE)
        except InvalidCursor as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from exc
        return types.ListToolsResult(tools=[state.tools[n] for n in page.items], next_cursor=page.next_cursor)

    async def ask(ctx: Ctx, params: types.CallToolRequestParams, key: str, request: dict[str, Any]) -> dict[str, Any]:
        """The client's answer as a wire dict: a server→client request (legacy) or an input round (modern).

        On a modern connection that has not answered yet, the InputRequiredResult is raised as
        ``_NeedInput`` for ``call_tool`` to return.
        """
        _require_capability(ctx, "elicitation" if request["method"] == "elicitation/create" else "sampling")
        if _modern(ctx):
            answer = (params.input_responses or {}).get(key)
            if answer is None:
                raise _NeedInput({"resultType": "input_required", "inputRequests": {key: request}})
            return answer.model_dump(by_alias=True, exclude_none=True)
        metadata = ServerMessageMetadata(related_request_id=ctx.request_id)
        result: BaseModel
        if request["method"] == "elicitation/create":
            result = await ctx.session.send_request(
                types.ElicitRequest(params=types.ElicitRequestFormParams.model_validate(request["params"])),
                types.ElicitResult,
                metadata=metadata,
            )
        else:
            result = await ctx.session.send_request(
                types.CreateMessageRequest(params=types.CreateMessageRequestParams.model_validate(request["params"])),
                types.CreateMessageResult,
                metadata=metadata,
            )
        return result.model_dump(by_alias=True, exclude_none=True)

    async def elicit(ctx: Ctx, params: types.CallToolRequestParams, args: dict[str, Any]) -> Any:
        schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
        request = {
            "method": "elicitation/create",
            "params": {
                "mode": "form",
                "message": str(args.get("message", "What is your name?")),
                "requestedSchema": schema,
            },
        }
        answer = await ask(ctx, params, "answer", request)
        action, content = answer.get("action"), answer.get("content")
        return _text(f"action={action} content={content}", structured_content={"action": action, "content": content})

    async def sample(ctx: Ctx, params: types.CallToolRequestParams, args: dict[str, Any]) -> Any:
        prompt = str(args.get("prompt", "Say hello"))
        request = {
            "method": "sampling/createMessage",
            "params": {"messages": [{"role": "user", "content": {"type": "text", "text": prompt}}], "maxTokens": 50},
        }
        answer = await ask(ctx, params, "completion", request)
        content = answer.get("content")
        return _text(f"model said: {content.get('text') if isinstance(content, dict) else content}")

    async def call_tool(ctx: Ctx, params: types.CallToolRequestParams) -> Any:
        name, args = params.name, dict(params.arguments or {})
        if name not in state.tools:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {name}")
        if name == "echo":
            return _text(str(args.get("text", "")))
        if name == "add":
            return _text(str(args["a"] + args["b"]))
        if name == "structured":
            total = args["a"] + args["b"]
            return _text(f"{total}", structured_content={"sum": total})
        if name == "progress":
            count, delay = int(args.get("count", 3)), int(args.get("delay_ms", 10)) / 1000
            for i in range(1, count + 1):
                await ctx.session.report_progress(i, count, f"{i}/{count}")
                await anyio.sleep(delay)
            return _text(f"sent {count} progress notifications")
        if name == "sleep":
            tag = str(args.get("tag", "default"))
            state.sleeps[tag] = "running"
            try:
                await anyio.sleep(float(args["seconds"]))
            except anyio.get_cancelled_exc_class():
                state.sleeps[tag] = "cancelled"
                raise
            state.sleeps[tag] = "completed"
            return _text(f"slept {args['seconds']}s")
        if name == "was_cancelled":
            tag = str(args.get("tag", "default"))
            fate = state.sleeps.get(tag, "unknown")
            return _text(fate, structured_content={"tag": tag, "state": fate})
        if name == "crash":
            os._exit(int(args.get("code", 3)))
        if name == "add_tool":
            new = types.Tool(
                name=str(args["name"]),
                description=str(args.get("description", "Added at runtime.")),
                input_schema=_obj(),
            )
            state.tools[new.name] = new
            await notify_tools_changed(ctx)
            return _text(f"added {new.name}")
        if name == "mutate_description":
            target = str(args["name"])
            if target not in state.tools:
                return _text(f"no tool {target!r}", is_error=True)
            state.tools[target] = state.tools[target].model_copy(update={"description": str(args["description"])})
            await notify_tools_changed(ctx)
            return _text(f"changed the description of {target}")
        if name in ("elicit", "sample"):
            try:
                return await (elicit if name == "elicit" else sample)(ctx, params, args)
            except _NeedInput as need:
                return need.result
        if name == "stderr":
            print(str(args.get("text", "hello from stderr")), file=sys.stderr, flush=True)
            return _text("written")
        return _text(f"{name} did nothing")

    async def list_resources(ctx: Ctx, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
        try:
            page = paginate([r.uri for r in _RESOURCES], params.cursor if params else None, RESOURCES_PAGE_SIZE)
        except InvalidCursor as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from exc
        return types.ListResourcesResult(
            resources=[r for r in _RESOURCES if r.uri in page.items], next_cursor=page.next_cursor
        )

    async def list_templates(
        ctx: Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    name="item", uri_template="fixture://item/{id}", description="an item by id", mime_type="text/plain"
                )
            ]
        )

    async def read_resource(ctx: Ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        if not uri.startswith("fixture://item/"):
            code = types.INVALID_PARAMS if _modern(ctx) else -32002
            raise MCPError(code, f"Resource not found: {uri}", {"uri": uri})
        item = uri.rsplit("/", 1)[1]
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="text/plain", text=f"content of item {item}")]
        )

    async def list_prompts(ctx: Ctx, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=_PROMPTS)

    async def get_prompt(ctx: Ctx, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        args = params.arguments or {}
        if params.name == "greet":
            text = f"Say hello to {args.get('name', 'nobody')}."
        elif params.name == "plain":
            text = "A plain prompt."
        else:
            raise MCPError(types.INVALID_PARAMS, f"Unknown prompt: {params.name}")
        return types.GetPromptResult(
            messages=[types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))]
        )

    async def complete(ctx: Ctx, params: types.CompleteRequestParams) -> types.CompleteResult:
        if isinstance(params.ref, types.PromptReference):
            options = _NAMES
        else:
            options = [r.uri.rsplit("/", 1)[1] for r in _RESOURCES]
        values = [o for o in options if o.startswith(params.argument.value)]
        return types.CompleteResult(completion=types.Completion(values=values, total=len(values), has_more=False))

    async def subscribe(ctx: Ctx, params: Any) -> types.EmptyResult:
        return types.EmptyResult()

    server = ListChangedServer(
        "portcullis-fixture",
        version="1.0.0",
        instructions="A fixture server for Portcullis tests.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
        on_subscribe_resource=subscribe,
        on_unsubscribe_resource=subscribe,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_completion=complete,
        on_subscriptions_listen=ListenHandler(state.bus),
    )
    server.middleware.insert(0, _bad_results)
    return server


_BAD_RESULTS: dict[str, Any] = {
    "content_not_list": {"content": "not a list"},
    "no_content": {"isError": "maybe"},
    "bad_block": {"content": [{"type": "bogus", "value": 1}]},
    "wrong_types": {"content": [{"type": "text", "text": 5}], "isError": "yes"},
}


async def _bad_results(ctx: Ctx, call_next: CallNext) -> Any:
    """Answer ``bad_result`` before the SDK's result validation: a middleware that does not call on is trusted."""
    params = ctx.params or {}
    if ctx.method == "tools/call" and params.get("name") == "bad_result":
        kind = (params.get("arguments") or {}).get("kind", "content_not_list")
        return _BAD_RESULTS.get(kind, {"content": 7})
    return await call_next(ctx)


if __name__ == "__main__":
    raise SystemExit(main(build_server(), description=__doc__.splitlines()[0] if __doc__ else None))
