"""Issue 8.15: malformed messages get a clear JSON-RPC error and leave no traceback in the log, on both fronts.

The cases: a message that is not one JSON-RPC 2.0 object (a batch, a number, a string, no or another
``jsonrpc``), each told apart; an ``id`` that is an object, a list, a boolean or an integer beyond 64 bits; a
``method`` that is
not a string, and a message with neither a method nor a result or error (both once taken with 202 and
dropped); ``_meta`` that is not an object (in a legacy session, and in a 2026-07-28 request);
arguments nested deeper than the gateway forwards (the limit is 100 levels). Each goes to a running
gateway in front of the fixture server; afterwards the gateway still answers, and its log holds no
traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.support import KEY_A, WAIT, gateway_folder
from tests.gateway import proc
from tests.gateway.test_stdio_downstream import Pipe
from tests.gateway.wire import LegacySession, modern_request
from tests.harness import running_gateway

POLICY = {"version": "1", "default": "allow"}


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return value


def call(rid: Any, **params: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "tools/call",
        "params": {"name": "fx__echo", "arguments": {"text": "x"}, **params},
    }


CASES: list[tuple[dict[str, Any], int, str]] = [
    (call({"an": "object"}), -32600, "'id' must be a string or a number, not an object"),
    (call([1, 2]), -32600, "'id' must be a string or a number, not a list"),
    (call(True), -32600, "'id' must be a string or a number, not a boolean"),
    # read as an approximate float, it would come back changed: refused, answered with id null
    (call(2**70), -32600, "a number 'id' must be an integer within 64 bits"),
    (call(7, _meta=["not", "an", "object"]), -32602, "'_meta' must be an object, not a list"),
    (call(8, _meta="text"), -32602, "'_meta' must be an object, not a string"),
    (call(9, arguments={"text": nested(300)}), -32602, "deeper than 100 levels"),
    ({"id": 10, "method": "tools/list"}, -32600, '\'jsonrpc\' is missing; every message says "jsonrpc": "2.0"'),
    ({"jsonrpc": "1.0", "id": 11, "method": "tools/list"}, -32600, "'jsonrpc' must be \"2.0\", not '1.0'"),
    ({"jsonrpc": "2.0", "id": 14, "method": 5}, -32600, "'method' must be a string, not a number"),
    ({"jsonrpc": "2.0", "id": 15, "params": {}}, -32600, "a message has a 'method' (a request or a notification)"),
]
NOT_ONE_OBJECT: list[tuple[Any, str]] = [  # answered with id null
    ([call(12), call(13)], "batches are not supported; send one JSON-RPC 2.0 object per message"),
    (42, "a message must be a JSON-RPC 2.0 object, not a number"),
    ("tools/list", "a message must be a JSON-RPC 2.0 object, not a string"),
]


def check(answer: dict[str, Any], sent: dict[str, Any], code: int, text: str) -> None:
    rid = sent["id"]
    echoed = isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool) and abs(rid) < 2**63)
    assert answer["id"] == (rid if echoed else None), answer
    assert answer["error"]["code"] == code and text in answer["error"]["message"], answer


def test_http_front(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY)
    with (
        running_gateway(config) as gw,
        httpx.Client(headers={"Authorization": f"Bearer {KEY_A}"}, timeout=WAIT) as http,
    ):
        session = LegacySession(http, gw.url)
        for sent, code, text in CASES:
            resp = http.post(gw.url, json=sent, headers=session.headers())
            assert resp.status_code == 400, resp.text
            check(resp.json(), sent, code, text)
        for shape, text in NOT_ONE_OBJECT:
            resp = http.post(gw.url, json=shape, headers=session.headers())
            assert resp.status_code == 400, resp.text
            check(resp.json(), {"id": None}, -32600, text)
        body, headers = modern_request("tools/list")
        body["params"]["_meta"] = 5
        resp = http.post(gw.url, json=body, headers=headers)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == -32602, resp.text
        assert "'_meta' must be an object" in resp.json()["error"]["message"]
        assert session.call("tools/call", {"name": "fx__echo", "arguments": {"text": "ok"}})["result"]
        shallow = session.call("tools/call", {"name": "fx__echo", "arguments": {"text": "ok", "deep": nested(90)}})
        assert "result" in shallow, shallow  # 90 levels are forwarded
        log = gw.stderr()
        assert "Traceback" not in log and "internal error" not in log, log


def test_stdio_front(tmp_path: Path) -> None:
    with proc.stdio_gateway(tmp_path, {"fx": proc.fixture("fx")}) as gateway:
        pipe = Pipe(gateway)
        pipe.request(
            0,
            "initialize",
            {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
        )
        for sent, code, text in CASES:
            pipe.send(sent)
            check(pipe.next(), sent, code, text)
        for shape, text in NOT_ONE_OBJECT:
            pipe.send(json.dumps(shape).encode() + b"\n")
            check(pipe.next(), {"id": None}, -32600, text)
        pipe.send({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"_meta": 1}})
        assert "result" in pipe.request(99, "tools/call", {"name": "fx__echo", "arguments": {"text": "ok"}})
    log = (tmp_path / "stdio-gateway.log").read_text()
    assert "Traceback" not in log and "internal error" not in log, log
