"""Session rules replayed over calls of the 2026-07-28 era that a running gateway recorded: the audit trail
names their session as the live session rules do (``ClientSession.session_key``: the grant's requests),
so the replay report says what the gateway then decides live, call for call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio

from tests.e2e.support import KEY_A, KEY_B, cli, connect, decision_of, gateway_folder
from tests.harness import MODERN, running_gateway

LIVE: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__add": {"tags": ["private_data"]},
        "fx__structured": {"tags": ["untrusted_content"]},
        "fx__echo": {"tags": ["external_comm"]},
    },
}
DRAFT: dict[str, Any] = {
    **LIVE,
    "sessions": [{"name": "trifecta", "after": ["private_data", "untrusted_content"], "then": "external_comm"}],
}
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("fx__echo", {"text": "first"}),
    ("fx__add", {"a": 1, "b": 2}),
    ("fx__structured", {"a": 1, "b": 2}),
    ("fx__echo", {"text": "second"}),
    ("fx__echo", {"text": "third"}),
]


async def _calls(url: str, key: str) -> list[str]:
    """The calls, each a request of its own in the modern era (no session): what the gateway decided."""
    decided = []
    for name, arguments in CALLS:
        async with connect(url, key, MODERN) as c:
            result = await c.call_tool(name, arguments)
            decided.append(decision_of(result)["decision"] if result.is_error else "allow")
    return decided


def _replay(folder: Path, grant: str) -> dict[str, Any]:
    done = cli(folder, "policy", "replay", "draft.json", "--grant", grant, "--json")
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_a_replay_of_modern_era_calls_matches_the_session_rules_live(tmp_path: Path) -> None:
    config = gateway_folder(tmp_path, LIVE, approvals={"timeout": 0.2})
    (tmp_path / "draft.json").write_text(json.dumps(DRAFT))
    with running_gateway(config) as proc:
        before = anyio.run(_calls, proc.url, KEY_A)
    assert before == ["allow"] * 5  # no session rule live yet

    report = _replay(tmp_path, "agent-a")
    assert report["read"] == 5 and report["compared"] == 5 and report["changed"] == 2, report
    echo = report["tools"]["fx__echo"]
    assert echo["transitions"] == {"allow→held": 2}
    assert [e["arguments"]["text"] for e in echo["examples"]["allow→held"]] == ["second", "third"]
    assert all(e["session"] == "" and e["now"]["rule"] == "$.sessions[0]" for e in echo["examples"]["allow→held"])

    (tmp_path / "policy.json").write_text(json.dumps(DRAFT))  # the draft put live: as the report said
    with running_gateway(config) as proc:
        live = anyio.run(_calls, proc.url, KEY_B)
    assert live == ["allow", "allow", "allow", "pending", "pending"]

    again = _replay(tmp_path, "agent-b")  # and its replay over what it decided live changes nothing
    assert again["read"] == 5 and again["compared"] == 5 and again["changed"] == 0, again
