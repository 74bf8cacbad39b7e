"""The demo upstream: a small MCP server whose tools span every risk category the gateway knows.

``portcullis serve --demo`` runs it (``python -m portcullis.demo``) as a stdio upstream, so a first
run needs no outside server. Its tools, by the category a gateway should give them:

- read: ``list_notes``, ``read_note``, ``get_balance``, ``list_records`` (cursor-paginated);
- write: ``write_note``;  execute: ``run_report`` (canned reports, harmless);
- destructive: ``delete_note``;  financial: ``transfer_funds`` (an in-memory fake ledger);
- slow: ``slow_task`` (sends ``notifications/progress`` when the request carries a progressToken).

``tools/list`` itself paginates, 4 tools per page. Notes are also resources (``note://NAME``,
paginated, plus the template ``note://{name}``); one prompt (``summarize_notes``) with completions.
Built on the low-level ``mcp`` Server, so it serves both protocol eras.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from portcullis.demo.serve import ListChangedServer
from portcullis.demo.state import DemoState, InvalidCursor, LedgerError, paginate
from portcullis.protocol import LEGACY_RESOURCE_NOT_FOUND

__all__ = ["TOOLS", "TOOLS_PAGE_SIZE", "build_server"]

TOOLS_PAGE_SIZE = 4
RESOURCES_PAGE_SIZE = 2
RECORDS_PAGE_SIZE = 5
_Ctx = ServerRequestContext[Any, Any]


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def _hints(
    *, read_only: bool, destructive: bool = False, idempotent: bool = False, open_world: bool = False
) -> types.ToolAnnotations:
    return types.ToolAnnotations(
        read_only_hint=read_only, destructive_hint=destructive, idempotent_hint=idempotent, open_world_hint=open_world
    )


_NAME = {"type": "string", "pattern": "^[a-z0-9_-]{1,40}$", "description": "the note's name"}

TOOLS: tuple[types.Tool, ...] = (
    types.Tool(
        name="list_notes",
        description="List the names of all notes.",
        input_schema=_schema({}),
        output_schema=_schema({"names": {"type": "array", "items": {"type": "string"}}}, ("names",)),
        annotations=_hints(read_only=True, idempotent=True),
    ),
    types.Tool(
        name="read_note",
        description="Read one note by name.",
        input_schema=_schema({"name": _NAME}, ("name",)),
        output_schema=_schema({"name": {"type": "string"}, "text": {"type": "string"}}, ("name", "text")),
        annotations=_hints(read_only=True, idempotent=True),
    ),
    types.Tool(
        name="write_note",
        description="Create a note or replace its text.",
        input_schema=_schema({"name": _NAME, "text": {"type": "string", "maxLength": 10000}}, ("name", "text")),
        annotations=_hints(read_only=False, idempotent=True),
    ),
    types.Tool(
        name="delete_note",
        description="Delete a note permanently. This cannot be undone.",
        input_schema=_schema({"name": _NAME}, ("name",)),
        annotations=_hints(read_only=False, destructive=True, idempotent=True),
    ),
    types.Tool(
        name="run_report",
        description="Run a canned report (note_count, word_count or ledger) and return its output.",
        input_schema=_schema(
            {"report": {"type": "string", "enum": ["note_count", "word_count", "ledger"]}}, ("report",)
        ),
        annotations=_hints(read_only=False),
    ),
    types.Tool(
        name="get_balance",
        description="Get the balance of a ledger account.",
        input_schema=_schema({"account": {"type": "string"}}, ("account",)),
        output_schema=_schema({"account": {"type": "string"}, "balance": {"type": "number"}}, ("account", "balance")),
        annotations=_hints(read_only=True, idempotent=True),
    ),
    types.Tool(
        name="transfer_funds",
        description="Transfer money between two ledger accounts (a fake in-memory "
        "ledger: checking, savings, treasury).",
        input_schema=_schema(
            {
                "from_account": {"type": "string"},
                "to_account": {"type": "string"},
                "amount": {"type": "number", "exclusiveMinimum": 0},
            },
            ("from_account", "to_account", "amount"),
        ),
        output_schema=_schema(
            {"balances": {"type": "object", "additionalProperties": {"type": "number"}}}, ("balances",)
        ),
        annotations=_hints(read_only=False),
    ),
    types.Tool(
        name="list_records",
        description="List records, a page at a time: pass the returned next_cursor to get the next page.",
        input_schema=_schema({"cursor": {"type": "string"}}),
        output_schema=_schema(
            {"records": {"type": "array", "items": {"type": "string"}}, "next_cursor": {"type": ["string", "null"]}},
            ("records", "next_cursor"),
        ),
        annotations=_hints(read_only=True, idempotent=True),
    ),
    types.Tool(
        name="slow_task",
        description="A slow task that reports progress after each step.",
        input_schema=_schema(
            {
                "steps": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                "delay_ms": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 100},
            }
        ),
        annotations=_hints(read_only=True, idempotent=True),
    ),
)
_BY_NAME = {tool.name: tool for tool in TOOLS}


def _text(text: str, *, structured: dict[str, Any] | None = None, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=structured, is_error=error
    )


def _str_arg(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"argument {key!r} must be a non-empty string")
    return value


def _int_arg(args: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = args.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"argument {key!r} must be a whole number from {low} to {high}")
    return value


def _not_found(ctx: _Ctx, uri: str) -> MCPError:
    # Resource-not-found is INVALID_PARAMS from 2026-07-28 on, LEGACY_RESOURCE_NOT_FOUND before.
    code = types.INVALID_PARAMS if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS else LEGACY_RESOURCE_NOT_FOUND
    return MCPError(code, f"Resource not found: {uri}", {"uri": uri})


def build_server(state: DemoState | None = None) -> Server[Any]:
    """Build the demo upstream around ``state`` (a fresh world by default)."""
    world = state or DemoState()

    async def list_tools(ctx: _Ctx, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        try:
            page = paginate([t.name for t in TOOLS], params.cursor if params else None, TOOLS_PAGE_SIZE)
        except InvalidCursor as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from exc
        return types.ListToolsResult(tools=[_BY_NAME[n] for n in page.items], next_cursor=page.next_cursor)

    async def call_tool(ctx: _Ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        if params.name not in _BY_NAME:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}")
        try:
            return await _run(ctx, params.name, dict(params.arguments or {}))
        except (ValueError, LedgerError, InvalidCursor) as exc:
            return _text(f"{params.name} failed: {exc}", error=True)

    async def _run(ctx: _Ctx, name: str, args: dict[str, Any]) -> types.CallToolResult:
        if name == "list_notes":
            names = sorted(world.notes)
            return _text(", ".join(names) or "(no notes)", structured={"names": names})
        if name == "read_note":
            note = _str_arg(args, "name")
            if note not in world.notes:
                return _text(f"no note named {note!r}", error=True)
            return _text(world.notes[note], structured={"name": note, "text": world.notes[note]})
        if name == "write_note":
            note, text = _str_arg(args, "name"), args.get("text")
            if not isinstance(text, str):
                raise ValueError("argument 'text' must be a string")
            replaced = world.write_note(note, text)
            return _text(f"{'replaced' if replaced else 'created'} note {note!r}")
        if name == "delete_note":
            note = _str_arg(args, "name")
            return _text(f"deleted note {note!r}" if world.delete_note(note) else f"no note named {note!r}")
        if name == "run_report":
            return _text(world.report(_str_arg(args, "report")))
        if name == "get_balance":
            account = _str_arg(args, "account")
            if account not in world.accounts:
                return _text(f"unknown account {account!r}", error=True)
            balance = world.accounts[account]
            return _text(f"{account}: {balance:.2f}", structured={"account": account, "balance": balance})
        if name == "transfer_funds":
            amount = args.get("amount")
            if isinstance(amount, bool) or not isinstance(amount, (int, float)):
                raise ValueError("argument 'amount' must be a number")
            balances = world.transfer(_str_arg(args, "from_account"), _str_arg(args, "to_account"), float(amount))
            summary = ", ".join(f"{a}={b:.2f}" for a, b in balances.items())
            return _text(f"transferred {amount:.2f}; balances now {summary}", structured={"balances": balances})
        if name == "list_records":
            cursor = args.get("cursor")
            page = paginate(world.records, cursor if isinstance(cursor, str) else None, RECORDS_PAGE_SIZE)
            body = {"records": list(page.items), "next_cursor": page.next_cursor}
            return _text(
                ", ".join(page.items) + (f" (next_cursor: {page.next_cursor})" if page.next_cursor else ""),
                structured=body,
            )
        # slow_task
        steps = _int_arg(args, "steps", 5, 1, 20)
        delay = _int_arg(args, "delay_ms", 100, 0, 1000) / 1000
        for step in range(1, steps + 1):
            await anyio.sleep(delay)
            await ctx.session.report_progress(step, steps, f"step {step} of {steps}")
        return _text(f"slow task finished after {steps} steps")

    async def list_resources(ctx: _Ctx, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
        uris = [f"note://{n}" for n in sorted(world.notes)] + ["demo://ledger"]
        try:
            page = paginate(uris, params.cursor if params else None, RESOURCES_PAGE_SIZE)
        except InvalidCursor as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from exc
        resources = [
            types.Resource(
                uri=u,
                name=u.split("://", 1)[1],
                description="the ledger's balances" if u == "demo://ledger" else "a note",
                mime_type="application/json" if u == "demo://ledger" else "text/plain",
            )
            for u in page.items
        ]
        return types.ListResourcesResult(resources=resources, next_cursor=page.next_cursor)

    async def list_templates(
        ctx: _Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        template = types.ResourceTemplate(
            name="note", uri_template="note://{name}", description="a note by name", mime_type="text/plain"
        )
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def read_resource(ctx: _Ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri == "demo://ledger":
            text, mime = json.dumps(world.accounts, sort_keys=True), "application/json"
        elif uri.startswith("note://") and uri[len("note://") :] in world.notes:
            text, mime = world.notes[uri[len("note://") :]], "text/plain"
        else:
            raise _not_found(ctx, uri)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)])

    prompt = types.Prompt(
        name="summarize_notes",
        description="Ask the model to summarize every note.",
        arguments=[types.PromptArgument(name="style", description="brief, detailed or bullets", required=False)],
    )

    async def list_prompts(ctx: _Ctx, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[prompt])

    async def get_prompt(ctx: _Ctx, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        if params.name != prompt.name:
            raise MCPError(types.INVALID_PARAMS, f"Unknown prompt: {params.name}")
        style = (params.arguments or {}).get("style", "brief")
        notes = "\n".join(f"- {n}: {t}" for n, t in sorted(world.notes.items()))
        message = types.PromptMessage(
            role="user", content=types.TextContent(type="text", text=f"Summarize these notes ({style}):\n{notes}")
        )
        return types.GetPromptResult(description="summarize the notes", messages=[message])

    async def complete(ctx: _Ctx, params: types.CompleteRequestParams) -> types.CompleteResult:
        if params.argument.name == "style":
            options = ["brief", "bullets", "detailed"]
        elif params.argument.name == "name":
            options = sorted(world.notes)
        else:
            options = []
        values = [o for o in options if o.startswith(params.argument.value)]
        return types.CompleteResult(completion=types.Completion(values=values, total=len(values), has_more=False))

    return ListChangedServer(
        "portcullis-demo",
        version="1.0.0",
        title="Portcullis demo upstream",
        instructions="A demo notebook and a fake ledger. Nothing here touches real money or files.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_completion=complete,
    )
