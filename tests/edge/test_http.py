"""``edge.http``: the ``Accept`` check, and the legacy session a POST names (held here, or adopted from the
fleet), answered through ``McpHttpApp`` with a gateway that echoes."""

from __future__ import annotations

import itertools
from typing import Any, cast

import orjson

from portcullis.config.model import GrantConfig
from portcullis.edge.auth import owner_of
from portcullis.edge.http import McpHttpApp, acceptable
from portcullis.edge.origin import OriginPolicy
from portcullis.routing.dispatch import Gateway
from portcullis.sessions.client import ClientSession
from portcullis.sessions.registry import SessionRegistry

ALICE = GrantConfig("alice", "a" * 64)
BOB = GrantConfig("bob", "b" * 64)
_KEYS = {"alice-key": ALICE, "bob-key": BOB}


def test_acceptable_is_the_accept_rule_it_always_was() -> None:
    values = [b"", b"*/*", b"application/json", b"text/event-stream", b"text/html", b"application/xml, text/*"]
    values += [b"Application/JSON", b"image/*;q=0.5, */*;q=0.1", b"text/plain, application/vnd.api+json"]
    for value in values + [b", ".join(pair) for pair in itertools.permutations(values, 2)]:
        expected = b"json" in value or b"*/*" in value or b"event-stream" in value
        assert acceptable(value) is expected, value


class _Echo:
    """A gateway answering every request with the session it was given."""

    def __init__(self) -> None:
        self.clients: list[ClientSession] = []

    async def handle(self, client: ClientSession, msg: dict[str, Any], send: Any) -> dict[str, Any]:
        self.clients.append(client)
        return {"jsonrpc": "2.0", "id": msg["id"], "result": {}}


class _Fleet(SessionRegistry):
    """A registry whose fleet knows one session this replica does not hold."""

    def __init__(self, elsewhere: ClientSession) -> None:
        super().__init__()
        self.elsewhere = elsewhere

    async def find(self, session_id: str) -> ClientSession | None:
        held = self.get(session_id)
        return held or (self.elsewhere if session_id == self.elsewhere.id else None)


async def _post(app: McpHttpApp, key: str, session: str) -> tuple[int, dict[str, Any]]:
    body = orjson.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/list"})
    headers = {
        b"host": b"127.0.0.1",
        b"authorization": f"Bearer {key}".encode(),
        b"mcp-session-id": session.encode(),
        b"mcp-protocol-version": b"2025-11-25",
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app.serve("POST", headers, receive, send)
    return sent[0]["status"], orjson.loads(sent[1]["body"])


async def test_a_post_uses_its_session_held_here_or_adopted_from_the_fleet_with_its_key_only() -> None:
    held = ClientSession(grant=ALICE, owner=owner_of(ALICE), protocol_version="2025-11-25")
    elsewhere = ClientSession(owner=owner_of(ALICE), protocol_version="2025-11-25")
    sessions = _Fleet(elsewhere)
    sessions.open(held)
    echo = _Echo()
    app = McpHttpApp(cast(Gateway, echo), OriginPolicy("127.0.0.1"), 4096, sessions, lambda key: _KEYS.get(key or ""))

    assert await _post(app, "alice-key", held.id) == (200, {"jsonrpc": "2.0", "id": 5, "result": {}})
    assert echo.clients == [held] and held.grant is ALICE
    assert await _post(app, "alice-key", elsewhere.id) == (200, {"jsonrpc": "2.0", "id": 5, "result": {}})
    assert echo.clients[-1] is elsewhere and elsewhere.grant is ALICE and sessions.get(elsewhere.id) is elsewhere
    for session in (held.id, elsewhere.id):
        status, answer = await _post(app, "bob-key", session)
        assert status == 403 and answer["id"] == 5 and "another agent key" in answer["error"]["message"]
    status, answer = await _post(app, "alice-key", "no-such-session")
    assert status == 404 and answer["id"] == 5 and "Session not found" in answer["error"]["message"]
    assert len(echo.clients) == 2
