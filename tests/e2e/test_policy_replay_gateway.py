"""Issue 13.2 end to end: ``policy replay DRAFT`` over a trail a running gateway recorded (SQLite, PostgreSQL),
and the same draft, then put live, deciding the same calls as the report said.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import pytest

from tests.e2e.support import KEY_A, assert_denied, assert_passed, cli, connect, decision_of, gateway_folder
from tests.harness import running_gateway

LIVE: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__echo": {}, "fx__add": {}, "fx__structured": {}},
}
DRAFT: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__echo": {
            "deny_if": [
                {"conditions": [{"path": "args.text", "op": "regex", "value": "(?i)hello"}], "on_deny": "No greetings"}
            ]
        },
        "fx__add": {"rate_limit": "2/hour"},
        "fx__structured": {"action": "require_approval", "reason": "Structured output is reviewed"},
        "fx__noop_01": {},
    },
}
SECRET = "Bearer e2eReplayTokenValue0123456789"


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_config(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if request.param == "sqlite":
        yield {"audit": "sqlite:///audit.db"}
        return
    dsn: str = request.getfixturevalue("postgres_dsn")
    table = f"e2e_replay_{uuid.uuid4().hex[:12]}"
    yield {"audit": dsn, "audit_options": {"table": table}}

    async def drop() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            await conn.close()

    asyncio.run(drop())


async def _calls(url: str) -> dict[str, list[Any]]:
    """The same sequence of calls each time; every result, by tool."""
    out: dict[str, list[Any]] = {}
    async with connect(url, KEY_A) as c:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("fx__echo", {"text": "hello"}),
            ("fx__echo", {"text": "Hello again"}),
            ("fx__echo", {"text": SECRET}),
            ("fx__add", {"a": 1, "b": 2}),
            ("fx__add", {"a": 1, "b": 2}),
            ("fx__add", {"a": 1, "b": 2}),
            ("fx__noop_01", {}),
            ("fx__structured", {"a": 1, "b": 2}),
        ]
        for name, args in calls:
            out.setdefault(name, []).append(await c.call_tool(name, args))
    return out


def test_replay_reports_what_the_draft_then_does_live(tmp_path: Path, audit_config: dict[str, Any]) -> None:
    config = gateway_folder(tmp_path, LIVE, approvals={"timeout": 0.2}, **audit_config)
    (tmp_path / "draft.json").write_text(json.dumps(DRAFT))

    empty = cli(tmp_path, "policy", "replay", "draft.json")
    assert empty.returncode == 0, empty.stderr
    assert "has no recorded calls since 24h: there is nothing to replay" in empty.stdout

    with running_gateway(config) as proc:
        recorded = anyio.run(_calls, proc.url)
    assert all(r.is_error is not True for r in recorded["fx__add"])  # the live policy let them all through

    done = cli(tmp_path, "policy", "replay", "draft.json", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["read"] == 8 and report["changed"] == 5 and report["redacted"] == 1
    tools = report["tools"]
    assert tools["fx__echo"]["transitions"] == {"allow→deny": 2} and tools["fx__echo"]["redacted"] == 1
    assert tools["fx__add"]["transitions"] == {"allow→limit": 1}
    assert tools["fx__noop_01"]["transitions"] == {"deny→allow": 1}
    assert tools["fx__structured"]["transitions"] == {"allow→held": 1}
    echo_now = tools["fx__echo"]["examples"]["allow→deny"][0]["now"]
    add_now = tools["fx__add"]["examples"]["allow→limit"][0]["now"]
    text = cli(tmp_path, "policy", "replay", "draft.json", "--grant", "agent-a")
    assert "5 of 7 compared would be decided differently" in text.stdout
    assert "1 call(s) counted apart: their arguments were redacted" in text.stdout
    assert "fx__add: 1 of 3 changed: 1 now rate-limited" in text.stdout
    assert cli(tmp_path, "policy", "replay", "draft.json", "--grant", "agent-b", "--json").returncode == 0

    # Live under the draft: the same calls get what the report said.
    (tmp_path / "policy.json").write_text(json.dumps(DRAFT))
    with running_gateway(config) as proc:
        live = anyio.run(_calls, proc.url)
    assert_denied(live["fx__echo"][0], echo_now["rule"])
    assert_denied(live["fx__echo"][1], echo_now["rule"])
    assert_passed(live["fx__echo"][2])  # the redacted one: the draft lets it through (it was not guessed)
    assert_passed(live["fx__add"][1])
    assert_denied(live["fx__add"][2], add_now["rule"])
    assert_passed(live["fx__noop_01"][0])
    assert decision_of(live["fx__structured"][0])["decision"] == "pending"
