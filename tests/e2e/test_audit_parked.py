"""Issue 8.2 end to end: a call parked for a 2026-07-28 client's answer is audited, whatever the client does.

A legacy upstream (``tests/gateway/fixture_upstream.py --era legacy``) asks an elicitation question in
the middle of ``leg__elicit``; a 2026-07-28 client (raw HTTP, no session) gets ``input_required`` and a
``requestState``, and the call is parked. The trail (``portcullis audit --json``) shows:

- a ``parked`` record as soon as it parks, and a second one when it ends: ``ok`` when resumed,
  ``expired`` when the client never comes back (the park lasts as long as the server's ``timeout``);
- a retry that names another tool is refused without consuming the parked call: the right retry
  still resumes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.e2e.support import KEY_A, cli_json, gateway_folder, until
from tests.gateway.proc import fixture
from tests.harness import MODERN, running_gateway

POLICY: dict[str, Any] = {"version": "1", "default": "deny", "tools": {"leg__elicit": {}, "leg__echo": {}}}
ANSWER = {"action": "accept", "content": {"name": "Ada"}}


async def _call(
    http: httpx.AsyncClient, url: str, name: str, arguments: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """One 2026-07-28 ``tools/call`` (everything in ``_meta``, no session); the JSON-RPC response."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
    }
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": "tools/call",
        "Mcp-Name": name,
        "Authorization": f"Bearer {KEY_A}",
    }
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments, "_meta": meta, **extra},
    }
    reply = await http.post(url, json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    got: dict[str, Any] = reply.json()
    return got


def _elicit_records(folder: Path) -> list[tuple[str, str]]:
    found: list[dict[str, Any]] = cli_json(folder, "audit", "--tool", "elicit", "--limit", "1000")
    return [(r["arguments"]["message"], r["outcome"]) for r in found]


async def test_a_parked_call_is_audited_when_it_parks_and_when_it_ends(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, servers={"leg": fixture("leg", era="legacy", timeout=4)})
    with running_gateway(config) as gw:
        async with httpx.AsyncClient(timeout=30) as http:
            first = await _call(http, gw.url, "leg__elicit", {"message": "resumed"})
            asked = first["result"]
            assert asked["resultType"] == "input_required", first
            state = asked["requestState"]
            assert _elicit_records(tmp_path) == [("resumed", "parked")]  # recorded before the client is answered

            # A retry naming another tool is refused, and the parked call stays for the right retry.
            wrong = await _call(
                http, gw.url, "leg__echo", {"text": "x"}, requestState=state, inputResponses={"q": ANSWER}
            )
            assert "belongs to another tool call" in wrong["error"]["message"], wrong
            (key,) = asked["inputRequests"]
            done = await _call(
                http, gw.url, "leg__elicit", {"message": "resumed"}, requestState=state, inputResponses={key: ANSWER}
            )
            assert "Ada" in done["result"]["content"][0]["text"], done
            assert _elicit_records(tmp_path) == [("resumed", "parked"), ("resumed", "ok")]

            # A client that never comes back: the call expires with the server's timeout, and is recorded.
            left = await _call(http, gw.url, "leg__elicit", {"message": "abandoned"})
            assert left["result"]["resultType"] == "input_required", left

            async def expired() -> list[tuple[str, str]] | None:
                found = [r for r in _elicit_records(tmp_path) if r[0] == "abandoned"]
                return found if len(found) == 2 else None

            assert await until(expired, "the abandoned call's expiry in the audit trail") == [
                ("abandoned", "parked"),
                ("abandoned", "expired"),
            ]
            retry = await _call(
                http,
                gw.url,
                "leg__elicit",
                {"message": "abandoned"},
                requestState=left["result"]["requestState"],
                inputResponses={key: ANSWER},
            )
            assert "expired or was already used" in retry["error"]["message"], retry
        assert "Traceback" not in gw.stderr()
