"""The MCP server the official conformance suite's SERVER scenarios expect, written for Portcullis.

The suite (``@modelcontextprotocol/conformance``, ``server --url``) calls fixed names: tools such
as ``test_simple_text``, ``test_tool_with_progress``, ``test_missing_capability`` and the
``test_input_required_result_*`` family, resources under ``test://`` and prompts ``test_*``. This
server provides them in both protocol eras: on a legacy connection ``test_sampling`` and
``test_elicitation`` send server→client requests; on a modern one the input comes through
``InputRequiredResult`` rounds whose ``requestState`` is HMAC-sealed.

``python tests/servers/conformance_server.py`` serves stdio (the gateway fronts it);
``--http PORT`` serves Streamable HTTP at 127.0.0.1:PORT/mcp for a direct baseline run.
The tasks extension (SEP-2663) is not implemented.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import json
import os
import struct
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.server.caching import CacheHint
from mcp.server.context import ServerRequestContext
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, PromptsListChanged, ToolsListChanged
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp.shared.message import ServerMessageMetadata
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel

from portcullis.demo.serve import ListChangedServer, main

Ctx = ServerRequestContext[Any, Any]
Handler = Callable[[Ctx, Any], Awaitable[Any]]
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
_KEY = os.urandom(32)
NO_CACHE = CacheHint(ttl_ms=0, scope="private")  # every cacheable result says: stale at once, this caller only


def _wav() -> str:
    """A 10 ms silent 8 kHz mono 8-bit WAV file, base64."""
    samples = b"\x80" * 80
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(samples))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
        + b"data"
        + struct.pack("<I", len(samples))
    )
    return base64.b64encode(header + samples).decode()


WAV = _wav()


def _obj(properties: dict[str, Any] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties or {}, "required": list(required)}


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], **extra}


def _complete(handler: Handler) -> Handler:
    """Mark a handler's dict results ``resultType: complete`` on modern connections (required from 2026-07-28)."""

    @functools.wraps(handler)
    async def wrapped(ctx: Ctx, params: Any) -> Any:
        result = await handler(ctx, params)
        if isinstance(result, dict) and "resultType" not in result and _modern(ctx):
            result = {"resultType": "complete", **result}
        return result

    return wrapped


def _modern(ctx: Ctx) -> bool:
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS


# ---- requestState: sealed so a tampered echo is refused ----------------------------------------


def seal(payload: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
    mac = hmac.new(_KEY, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unseal(token: str | None, tool: str) -> dict[str, Any]:
    body, _, mac = (token or "").partition(".")
    good = hmac.new(_KEY, body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, good):
        raise MCPError(types.INVALID_PARAMS, "requestState failed its integrity check")
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body.encode()))
    if payload.get("tool") != tool:
        raise MCPError(types.INVALID_PARAMS, "requestState belongs to another request")
    return payload


# ---- asking the client: a request (legacy) or an InputRequiredResult (modern) -------------------


def elicitation(message: str, properties: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {
        "method": "elicitation/create",
        "params": {"mode": "form", "message": message, "requestedSchema": _obj(properties, required)},
    }


def sampling(text: str, max_tokens: int = 100) -> dict[str, Any]:
    return {
        "method": "sampling/createMessage",
        "params": {"messages": [{"role": "user", "content": {"type": "text", "text": text}}], "maxTokens": max_tokens},
    }


ROOTS: dict[str, Any] = {"method": "roots/list", "params": {}}
_CAPABILITY = {"elicitation/create": "elicitation", "sampling/createMessage": "sampling", "roots/list": "roots"}


def input_required(requests: dict[str, dict[str, Any]], state: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"resultType": "input_required", "inputRequests": requests}
    if state is not None:
        result["requestState"] = seal(state)
    return result


def responses(params: types.CallToolRequestParams | types.GetPromptRequestParams) -> dict[str, dict[str, Any]]:
    """The client's answers of this round, as wire dicts."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in (params.input_responses or {}).items():
        out[key] = value.model_dump(by_alias=True, exclude_none=True) if isinstance(value, BaseModel) else value
    return out


def require(ctx: Ctx, capability: str) -> None:
    caps = ctx.session.client_capabilities
    if caps is None or getattr(caps, capability, None) is None:
        raise MCPError(
            types.MISSING_REQUIRED_CLIENT_CAPABILITY,
            f"this tool needs the client capability '{capability}'",
            {"requiredCapabilities": {capability: {}}},
        )


async def ask_legacy(ctx: Ctx, request: dict[str, Any]) -> dict[str, Any]:
    """Send one server→client request on a legacy connection and return the answer as a wire dict."""
    require(ctx, _CAPABILITY[request["method"]])
    metadata = ServerMessageMetadata(related_request_id=ctx.request_id)
    typed: BaseModel
    if request["method"] == "elicitation/create":
        typed = await ctx.session.send_request(
            types.ElicitRequest(params=types.ElicitRequestFormParams.model_validate(request["params"])),
            types.ElicitResult,
            metadata=metadata,
        )
    else:
        typed = await ctx.session.send_request(
            types.CreateMessageRequest(params=types.CreateMessageRequestParams.model_validate(request["params"])),
            types.CreateMessageResult,
            metadata=metadata,
        )
    return typed.model_dump(by_alias=True, exclude_none=True)


async def ask(
    ctx: Ctx, params: types.CallToolRequestParams, key: str, request: dict[str, Any]
) -> dict[str, Any] | None:
    """The client's answer to ``request``; None on a modern connection that has not answered yet."""
    if not _modern(ctx):
        return await ask_legacy(ctx, request)
    require(ctx, _CAPABILITY[request["method"]])
    return responses(params).get(key)


# ---- tools -------------------------------------------------------------------------------------

SCHEMA_2020_12: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}
SEP1034_SCHEMA = {
    "name": {"type": "string", "default": "John Doe"},
    "age": {"type": "integer", "default": 30},
    "score": {"type": "number", "default": 95.5},
    "status": {"type": "string", "enum": ["active", "inactive", "pending"], "default": "active"},
    "verified": {"type": "boolean", "default": True},
}
SEP1330_SCHEMA = {
    "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
    "titledSingle": {
        "type": "string",
        "oneOf": [
            {"const": "value1", "title": "First Option"},
            {"const": "value2", "title": "Second Option"},
            {"const": "value3", "title": "Third Option"},
        ],
    },
    "legacyEnum": {
        "type": "string",
        "enum": ["opt1", "opt2", "opt3"],
        "enumNames": ["Option One", "Option Two", "Option Three"],
    },
    "untitledMulti": {"type": "array", "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
    "titledMulti": {
        "type": "array",
        "items": {
            "anyOf": [
                {"const": "value1", "title": "First Choice"},
                {"const": "value2", "title": "Second Choice"},
                {"const": "value3", "title": "Third Choice"},
            ]
        },
    },
}
_NO_ARGS = [
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_error_handling",
    "test_tool_with_progress",
    "test_tool_with_logging",
    "test_logging_tool",
    "test_elicitation_sep1034_defaults",
    "test_elicitation_sep1330_enums",
    "test_missing_capability",
    "test_streaming_elicitation",
    "test_trigger_tool_change",
    "test_trigger_prompt_change",
    "test_input_required_result_elicitation",
    "test_input_required_result_sampling",
    "test_input_required_result_list_roots",
    "test_input_required_result_request_state",
    "test_input_required_result_multiple_inputs",
    "test_input_required_result_multi_round",
    "test_input_required_result_tampered_state",
    "test_input_required_result_capabilities",
]


def static_tools() -> list[dict[str, Any]]:
    tools = [{"name": n, "description": f"Conformance fixture tool {n}.", "inputSchema": _obj()} for n in _NO_ARGS]
    tools += [
        {
            "name": "test_sampling",
            "description": "Ask the client's model (sampling/createMessage).",
            "inputSchema": _obj({"prompt": {"type": "string"}}, ("prompt",)),
        },
        {
            "name": "test_elicitation",
            "description": "Ask the user through the client (elicitation/create).",
            "inputSchema": _obj({"message": {"type": "string"}}, ("message",)),
        },
        {
            "name": "json_schema_2020_12_tool",
            "description": "Tool with JSON Schema 2020-12 features",
            "inputSchema": SCHEMA_2020_12,
        },
        {
            "name": "test_custom_header",
            "description": "A tool whose region argument is mirrored in Mcp-Param-Region.",
            "inputSchema": _obj({"region": {"type": "string", "x-mcp-header": "Region"}}, ("region",)),
        },
    ]
    return tools


class World:
    """State changed at runtime: the toggling tool and prompt behind the list-changed triggers."""

    def __init__(self) -> None:
        self.extra_tool = False
        self.extra_prompt = False
        self.bus = InMemorySubscriptionBus()

    def tools(self) -> list[dict[str, Any]]:
        extra = (
            [
                {
                    "name": "test_dynamic_tool",
                    "description": "Appears after test_trigger_tool_change.",
                    "inputSchema": _obj(),
                }
            ]
            if self.extra_tool
            else []
        )
        return static_tools() + extra


async def logs(ctx: Ctx, lines: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        for i, line in enumerate(lines):
            if i:
                await anyio.sleep(0.05)
            await ctx.session.send_log_message("info", line, related_request_id=ctx.request_id)


async def mrtr_tool(ctx: Ctx, name: str, params: types.CallToolRequestParams) -> dict[str, Any]:
    """The ``test_input_required_result_*`` family (modern era only)."""
    got = responses(params)
    name_q = elicitation("What is your name?", {"name": {"type": "string"}}, ("name",))
    confirm = elicitation("Please confirm", {"ok": {"type": "boolean"}}, ("ok",))
    if name == "test_input_required_result_elicitation":
        if "user_name" not in got:
            return input_required({"user_name": name_q})
        return _text(f"Hello, {(got['user_name'].get('content') or {}).get('name', 'stranger')}!")
    if name == "test_input_required_result_sampling":
        if "capital_question" not in got:
            return input_required({"capital_question": sampling("What is the capital of France?")})
        return _text(f"The model answered: {(got['capital_question'].get('content') or {}).get('text')}")
    if name == "test_input_required_result_list_roots":
        if "client_roots" not in got:
            return input_required({"client_roots": ROOTS})
        return _text(f"The client has {len(got['client_roots'].get('roots') or [])} root(s)")
    if name in ("test_input_required_result_request_state", "test_input_required_result_tampered_state"):
        if params.request_state is None:
            return input_required({"confirm": confirm}, {"tool": name, "round": 1})
        unseal(params.request_state, name)
        if "confirm" not in got:
            return input_required({"confirm": confirm}, {"tool": name, "round": 1})
        return _text("state-ok: the requestState was verified")
    if name == "test_input_required_result_multiple_inputs":
        wanted = {"user_name": name_q, "greeting": sampling("Generate a greeting", 50), "client_roots": ROOTS}
        if params.request_state is not None:
            unseal(params.request_state, name)
        missing = {k: v for k, v in wanted.items() if k not in got}
        if params.request_state is None or missing:
            return input_required(missing or wanted, {"tool": name, "round": 1})
        return _text("received all three inputs")
    if name == "test_input_required_result_multi_round":
        step1 = elicitation("Step 1: What is your name?", {"name": {"type": "string"}}, ("name",))
        if params.request_state is None:
            return input_required({"step1": step1}, {"tool": name, "round": 1})
        state = unseal(params.request_state, name)
        if state["round"] == 1 and "step1" not in got:
            return input_required({"step1": step1}, state)
        if state["round"] == 1:
            person = (got["step1"].get("content") or {}).get("name", "?")
            color_q = elicitation("Step 2: What is your favorite color?", {"color": {"type": "string"}}, ("color",))
            return input_required({"step2": color_q}, {"tool": name, "round": 2, "name": person})
        if "step2" not in got:
            return input_required(
                {
                    "step2": elicitation(
                        "Step 2: What is your favorite color?", {"color": {"type": "string"}}, ("color",)
                    )
                },
                state,
            )
        color = (got["step2"].get("content") or {}).get("color", "?")
        return _text(f"{state.get('name')} likes {color}")
    # test_input_required_result_capabilities: ask only for what the client declared
    caps = ctx.session.client_capabilities
    offer = {
        "sampling": ("capital_question", sampling("What is the capital of France?")),
        "elicitation": ("user_name", name_q),
        "roots": ("client_roots", ROOTS),
    }
    wanted = {key: req for cap, (key, req) in offer.items() if caps is not None and getattr(caps, cap) is not None}
    missing = {k: v for k, v in wanted.items() if k not in got}
    return input_required(missing) if missing else _text(f"answered: {', '.join(sorted(wanted)) or 'nothing'}")


def build_server() -> ListChangedServer:
    world = World()

    @_complete
    async def list_tools(ctx: Ctx, params: types.PaginatedRequestParams | None) -> dict[str, Any]:
        return {"tools": world.tools()}

    @_complete
    async def call_tool(ctx: Ctx, params: types.CallToolRequestParams) -> Any:
        name, args = params.name, dict(params.arguments or {})
        if name not in {t["name"] for t in world.tools()}:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {name}")
        if name.startswith("test_input_required_result_"):
            if not _modern(ctx):
                raise MCPError(types.INVALID_PARAMS, f"{name} needs protocol 2026-07-28 (InputRequiredResult)")
            return await mrtr_tool(ctx, name, params)
        simple = {
            "test_simple_text": _text("This is a simple text response for testing."),
            "test_image_content": {"content": [{"type": "image", "data": PNG, "mimeType": "image/png"}]},
            "test_audio_content": {"content": [{"type": "audio", "data": WAV, "mimeType": "audio/wav"}]},
            "test_embedded_resource": {
                "content": [
                    {
                        "type": "resource",
                        "resource": {
                            "uri": "test://embedded-resource",
                            "mimeType": "text/plain",
                            "text": "This is an embedded resource content.",
                        },
                    }
                ]
            },
            "test_multiple_content_types": {
                "content": [
                    {"type": "text", "text": "Multiple content types test:"},
                    {"type": "image", "data": PNG, "mimeType": "image/png"},
                    {
                        "type": "resource",
                        "resource": {
                            "uri": "test://mixed-content-resource",
                            "mimeType": "application/json",
                            "text": json.dumps({"test": "data", "value": 123}),
                        },
                    },
                ]
            },
            "test_error_handling": _text("This tool intentionally returns an error for testing", isError=True),
            "test_dynamic_tool": _text("the dynamic tool ran"),
            "json_schema_2020_12_tool": _text(f"received {json.dumps(args, sort_keys=True)}"),
            "test_custom_header": _text(f"region {args.get('region')}"),
        }
        if name in simple:
            return simple[name]
        if name == "test_tool_with_progress":
            for step in (0, 50, 100):
                await ctx.session.report_progress(step, 100)
                if step < 100:
                    await anyio.sleep(0.05)
            return _text("progress reported")
        if name in ("test_tool_with_logging", "test_logging_tool"):
            await logs(ctx, ["Tool execution started", "Tool processing data", "Tool execution completed"])
            return _text("logging tool finished")
        if name in ("test_trigger_tool_change", "test_trigger_prompt_change"):
            tools = name == "test_trigger_tool_change"
            if tools:
                world.extra_tool = not world.extra_tool
            else:
                world.extra_prompt = not world.extra_prompt
            await world.bus.publish(ToolsListChanged() if tools else PromptsListChanged())
            if not _modern(ctx):
                with contextlib.suppress(Exception):  # no standalone channel on this connection
                    await (ctx.session.send_tool_list_changed() if tools else ctx.session.send_prompt_list_changed())
            return _text(f"the {'tool' if tools else 'prompt'} list changed")
        if name == "test_missing_capability":
            answer = await ask(ctx, params, "completion", sampling("Say something"))
            return input_required({"completion": sampling("Say something")}) if answer is None else _text("ok")
        question: tuple[str, dict[str, Any]]
        if name == "test_sampling":
            question = ("completion", sampling(str(args.get("prompt", ""))))
        elif name == "test_elicitation":
            question = (
                "user",
                elicitation(
                    str(args.get("message", "")),
                    {
                        "username": {"type": "string", "description": "User's response"},
                        "email": {"type": "string", "description": "User's email address"},
                    },
                    ("username", "email"),
                ),
            )
        elif name == "test_elicitation_sep1034_defaults":
            question = ("user", elicitation("Please review the defaults", SEP1034_SCHEMA, ()))
        elif name == "test_elicitation_sep1330_enums":
            question = ("user", elicitation("Please choose", SEP1330_SCHEMA, ()))
        else:  # test_streaming_elicitation
            question = ("user", elicitation("Streaming question", {"answer": {"type": "string"}}, ("answer",)))
        answer = await ask(ctx, params, *question)
        if answer is None:
            return input_required(dict([question]))
        if name == "test_sampling":
            return _text(f"LLM response: {(answer.get('content') or {}).get('text')}")
        if name == "test_elicitation":
            return _text(f"User response: <action: {answer.get('action')}, content: {answer.get('content')}>")
        return _text(f"Elicitation completed: action={answer.get('action')}, content={answer.get('content')}")

    resources = {
        "test://static-text": ("text/plain", "This is the content of the static text resource."),
        "test://static-binary": ("image/png", None),
        "test://watched-resource": ("text/plain", "A resource clients may subscribe to."),
    }

    @_complete
    async def list_resources(ctx: Ctx, params: types.PaginatedRequestParams | None) -> dict[str, Any]:
        return {
            "resources": [
                {"uri": u, "name": u.removeprefix("test://"), "description": f"The resource {u}", "mimeType": mime}
                for u, (mime, _) in resources.items()
            ]
        }

    @_complete
    async def list_templates(ctx: Ctx, params: types.PaginatedRequestParams | None) -> dict[str, Any]:
        return {
            "resourceTemplates": [
                {
                    "uriTemplate": "test://template/{id}/data",
                    "name": "template-data",
                    "description": "Data for an id",
                    "mimeType": "application/json",
                }
            ]
        }

    @_complete
    async def read_resource(ctx: Ctx, params: types.ReadResourceRequestParams) -> dict[str, Any]:
        uri = str(params.uri)
        if uri == "test://static-binary":
            return {"contents": [{"uri": uri, "mimeType": "image/png", "blob": PNG}]}
        if uri in resources:
            mime, text = resources[uri]
            return {"contents": [{"uri": uri, "mimeType": mime, "text": text}]}
        parts = uri.split("/")
        if uri.startswith("test://template/") and len(parts) == 5 and parts[4] == "data":
            body = {"id": parts[3], "templateTest": True, "data": f"Data for ID: {parts[3]}"}
            return {"contents": [{"uri": uri, "mimeType": "application/json", "text": json.dumps(body)}]}
        raise MCPError(types.INVALID_PARAMS if _modern(ctx) else -32002, "Resource not found", {"uri": uri})

    @_complete
    async def subscription(ctx: Ctx, params: Any) -> dict[str, Any]:
        return {}

    def prompts() -> list[dict[str, Any]]:
        arg = {"name": "resourceUri", "description": "URI of the resource to embed", "required": True}
        found: list[dict[str, Any]] = [
            {"name": "test_simple_prompt", "description": "A simple prompt without arguments"},
            {
                "name": "test_prompt_with_arguments",
                "description": "A prompt with two arguments",
                "arguments": [
                    {"name": "arg1", "description": "First test argument", "required": True},
                    {"name": "arg2", "description": "Second test argument", "required": True},
                ],
            },
            {
                "name": "test_prompt_with_embedded_resource",
                "description": "A prompt with a resource",
                "arguments": [arg],
            },
            {"name": "test_prompt_with_image", "description": "A prompt with an image"},
            {"name": "test_input_required_result_prompt", "description": "A prompt that needs elicited input"},
        ]
        if world.extra_prompt:
            found.append({"name": "test_dynamic_prompt", "description": "Appears after test_trigger_prompt_change"})
        return found

    @_complete
    async def list_prompts(ctx: Ctx, params: types.PaginatedRequestParams | None) -> dict[str, Any]:
        return {"prompts": prompts()}

    def user(content: dict[str, Any]) -> dict[str, Any]:
        return {"role": "user", "content": content}

    def text(line: str) -> dict[str, Any]:
        return user({"type": "text", "text": line})

    @_complete
    async def get_prompt(ctx: Ctx, params: types.GetPromptRequestParams) -> dict[str, Any]:
        args = params.arguments or {}
        if params.name == "test_simple_prompt":
            return {"messages": [text("This is a simple prompt for testing.")]}
        if params.name == "test_prompt_with_arguments":
            return {"messages": [text(f"Prompt with arguments: arg1='{args.get('arg1')}', arg2='{args.get('arg2')}'")]}
        if params.name == "test_prompt_with_embedded_resource":
            resource = {
                "uri": args.get("resourceUri", "test://example-resource"),
                "mimeType": "text/plain",
                "text": "Embedded resource content for testing.",
            }
            return {
                "messages": [
                    user({"type": "resource", "resource": resource}),
                    text("Please process the embedded resource above."),
                ]
            }
        if params.name == "test_prompt_with_image":
            return {
                "messages": [
                    user({"type": "image", "data": PNG, "mimeType": "image/png"}),
                    text("Please analyze the image above."),
                ]
            }
        if params.name == "test_dynamic_prompt" and world.extra_prompt:
            return {"messages": [text("The dynamic prompt.")]}
        if params.name == "test_input_required_result_prompt" and _modern(ctx):
            got = responses(params)
            if "user_context" not in got:
                return input_required(
                    {
                        "user_context": elicitation(
                            "What context should the prompt use?", {"context": {"type": "string"}}, ("context",)
                        )
                    }
                )
            context = (got["user_context"].get("content") or {}).get("context", "")
            return {"messages": [text(f"Use this context: {context}")]}
        raise MCPError(types.INVALID_PARAMS, f"Unknown prompt: {params.name}")

    @_complete
    async def complete(ctx: Ctx, params: types.CompleteRequestParams) -> dict[str, Any]:
        options = ["paris", "park", "party"] if params.argument.name == "arg1" else ["123", "456", "789"]
        values = [o for o in options if o.startswith(params.argument.value)]
        return {"completion": {"values": values, "total": len(values), "hasMore": False}}

    @_complete
    async def set_level(ctx: Ctx, params: types.SetLevelRequestParams) -> dict[str, Any]:
        return {}

    server = ListChangedServer(
        "portcullis-conformance-fixture",
        version="1.0.0",
        cache_hints={
            "tools/list": NO_CACHE,
            "prompts/list": NO_CACHE,
            "resources/list": NO_CACHE,
            "resources/templates/list": NO_CACHE,
            "resources/read": NO_CACHE,
            "server/discover": NO_CACHE,
        },
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
        on_subscribe_resource=subscription,
        on_unsubscribe_resource=subscription,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_completion=complete,
        on_subscriptions_listen=ListenHandler(world.bus),
    )
    server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, set_level)
    return server


if __name__ == "__main__":
    raise SystemExit(main(build_server(), description="the Portcullis conformance fixture server"))
