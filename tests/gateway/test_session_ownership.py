"""Issue 8.6 and 8.16: a legacy HTTP session belongs to the key that opened it, and one key holds a bounded number.

- ``POST``, ``GET`` and ``DELETE /mcp`` with another key's ``Mcp-Session-Id`` get 403, and the owner's
  session is unharmed (a modern-era client presenting the id gets the same).
- The session id is a bearer secret: neither the audit trail nor an approval request holds it (they
  hold a digest of it, the same for every record of the session).
- ``sessions_per_key`` (default 100) caps the sessions of one key: one more drops the session idle
  longest; other keys' sessions are untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from portcullis.config.load import config_from_text
from tests.e2e.support import KEY_A, KEY_B, cli_json, gateway_folder
from tests.gateway.wire import ACCEPT, LegacySession, answer
from tests.harness import MODERN, running_gateway

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__echo": {}, "fx__add": {"action": "require_approval", "reason": "Adding needs a person"}},
}


def agent(key: str) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_get_delete_and_post_check_the_session_belongs_to_the_callers_key(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, POLICY, approvals={"timeout": "1s"})
    with running_gateway(config) as gw, agent(KEY_A) as a, agent(KEY_B) as b:
        mine = LegacySession(a, gw.url)
        theirs = {"accept": ACCEPT, "mcp-session-id": mine.sid, "mcp-protocol-version": "2025-11-25"}
        stream = {**theirs, "accept": "text/event-stream"}
        assert b.get(gw.url, headers=stream).status_code == 403
        assert b.delete(gw.url, headers=theirs).status_code == 403
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        assert b.post(gw.url, json=call, headers=theirs).status_code == 403
        assert b.get(gw.url, headers={**stream, "mcp-protocol-version": MODERN}).status_code == 403
        refused = b.delete(gw.url, headers={**theirs, "mcp-protocol-version": MODERN})
        assert refused.status_code == 403 and "another agent key" in refused.text

        # The owner's session survived all of it, and its records name it without its id.
        echoed = mine.call("tools/call", {"name": "fx__echo", "arguments": {"text": "still mine"}})
        assert echoed["result"]["content"][0]["text"] == "still mine"
        held = mine.call("tools/call", {"name": "fx__add", "arguments": {"a": 1, "b": 2}})
        assert held["result"]["isError"] is True  # pending approval: the request is stored
        records = cli_json(tmp_path, "audit")
        approvals = cli_json(tmp_path, "approvals", "list")
        assert records and approvals
        dumped = str(records) + str(approvals) + gw.stderr()
        assert mine.sid not in dumped and mine.sid[:16] not in dumped
        labels = {r["session"] for r in records if r["grant"] == "agent-a"}
        assert len(labels) == 1 and labels.pop()  # one stable, non-empty name for the session
        assert mine.delete().status_code == 200


def test_sessions_are_capped_per_key_and_the_idlest_goes(tmp_path: Path) -> None:
    assert config_from_text("{}").sessions_per_key == 100
    config = gateway_folder(tmp_path, POLICY, sessions_per_key=3)
    with running_gateway(config) as gw, agent(KEY_A) as a, agent(KEY_B) as b:
        other = LegacySession(b, gw.url)
        first, second, third = (LegacySession(a, gw.url) for _ in range(3))
        second.call("ping")
        third.call("ping")
        first.call("ping")  # now second is the one idle longest
        fourth = LegacySession(a, gw.url)
        gone = second.post("ping")
        assert gone.status_code == 404, gone.text
        for session in (first, third, fourth, other):
            assert "result" in answer(session.post("ping"))
        assert "reached its cap of 3 sessions" in gw.stderr()
