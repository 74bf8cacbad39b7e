"""Issue 13.3-13.5 end to end, through a running gateway in front of the fixture server:

- shadow mode: a grant's ``shadow_policy`` draft and a rule marked ``"mode": "shadow"`` block nothing;
  their would-be decisions are in the audit (``audit --json``, ``audit --shadow-diff``) and ``/metrics``;
- loop detection: the (N+1)th identical call of a session is denied, saying what to do;
- the trifecta: private read → untrusted read → external write is held for approval, naming the earlier
  calls, while the same write in a fresh session passes; in the modern era the grant is the session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.support import (
    KEY_A,
    KEY_B,
    WAIT,
    assert_denied,
    assert_passed,
    cli,
    connect,
    decision_of,
    digest,
    gateway_folder,
    text_of,
)
from tests.harness import MODERN, running_gateway

LIVE: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__echo": {"tags": ["external_comm"], "loop": {"identical": 3, "window": "10m"}},
        "fx__add": {"tags": ["private_data"]},
        "fx__structured": {"tags": ["untrusted_content"]},
        "fx__noop_*": {},
        "fx__noop_01": {"action": "deny", "mode": "shadow", "reason": "Rehearsing a ban on noop_01"},
    },
    "sessions": [
        {"name": "trifecta", "after": ["private_data", "untrusted_content"], "then": "external_comm"},
    ],
}
DRAFT: dict[str, Any] = {
    "version": "1",
    "mode": "shadow",
    "default": "deny",
    "tools": {"fx__echo": {"action": "deny", "reason": "Draft: no echo"}, "fx__add": {}},
}


def _metrics(base_url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    reply = httpx.get(f"{base_url}/metrics", timeout=WAIT)
    assert reply.status_code == 200, reply.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(reply.text)
        for s in family.samples
    }


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "draft.json").write_text(json.dumps(DRAFT))
    grants = [
        {"name": "agent-a", "key_sha256": digest(KEY_A), "policy": "policy.json", "shadow_policy": "draft.json"},
        {"name": "agent-b", "key_sha256": digest(KEY_B), "policy": "policy.json"},
    ]
    return gateway_folder(tmp_path, LIVE, grants=grants, approvals={"timeout": 0.2})


async def test_shadow_policies_block_nothing_and_are_recorded_and_counted(tmp_path: Path) -> None:
    config = _folder(tmp_path)
    with running_gateway(config) as proc:
        async with connect(proc.url, KEY_A) as a:
            assert_passed(await a.call_tool("fx__echo", {"text": "one"}), "one")  # the draft would deny it
            assert_passed(await a.call_tool("fx__add", {"a": 1, "b": 2}))  # the draft agrees
        async with connect(proc.url, KEY_B) as b:
            assert_passed(await b.call_tool("fx__noop_01", {}))  # the rule in shadow mode would deny it
        samples = _metrics(proc.base_url)
    diff = "portcullis_shadow_differences_total"
    assert samples[(diff, frozenset({("server", "fx"), ("tool", "echo")}))] == 1
    assert samples[(diff, frozenset({("server", "fx"), ("tool", "noop_01")}))] == 1
    assert (diff, frozenset({("server", "fx"), ("tool", "add")})) not in samples
    same = frozenset({("server", "fx"), ("tool", "add"), ("live", "allow"), ("shadow", "allow")})
    assert samples[("portcullis_shadow_decisions_total", same)] == 1

    records = json.loads(cli(tmp_path, "audit", "--json").stdout)
    by_tool = {r["tool"]: r for r in records}
    assert by_tool["echo"]["decision"] == "allow"
    assert by_tool["echo"]["shadow"] == {"decision": "deny", "rule": "$.tools.fx__echo", "reason": "Draft: no echo"}
    assert by_tool["noop_01"]["shadow"]["rule"] == "$.tools.fx__noop_01"
    done = cli(tmp_path, "audit", "--shadow-diff")
    assert done.returncode == 0, done.stderr
    assert "2 of 3 call(s) with a shadow decision would have been decided differently" in done.stdout
    assert "fx__echo: 1 allow→deny" in done.stdout and "fx__noop_01: 1 allow→deny" in done.stdout
    report = json.loads(cli(tmp_path, "audit", "--shadow-diff", "--json").stdout)
    assert report["differ"] == 2 and report["tools"]["fx__echo"] == {"allow→deny": 1}


async def test_a_loop_is_denied_at_the_n_plus_first_identical_call(tmp_path: Path) -> None:
    config = _folder(tmp_path)
    with running_gateway(config) as proc:
        async with connect(proc.url, KEY_B) as b:
            for _ in range(3):
                assert_passed(await b.call_tool("fx__echo", {"text": "again"}), "again")
            looped = await b.call_tool("fx__echo", {"text": "again"})
            assert_denied(looped, "$.tools.fx__echo.loop.identical")
            assert "was just called 3 time(s) in a row with these same arguments" in text_of(looped)
            assert "What you can do: do not repeat it: change the arguments" in text_of(looped)
            assert_passed(await b.call_tool("fx__echo", {"text": "something else"}), "something else")
        async with connect(proc.url, KEY_B) as fresh:  # a session of its own
            assert_passed(await fresh.call_tool("fx__echo", {"text": "again"}), "again")


async def test_the_trifecta_is_held_and_a_fresh_session_passes(tmp_path: Path) -> None:
    config = _folder(tmp_path)
    with running_gateway(config) as proc:
        async with connect(proc.url, KEY_B) as b:
            assert_passed(await b.call_tool("fx__add", {"a": 1, "b": 2}))  # private read
            assert_passed(await b.call_tool("fx__echo", {"text": "out"}), "out")  # not yet untrusted: passes
            assert_passed(await b.call_tool("fx__structured", {"a": 1, "b": 2}))  # untrusted read
            held = await b.call_tool("fx__echo", {"text": "exfiltrate"})
            meta = decision_of(held)
            assert held.is_error and meta["decision"] == "pending" and meta["rule"] == "$.sessions[0]", meta
            text = text_of(held)
            assert "session rule 'trifecta': this session has already read private data by fx__add at" in text
            assert "untrusted content by fx__structured at" in text and "'fx__echo' sends data out" in text
            again = await b.call_tool("fx__echo", {"text": "another"})  # for the rest of the session
            assert decision_of(again)["decision"] == "pending"
        async with connect(proc.url, KEY_B) as fresh:
            assert_passed(await fresh.call_tool("fx__echo", {"text": "exfiltrate"}), "exfiltrate")

        # The modern era has no session: the grant's requests are the session.
        async with connect(proc.url, KEY_A, MODERN) as one:
            assert_passed(await one.call_tool("fx__add", {"a": 1, "b": 2}))
            assert_passed(await one.call_tool("fx__structured", {"a": 1, "b": 2}))
        async with connect(proc.url, KEY_A, MODERN) as two:
            assert decision_of(await two.call_tool("fx__echo", {"text": "x"}))["rule"] == "$.sessions[0]"
    records = json.loads(cli(tmp_path, "audit", "--json", "--tool", "fx__echo").stdout)
    assert [r["decision"] for r in records if r["rule"] == "$.sessions[0]"] == ["require_approval"] * 3


async def test_the_trifecta_holds_across_replicas_sharing_redis(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    store = f"{redis_url}?prefix={redis_prefix}"
    config = gateway_folder(
        tmp_path,
        LIVE,
        grants=[{"name": "agent-a", "key_sha256": digest(KEY_A), "policy": "policy.json"}],
        approvals={"timeout": 0.2, "key_prefix": redis_prefix},  # this test's own approvals, deleted after it
        store=store,
    )
    with running_gateway(config) as one, running_gateway(config) as two:
        async with connect(one.url, KEY_A, MODERN) as a:  # the modern era: the grant is the session
            assert_passed(await a.call_tool("fx__add", {"a": 1, "b": 2}))
            assert_passed(await a.call_tool("fx__structured", {"a": 1, "b": 2}))
        async with connect(two.url, KEY_A, MODERN) as b:  # another replica
            held = await b.call_tool("fx__echo", {"text": "out"})
            assert decision_of(held)["rule"] == "$.sessions[0]", held
            assert "private data by fx__add at" in text_of(held) and "untrusted content by fx__structured" in text_of(
                held
            )
