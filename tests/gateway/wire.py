"""Raw HTTP helpers for wire-level checks of ``/mcp`` (no SDK in the way): both eras, SSE bodies parsed."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from portcullis.protocol import CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, MODERN_VERSION, PROTOCOL_VERSION_KEY

ACCEPT = "application/json, text/event-stream"
MODERN_META: dict[str, Any] = {
    PROTOCOL_VERSION_KEY: MODERN_VERSION,
    CLIENT_CAPABILITIES_KEY: {},
    CLIENT_INFO_KEY: {"name": "wire-test", "version": "0"},
}
_NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}


def modern_request(
    method: str, params: dict[str, Any] | None = None, rid: Any = 1, meta: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """A 2026-07-28 request body and the headers that must match it."""
    body_params = dict(params or {})
    body_params["_meta"] = {**MODERN_META, **(meta or {})}
    headers = {
        "accept": ACCEPT,
        "content-type": "application/json",
        "mcp-protocol-version": MODERN_VERSION,
        "mcp-method": method,
    }
    field = _NAMED.get(method)
    if field is not None and isinstance(body_params.get(field), str):
        value = body_params[field]
        headers["mcp-name"] = (
            value if value.isascii() else "=?base64?" + base64.b64encode(value.encode()).decode() + "?="
        )
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": body_params}, headers


def sse_messages(text: str) -> list[dict[str, Any]]:
    """The JSON messages of an SSE body."""
    out: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")]
        if data:
            out.append(json.loads("\n".join(data)))
    return out


def messages(resp: httpx.Response) -> list[dict[str, Any]]:
    """Every JSON-RPC message in a response, JSON or SSE."""
    if resp.headers.get("content-type", "").startswith("text/event-stream"):
        return sse_messages(resp.text)
    got: dict[str, Any] = resp.json()
    return [got]


def answer(resp: httpx.Response) -> dict[str, Any]:
    """The JSON-RPC response (the message with ``result`` or ``error``) in a response."""
    for msg in messages(resp):
        if "result" in msg or "error" in msg:
            return msg
    raise AssertionError(f"no JSON-RPC response in {resp.status_code} {resp.text!r}")


def post_modern(
    http: httpx.Client,
    url: str,
    method: str,
    params: dict[str, Any] | None = None,
    rid: Any = 1,
    headers: dict[str, str | None] | None = None,
) -> httpx.Response:
    body, sent = modern_request(method, params, rid)
    merged: dict[str, str] = dict(sent)
    for k, v in (headers or {}).items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    return http.post(url, json=body, headers=merged)


class LegacySession:
    """A legacy (2025-11-25) Streamable HTTP session over raw HTTP."""

    def __init__(self, http: httpx.Client, url: str, capabilities: dict[str, Any] | None = None) -> None:
        self.http = http
        self.url = url
        self.last_id = 0
        resp = self.post(
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": capabilities or {},
                "clientInfo": {"name": "wire-test", "version": "0"},
            },
            session=False,
        )
        assert resp.status_code == 200, resp.text
        self.sid = resp.headers["mcp-session-id"]
        self.init = answer(resp)
        note = self.http.post(
            url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=self.headers()
        )
        assert note.status_code == 202, note.text

    def headers(self) -> dict[str, str]:
        return {
            "accept": ACCEPT,
            "content-type": "application/json",
            "mcp-protocol-version": "2025-11-25",
            "mcp-session-id": getattr(self, "sid", ""),
        }

    def post(self, method: str, params: dict[str, Any] | None = None, session: bool = True) -> httpx.Response:
        self.last_id += 1
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": self.last_id, "method": method}
        if params is not None:
            body["params"] = params
        headers = self.headers() if session else {"accept": ACCEPT, "content-type": "application/json"}
        return self.http.post(self.url, json=body, headers=headers)

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        resp = self.post(method, params)
        assert resp.status_code == 200, resp.text
        return answer(resp)

    def delete(self) -> httpx.Response:
        return self.http.delete(self.url, headers=self.headers())


async def modern_tool_call(http: httpx.AsyncClient, url: str, name: str) -> tuple[bool, str]:
    """Call tool ``name`` (no arguments) in one 2026-07-28 request: whether the result is an error, and its text."""
    body, headers = modern_request("tools/call", {"name": name, "arguments": {}})
    reply = answer(await http.post(url, json=body, headers=headers))
    assert "result" in reply, reply
    result: dict[str, Any] = reply["result"]
    return bool(result.get("isError")), str(result["content"][0]["text"])
