"""A small MCP server over stdio, written on raw JSON-RPC so that every behaviour is under the test's control.

Run as ``python fixture_upstream.py --name NAME [--era legacy|modern|dual] [--tools N] [--page-size K]
[--state DIR]``. It imports only the standard library, so it starts in a few tens of milliseconds.

Eras: ``legacy`` answers ``initialize`` only (``server/discover`` gets -32601), ``modern`` answers
``server/discover`` only and insists on ``_meta`` in every request, ``dual`` does both.

Tools (``tools/call``):

- ``echo {text}``: text content, ``structuredContent``, ``_meta``; the tool has ``outputSchema``,
  annotations and ``_meta`` so pass-through can be checked.
- ``add_tool {name}``: adds a tool and sends ``notifications/tools/list_changed`` (modern: only on an
  open ``subscriptions/listen`` stream, as the 2026-07-28 spec says).
- ``crash``: the process exits at once (code 3) without answering.
- ``progress {steps, pause}``: one ``notifications/progress`` per step with the request's token, ``pause``
  seconds apart (default 0.01), then ``done`` (with ``--state``, a line in ``DIR/progress`` once sent).
- ``sleep {seconds}``: answers after a while; a ``notifications/cancelled`` for it stops it silently.
- ``cancelled``: the ids and reasons of the requests cancelled so far (``structuredContent``).
- ``elicit {message, delay}`` / ``sample {prompt}`` / ``roots``: legacy sessions send ``elicitation/create`` /
  ``sampling/createMessage`` / ``roots/list`` to the client; modern requests get an ``input_required``
  result and finish on the retry that carries ``inputResponses`` and the ``requestState``. ``delay``
  seconds pass before a legacy question is sent.
- ``progress_seen``: the ``notifications/progress`` the client sent us (e.g. while answering
  ``sample``, whose request carries the progress token ``NAME-sampling``).
- ``touch {uri, always, times}``: ``notifications/resources/updated`` (``times`` times, default once) to
  the subscribers of ``uri`` (legacy:
  ``resources/subscribe``; modern: ``resourceSubscriptions`` of an open ``subscriptions/listen``);
  with ``always: true`` also when nobody subscribed (an upstream gone bad).
- ``ask_then_cancel``: sends ``elicitation/create``, then ``notifications/cancelled`` for it, then answers.
- ``bad {kind}``: a broken result (``content_not_list``, ``is_error_string``, ``result_not_object``,
  ``no_result``, ``error_shape``, ``not_json``), or a result whose text is not valid Unicode
  (``lone_surrogate``: half an emoji escaped, as JavaScript's ``JSON.stringify`` writes a string cut
  through a surrogate pair; ``bad_utf8``: bytes that are not UTF-8).
- ``handshakes``: how many ``initialize``/``server/discover`` requests this process has seen.
- ``pid``: this process's id. ``meta_seen``: the ``_meta`` this very request carried.

With ``--tools N`` it also lists ``N`` generated tools ``t000``… in pages of ``--page-size`` (cursors
``p<offset>``), after the fixed tools. Resources ``fx://NAME/static`` and the template
``fx://NAME/item/{id}``, the prompt ``greet {who}`` and completion of its argument are there too
(``--uri-host HOST`` puts HOST in those URIs instead of NAME: several servers then list the same URIs,
and each answers a read with ``NAME:URI``).

``--list-delay S``: ``tools/list`` answers after S seconds (so that concurrent listings overlap).

``--bad-list``: ``tools/list`` answers with a tool that breaks the schema (a number for a name).

``--state DIR``: every start appends a line to ``DIR/starts``, every ``tools/list`` request one to
``DIR/tools-lists``; while ``DIR/hold`` exists the process
exits at once (code 4), which makes a restart fail so tests can watch the backoff; while ``DIR/slow``
exists it waits before serving (a restart that takes long).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

MODERN = "2026-07-28"
LEGACY = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
SUB_KEY = "io.modelcontextprotocol/subscriptionId"


def _text(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": False}


class Fixture:
    def __init__(self, args: argparse.Namespace) -> None:
        self.name: str = args.name
        self.uri_host: str = args.uri_host or args.name
        self.era: str = args.era
        self.generated = [f"t{i:03d}" for i in range(args.tools)]
        self.page_size: int = args.page_size
        self.bad_list: bool = args.bad_list
        self.list_delay: float = args.list_delay
        self.state: Path | None = Path(args.state) if args.state else None
        self.extra_tools: list[str] = []
        self.initialized = False
        self.handshakes = 0
        self.tasks: dict[Any, asyncio.Task[None]] = {}
        self.cancelled: list[dict[str, Any]] = []
        self.listens: dict[Any, dict[str, Any]] = {}
        self.subscribed: set[str] = set()
        self.progress_in: list[dict[str, Any]] = []
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.next_out = 0
        self.out = sys.stdout.buffer

    # -- wire ------------------------------------------------------------------------------
    def send(self, msg: dict[str, Any]) -> None:
        self.out.write(json.dumps(msg).encode() + b"\n")
        self.out.flush()

    def result(self, rid: Any, result: dict[str, Any]) -> None:
        self.send({"jsonrpc": "2.0", "id": rid, "result": result})

    def error(self, rid: Any, code: int, message: str) -> None:
        self.send({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})

    async def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_out += 1
        rid = f"fx-{self.next_out}"
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[rid] = fut
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return await fut

    def notify_changed(self, method: str, filter_key: str) -> None:
        if self.era != "modern" and self.initialized:
            self.send({"jsonrpc": "2.0", "method": method})
        for sub_id, filters in self.listens.items():
            if filters.get(filter_key):
                self.send({"jsonrpc": "2.0", "method": method, "params": {"_meta": {SUB_KEY: sub_id}}})

    # -- catalogue -------------------------------------------------------------------------
    def tool_defs(self) -> list[dict[str, Any]]:
        obj = {"type": "object"}
        fixed: list[dict[str, Any]] = [
            {
                "name": "echo",
                "description": "Echo the text back.",
                "title": "Echo",
                "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
                "outputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
                "annotations": {"readOnlyHint": True, "openWorldHint": False, "title": "Echo"},
                "_meta": {"fixture/tool": self.name},
            },
        ]
        for name in (
            "add_tool",
            "crash",
            "progress",
            "sleep",
            "cancelled",
            "elicit",
            "sample",
            "roots",
            "bad",
            "handshakes",
            "pid",
            "meta_seen",
            "ask_then_cancel",
            "touch",
            "progress_seen",
        ):
            fixed.append({"name": name, "description": f"fixture tool {name}", "inputSchema": obj})
        fixed += [{"name": n, "description": "added at run time", "inputSchema": obj} for n in self.extra_tools]
        fixed += [{"name": n, "description": f"generated tool {n}", "inputSchema": obj} for n in self.generated]
        return fixed

    def capabilities(self) -> dict[str, Any]:
        return {
            "tools": {"listChanged": True},
            "resources": {"subscribe": True, "listChanged": True},
            "prompts": {"listChanged": True},
            "completions": {},
        }

    # -- requests --------------------------------------------------------------------------
    async def handle(self, msg: dict[str, Any]) -> None:
        rid, method = msg["id"], msg["method"]
        params = msg.get("params") or {}
        meta = params.get("_meta") or {}
        if method == "initialize":
            self.handshakes += 1
            if self.era == "modern":
                self.error(rid, -32600, "this server speaks only 2026-07-28")
                return
            asked = params.get("protocolVersion")
            self.result(
                rid,
                {
                    "protocolVersion": asked if asked in LEGACY else LEGACY[-1],
                    "capabilities": self.capabilities(),
                    "serverInfo": {"name": f"fixture-{self.name}", "version": "1.0"},
                },
            )
            return
        if method == "server/discover":
            self.handshakes += 1
            if self.era == "legacy":
                self.error(rid, -32601, "Method not found: server/discover")
                return
            versions = [MODERN] if self.era == "modern" else [*LEGACY, MODERN]
            self.result(
                rid,
                {
                    "supportedVersions": versions,
                    "capabilities": self.capabilities(),
                    "serverInfo": {"name": f"fixture-{self.name}", "version": "1.0"},
                    "resultType": "complete",
                    "ttlMs": 0,
                    "cacheScope": "private",
                },
            )
            return
        if method == "ping":
            self.result(rid, {})
            return
        modern = meta.get(VERSION_KEY) == MODERN
        if self.era == "modern" and not modern:
            self.error(rid, -32602, "missing _meta protocolVersion (this server speaks only 2026-07-28)")
            return
        if self.era == "legacy" and not self.initialized:
            self.error(rid, -32600, "not initialized")
            return
        if method == "tools/list":
            if self.state is not None:
                with (self.state / "tools-lists").open("a") as f:
                    f.write(f"{rid}\n")
            if self.list_delay:
                await asyncio.sleep(self.list_delay)
        if method == "tools/list" and self.bad_list:
            self.result(rid, {"tools": [{"name": 42, "inputSchema": "none"}]})
            return
        if method == "tools/list":
            tools = self.tool_defs()
            fixed = len(tools) - len(self.generated)
            cursor = params.get("cursor")
            if self.generated:
                start = int(cursor[1:]) if isinstance(cursor, str) and cursor.startswith("p") else 0
                if start == 0:
                    page = tools[:fixed]
                    nxt = fixed
                else:
                    page = tools[start : start + self.page_size]
                    nxt = start + self.page_size
                out: dict[str, Any] = {"tools": page}
                if nxt < len(tools):
                    out["nextCursor"] = f"p{nxt}"
                self.result(rid, out)
            else:
                self.result(rid, {"tools": tools})
            return
        if method == "tools/call":
            await self.call(rid, params, modern)
            return
        if method == "resources/list":
            self.result(
                rid,
                {"resources": [{"uri": f"fx://{self.uri_host}/static", "name": "static", "mimeType": "text/plain"}]},
            )
            return
        if method == "resources/templates/list":
            self.result(
                rid, {"resourceTemplates": [{"uriTemplate": f"fx://{self.uri_host}/item/{{id}}", "name": "item"}]}
            )
            return
        if method == "resources/read":
            uri = str(params.get("uri"))
            if uri == f"fx://{self.uri_host}/static" or uri.startswith(f"fx://{self.uri_host}/item/"):
                self.result(rid, {"contents": [{"uri": uri, "mimeType": "text/plain", "text": f"{self.name}:{uri}"}]})
            else:
                self.error(rid, -32602, f"Resource not found: {uri}")
            return
        if method == "prompts/list":
            self.result(rid, {"prompts": [{"name": "greet", "arguments": [{"name": "who", "required": True}]}]})
            return
        if method == "prompts/get":
            if params.get("name") != "greet":
                self.error(rid, -32602, f"Unknown prompt: {params.get('name')}")
                return
            who = (params.get("arguments") or {}).get("who", "?")
            self.result(
                rid,
                {"messages": [{"role": "user", "content": {"type": "text", "text": f"Hello {who} from {self.name}"}}]},
            )
            return
        if method == "completion/complete":
            value = (params.get("argument") or {}).get("value", "")
            names = [n for n in ("alice", "albert", "bob") if n.startswith(value)]
            self.result(rid, {"completion": {"values": names, "total": len(names), "hasMore": False}})
            return
        if method == "subscriptions/listen":
            filters = params.get("notifications") or {}
            self.listens[rid] = filters
            honored = dict(filters)
            self.send(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/subscriptions/acknowledged",
                    "params": {"notifications": honored, "_meta": {SUB_KEY: rid}},
                }
            )
            return  # answered only when the stream ends
        if method == "resources/subscribe" and self.era != "modern":
            uri = str(params.get("uri"))
            if not uri.startswith(f"fx://{self.uri_host}/"):
                self.error(rid, -32602, f"Resource not found: {uri}")
                return
            self.subscribed.add(uri)
            self.result(rid, {})
            return
        if method == "resources/unsubscribe" and self.era != "modern":
            self.subscribed.discard(str(params.get("uri")))
            self.result(rid, {})
            return
        if method == "logging/setLevel" and self.era != "modern":
            self.result(rid, {})
            return
        self.error(rid, -32601, f"Method not found: {method}")

    async def call(self, rid: Any, params: dict[str, Any], modern: bool) -> None:
        name = params.get("name")
        args = params.get("arguments") or {}
        meta = params.get("_meta") or {}
        if name == "echo":
            text = str(args.get("text", ""))
            self.result(
                rid,
                {
                    "content": [{"type": "text", "text": text}],
                    "structuredContent": {"text": text},
                    "isError": False,
                    "_meta": {"fixture/echoed": True},
                },
            )
        elif name == "add_tool":
            self.extra_tools.append(str(args.get("name", f"extra{len(self.extra_tools)}")))
            self.notify_changed("notifications/tools/list_changed", "toolsListChanged")
            self.result(rid, _text("added"))
        elif name == "crash":
            sys.stdout.flush()
            os._exit(3)
        elif name == "progress":
            token = meta.get("progressToken")
            steps = int(args.get("steps", 3))
            pause = float(args.get("pause", 0.01))
            for i in range(steps):
                if token is not None:
                    self.send(
                        {
                            "jsonrpc": "2.0",
                            "method": "notifications/progress",
                            "params": {
                                "progressToken": token,
                                "progress": i + 1,
                                "total": steps,
                                "message": f"step {i + 1}",
                            },
                        }
                    )
                if pause or i % 1000 == 999:
                    await asyncio.sleep(pause)
            self.result(rid, _text("done"))
            if self.state is not None:
                with (self.state / "progress").open("a") as f:
                    f.write(f"{steps} steps sent\n")
        elif name == "sleep":
            await asyncio.sleep(float(args.get("seconds", 1)))
            self.result(rid, _text("slept"))
        elif name == "progress_seen":
            self.result(
                rid,
                {
                    "content": [{"type": "text", "text": json.dumps(self.progress_in)}],
                    "structuredContent": {"progress": self.progress_in},
                    "isError": False,
                },
            )
        elif name == "cancelled":
            self.result(
                rid,
                {
                    "content": [{"type": "text", "text": json.dumps(self.cancelled)}],
                    "structuredContent": {"cancelled": self.cancelled},
                    "isError": False,
                },
            )
        elif name in ("elicit", "sample", "roots"):
            await self.ask_client(rid, str(name), args, params, modern)
        elif name == "touch":
            uri = str(args.get("uri"))
            for _ in range(int(args.get("times", 1))):
                self.touch(uri, args.get("always") is True)
            self.result(rid, _text(f"touched {uri}"))
        elif name == "ask_then_cancel":
            await self.ask_then_cancel(rid)
        elif name == "bad":
            self.bad(rid, str(args.get("kind")))
        elif name == "handshakes":
            self.result(rid, _text(str(self.handshakes)))
        elif name == "pid":
            self.result(rid, _text(str(os.getpid())))
        elif name == "meta_seen":
            self.result(
                rid,
                {
                    "content": [{"type": "text", "text": json.dumps(meta)}],
                    "structuredContent": {"meta": meta},
                    "isError": False,
                },
            )
        elif name in self.generated or name in self.extra_tools:
            self.result(rid, _text(f"{name} ran"))
        else:
            self.error(rid, -32602, f"Unknown tool: {name}")

    async def ask_client(self, rid: Any, name: str, args: dict[str, Any], params: dict[str, Any], modern: bool) -> None:
        ask: dict[str, Any]
        if name == "elicit":
            method = "elicitation/create"
            ask = {
                "message": str(args.get("message", "Your name?")),
                "mode": "form",
                "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
            }
        elif name == "sample":
            method = "sampling/createMessage"
            ask = {
                "messages": [{"role": "user", "content": {"type": "text", "text": str(args.get("prompt", "hi"))}}],
                "maxTokens": 20,
                "_meta": {"progressToken": f"{self.name}-sampling"},
            }
        else:
            method, ask = "roots/list", {}
        if modern:
            responses = params.get("inputResponses")
            if isinstance(responses, dict) and "q" in responses:
                if params.get("requestState") != f"state-{name}":
                    self.error(rid, -32602, "requestState was not echoed back")
                    return
                self.result(
                    rid,
                    {
                        "content": [{"type": "text", "text": json.dumps(responses["q"])}],
                        "isError": False,
                        "resultType": "complete",
                    },
                )
                return
            self.result(
                rid,
                {
                    "resultType": "input_required",
                    "inputRequests": {"q": {"method": method, "params": ask}},
                    "requestState": f"state-{name}",
                },
            )
            return
        await asyncio.sleep(float(args.get("delay", 0)))
        reply = await self.ask(method, ask)
        if "error" in reply:
            self.result(
                rid,
                {"content": [{"type": "text", "text": "client error: " + json.dumps(reply["error"])}], "isError": True},
            )
            return
        self.result(rid, {"content": [{"type": "text", "text": json.dumps(reply.get("result"))}], "isError": False})

    def touch(self, uri: str, always: bool = False) -> None:
        """``notifications/resources/updated`` for ``uri``, to whoever subscribed to it (in its era's way)."""
        if uri in self.subscribed or (always and self.era != "modern"):
            self.send({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": uri}})
        for sub_id, filters in self.listens.items():
            if uri in (filters.get("resourceSubscriptions") or []):
                self.send(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/resources/updated",
                        "params": {"uri": uri, "_meta": {SUB_KEY: sub_id}},
                    }
                )

    async def ask_then_cancel(self, rid: Any) -> None:
        """Ask the client a question, change its mind, cancel the question and answer the call."""
        self.next_out += 1
        qid = f"fx-{self.next_out}"
        self.send(
            {
                "jsonrpc": "2.0",
                "id": qid,
                "method": "elicitation/create",
                "params": {"message": "Never mind?", "mode": "form", "requestedSchema": {"type": "object"}},
            }
        )
        await asyncio.sleep(0.2)
        self.send(
            {
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"requestId": qid, "reason": "the server changed its mind"},
            }
        )
        self.result(rid, _text("gave up asking"))

    def bad(self, rid: Any, kind: str) -> None:
        if kind == "content_not_list":
            self.result(rid, {"content": "just a string"})
        elif kind == "is_error_string":
            self.result(rid, {"content": [], "isError": "yes"})
        elif kind == "result_not_object":
            self.send({"jsonrpc": "2.0", "id": rid, "result": [1, 2, 3]})
        elif kind == "no_result":
            self.send({"jsonrpc": "2.0", "id": rid})
        elif kind == "error_shape":
            self.send({"jsonrpc": "2.0", "id": rid, "error": "it broke"})
        elif kind == "not_json":
            self.out.write(b"this is not json\n")
            self.out.flush()
            self.result(rid, _text("after garbage"))
        elif kind in ("lone_surrogate", "bad_utf8"):
            text = b"cut \\ud83d here" if kind == "lone_surrogate" else b"bytes \xff\xfe here"
            head = b'{"jsonrpc":"2.0","id":' + json.dumps(rid).encode() + b',"result":{"content":'
            self.out.write(head + b'[{"type":"text","text":"' + text + b'"}],"isError":false}}\n')
            self.out.flush()
        else:
            self.error(rid, -32602, f"unknown kind {kind}")

    # -- notifications and responses from the client --------------------------------------
    def on_other(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        if method is None:
            fut = self.waiting.pop(str(msg.get("id")), None)
            if fut is not None and not fut.done():
                fut.set_result(msg)
            return
        params = msg.get("params") or {}
        if method == "notifications/initialized":
            self.initialized = True
        elif method == "notifications/progress":
            self.progress_in.append(params)
        elif method == "notifications/cancelled":
            req = params.get("requestId")
            self.cancelled.append({"requestId": req, "reason": params.get("reason")})
            task = self.tasks.pop(req, None)
            if task is not None:
                task.cancel()
            if req in self.listens:
                del self.listens[req]

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                return
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "method" in msg and "id" in msg:
                rid = msg["id"]
                task = asyncio.create_task(self._guarded(msg))
                self.tasks[rid] = task
                task.add_done_callback(functools.partial(self._forget, rid))
            else:
                self.on_other(msg)

    def _forget(self, rid: Any, _task: asyncio.Task[None]) -> None:
        self.tasks.pop(rid, None)

    async def _guarded(self, msg: dict[str, Any]) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self.handle(msg)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="fx")
    parser.add_argument("--era", choices=["legacy", "modern", "dual"], default="dual")
    parser.add_argument("--tools", type=int, default=0)
    parser.add_argument("--page-size", type=int, default=2)
    parser.add_argument("--state")
    parser.add_argument("--uri-host", help="the host part of this server's resource URIs (default: --name)")
    parser.add_argument("--list-delay", type=float, default=0.0, help="seconds before tools/list answers")
    parser.add_argument("--bad-list", action="store_true", help="answer tools/list with a schema-breaking tool")
    args = parser.parse_args()
    if args.state:
        state = Path(args.state)
        state.mkdir(parents=True, exist_ok=True)
        with (state / "starts").open("a") as f:
            f.write(f"{os.getpid()}\n")
        if (state / "hold").exists():
            sys.exit(4)
        while (state / "slow").exists():
            time.sleep(0.05)
    asyncio.run(Fixture(args).run())


if __name__ == "__main__":
    main()
