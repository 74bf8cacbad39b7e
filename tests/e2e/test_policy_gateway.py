"""Issue 3 end to end: every rule kind of a policy, enforced by a running ``portcullis serve``.

One gateway (``python -m portcullis serve``) runs for the module in front of two copies of the
fixture server (``fx`` and ``fy``), with agent keys (grants); the ``mcp`` SDK's client drives it in
both protocol eras, sending ``Authorization: Bearer <key>`` as an agent would. Each test uses tools
(and so counters) no other test touches, or a key of its own, so the tests do not depend on order.

- allow, ``action: deny``, the default deny, ``hide`` (top level and per server), ``args`` (JSON
  Schema), ``deny_if``, ``require``, ``require_approval``, limits and their scopes;
- what an agent gets back: a tool result with ``isError``, a text that says why and what to do,
  ``_meta["io.portcullis/decision"]``; a hidden tool answers exactly like one that does not exist;
- grants: 401 with ``WWW-Authenticate`` for a missing or unknown key, a grant reaches only its
  servers, a grant without a policy denies every call.

The shared helpers (``connect``, ``assert_denied`` …) live in ``support.py``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    all_tool_names,
    assert_denied,
    assert_passed,
    connect,
    digest,
    protocol_error,
    text_of,
    write_policy,
)
from tests.harness import FIXTURE_SERVER, MODERN, Proc, running_gateway, stdio_server, write_config

ERAS = ("legacy", MODERN)

KEYS = {name: f"pcu_e2e_policy_{name}_key" for name in ("alice", "bob", "carol", "dave", "nopolicy", "onlyfy")}

POLICY: dict[str, Any] = {
    "version": "1",
    "default": "deny",
    "hide": ["fx__stderr", "*__elicit"],
    "servers": {"fx": {"hide": ["sample"]}},
    "tools": {
        "echo": {
            "deny_if": [
                {
                    "conditions": [{"path": "args.text", "op": "regex", "value": "(?i)password"}],
                    "on_deny": "Never send a password through echo",
                }
            ]
        },
        "fx__add": {
            "args": {"type": "object", "properties": {"a": {"type": "number", "maximum": 100}}, "required": ["a", "b"]}
        },
        "fx__structured": {"require": [{"path": "args.a", "op": "gte", "value": 0}]},
        "fx__crash": {"action": "deny", "reason": "Crashing the server is not allowed"},
        "fx__sleep": {"action": "require_approval", "reason": "Sleeping holds a worker"},
        "fx__progress": {},
        "fx__was_cancelled": {},
        "fx__noop_01": {"limits": [{"counter": "noop01", "window": "hour", "max": 2, "scope": "grant"}]},
        "fx__noop_02": {
            "limits": [
                {"counter": "wide", "window": "hour", "max": 3, "scope": "grant"},
                {"counter": "narrow", "window": "hour", "max": 2, "scope": "grant", "cost": "args.n"},
            ]
        },
        "fx__noop_03": {"limits": [{"counter": "per_session", "window": "hour", "max": 1, "scope": "session"}]},
        "fx__noop_04": {"limits": [{"counter": "per_grant", "window": "hour", "max": 2, "scope": "grant"}]},
        "fx__noop_05": {"limits": [{"counter": "for_everyone", "window": "hour", "max": 2, "scope": "global"}]},
        "fx__noop_06": {"limits": [{"counter": "shared", "window": "hour", "max": 3, "scope": "grant"}]},
        "fx__noop_07": {"limits": [{"counter": "shared", "window": "hour", "max": 3, "scope": "grant"}]},
        "fx__noop_08": {"rate_limit": "1/day"},
    },
}


# -- the gateway of this module -------------------------------------------------------------------


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("policy-gw")
    write_policy(folder / "policy.json", POLICY)
    grants: list[dict[str, Any]] = [
        {"name": name, "key_sha256": digest(KEYS[name]), "policy": "policy.json"}
        for name in ("alice", "bob", "carol", "dave")
    ]
    grants.append({"name": "nopolicy", "key_sha256": digest(KEYS["nopolicy"])})
    grants.append({"name": "onlyfy", "key_sha256": digest(KEYS["onlyfy"]), "servers": ["fy"], "policy": "policy.json"})
    config = write_config(
        folder / "portcullis.yaml",
        {"fx": stdio_server(FIXTURE_SERVER), "fy": stdio_server(FIXTURE_SERVER)},
        policy="policy.json",
        grants=grants,
        approvals={"timeout": 0.2},
    )
    with running_gateway(config) as proc:
        yield proc


# -- allow, deny, default ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ERAS)
async def test_allowed_calls_pass_and_denied_calls_say_why_and_what_to_do(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["alice"], mode) as c:
        assert_passed(await c.call_tool("fx__echo", {"text": "hello"}), "hello")
        assert_passed(await c.call_tool("fy__echo", {"text": "on fy too"}), "on fy too")  # unprefixed key

        crash = await c.call_tool("fx__crash", {})
        meta = assert_denied(crash, "$.tools.fx__crash")
        assert meta["retry_after"] is None and meta["reason"] == "Crashing the server is not allowed"
        assert text_of(crash).startswith(
            "Portcullis denied the call to 'fx__crash': Crashing the server is not allowed."
        )
        assert "do not retry; ask a person" in text_of(crash)

        unlisted = await c.call_tool("fx__noop_12", {})
        meta = assert_denied(unlisted, "$.default")
        assert "no entry of the policy names it and the default is deny" in meta["reason"]
        assert "ask a person to add this tool to the policy" in text_of(unlisted)
    # The upstream still runs: the denied crash never reached it.
    async with connect(gw.url, KEYS["alice"], mode) as c:
        assert_passed(await c.call_tool("fx__echo", {"text": "still up"}), "still up")


# -- hide ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ERAS)
async def test_hidden_tools_are_missing_from_the_list_and_unknown_on_call(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["alice"], mode) as c:
        names = await all_tool_names(c)
        assert "fx__echo" in names and "fy__sample" in names and "fx__crash" in names  # denied is not hidden
        for hidden in ("fx__stderr", "fx__elicit", "fy__elicit", "fx__sample"):
            assert hidden not in names
        for hidden in ("fx__stderr", "fy__elicit", "fx__sample"):
            error = await protocol_error(c, hidden, {"text": "x"})
            # The same answer as for a tool of a server that does not exist (-32602, "Unknown tool: NAME").
            missing = await protocol_error(c, f"nosuchserver__{hidden}", {"text": "x"})
            assert error.error.code == missing.error.code == -32602
            assert error.error.message == f"Unknown tool: {hidden}"
            assert missing.error.message == f"Unknown tool: nosuchserver__{hidden}"
        # fy's stderr is not hidden (the top-level hide names fx__stderr only); fy's sample neither.
        assert "fy__stderr" in names


# -- argument rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ERAS)
async def test_the_args_schema_names_the_argument_that_failed(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["alice"], mode) as c:
        assert_passed(await c.call_tool("fx__add", {"a": 100, "b": 2}), "102")

        too_big = await c.call_tool("fx__add", {"a": 101, "b": 2})
        meta = assert_denied(too_big, "$.tools.fx__add.args")
        assert meta["argument"] == "a" and "argument 'a' rejected by the policy" in meta["reason"]
        assert "101" in meta["reason"] and "100" in meta["reason"]
        assert text_of(too_big).endswith("What you can do: change argument 'a' and call again")

        missing = await c.call_tool("fx__add", {"a": 1})
        meta = assert_denied(missing, "$.tools.fx__add.args")
        assert meta["argument"] == "b"
        assert meta["reason"] == "argument 'b' rejected by the policy: \"b\" is a required property"


@pytest.mark.parametrize("mode", ERAS)
async def test_deny_if_and_require_tell_the_agent_which_argument_and_why(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["alice"], mode) as c:
        secret = await c.call_tool("fx__echo", {"text": "my PASSWORD is hunter2"})
        meta = assert_denied(secret, "$.tools.echo.deny_if[0]")
        assert meta["argument"] == "text" and meta["reason"] == "Never send a password through echo"
        assert "change argument 'text' and call again" in text_of(secret)
        assert_passed(await c.call_tool("fx__echo", {"text": "nothing to hide"}), "nothing to hide")

        negative = await c.call_tool("fx__structured", {"a": -1, "b": 5})
        meta = assert_denied(negative, "$.tools.fx__structured.require[0]")
        assert meta["argument"] == "a" and meta["reason"] == "argument 'a' must be at least 0 (got -1)"
        absent = await c.call_tool("fx__structured", {"b": 5})
        meta = assert_denied(absent, "$.tools.fx__structured.require[0]")
        assert meta["reason"] == "argument 'a' is required and must be at least 0"
        passed = await c.call_tool("fx__structured", {"a": 0, "b": 5})
        assert_passed(passed, "5")


# -- require_approval ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ERAS)
async def test_require_approval_answers_pending_with_what_to_do(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["alice"], mode) as c:
        held = await c.call_tool("fx__sleep", {"seconds": 0, "tag": f"approval-{mode}"})
        meta = assert_denied(held, "$.tools.fx__sleep", decision="pending")
        approval_id = meta["approvalId"]
        assert re.fullmatch(r"ap_[0-9a-f]+", approval_id), meta
        assert f"pending approval {approval_id}" in meta["reason"]
        assert f"portcullis approvals approve {approval_id}" in text_of(held)
        # Nothing ran upstream: the fixture server never heard of a sleep with that tag.
        fate = await c.call_tool("fx__was_cancelled", {"tag": f"approval-{mode}"})
        assert_passed(fate, "unknown")


# -- rate limits ---------------------------------------------------------------------------------


async def test_a_rate_limited_call_says_when_to_retry(gw: Proc) -> None:
    async with connect(gw.url, KEYS["alice"]) as c:
        for _ in range(2):
            assert_passed(await c.call_tool("fx__noop_01", {}))
        limited = await c.call_tool("fx__noop_01", {})
        meta = assert_denied(limited, "$.tools.fx__noop_01.limits[0]")
        retry = meta["retry_after"]
        assert isinstance(retry, float) and 0 < retry <= 2 * 3600  # a sliding window: up to two windows
        assert meta["reason"] == "rate limit reached: 2/hour on counter 'noop01' (per grant alice), 2 used"
        assert text_of(limited).endswith(f"What you can do: retry the same call after {math.ceil(retry)} seconds.")
    async with connect(gw.url, KEYS["alice"], MODERN) as c:  # the other era counts on the same counter
        assert_denied(await c.call_tool("fx__noop_01", {}), "$.tools.fx__noop_01.limits[0]")


async def test_a_day_limit_retries_after_midnight_utc(gw: Proc) -> None:
    async with connect(gw.url, KEYS["alice"]) as c:
        assert_passed(await c.call_tool("fx__noop_08", {}))
        limited = await c.call_tool("fx__noop_08", {})
        meta = assert_denied(limited, "$.tools.fx__noop_08.rate_limit")
        # Aligned on midnight UTC: the retry lands on a multiple of a day, within a minute of slack.
        next_midnight = (math.floor(time.time() / 86400) + 1) * 86400
        assert abs(time.time() + meta["retry_after"] - next_midnight) < 60, meta


async def test_a_denied_call_spends_nothing_on_its_other_limits(gw: Proc) -> None:
    async with connect(gw.url, KEYS["alice"]) as c:
        # 'narrow' (max 2, cost n) refuses n=3 outright: this call can never pass, and spends nothing on 'wide'.
        never = await c.call_tool("fx__noop_02", {"n": 3})
        meta = assert_denied(never, "$.tools.fx__noop_02.limits[1]")
        assert meta["retry_after"] is None and "this call costs 3, more than the limit" in meta["reason"]
        bad_cost = await c.call_tool("fx__noop_02", {"n": "lots"})
        meta = assert_denied(bad_cost, "$.tools.fx__noop_02.limits[1]")
        assert meta["argument"] == "n" and "must be a JSON number" in meta["reason"]
        # 'wide' (max 3) still has all of its quota: three cheap calls pass, the fourth is refused by 'wide'.
        for _ in range(3):
            assert_passed(await c.call_tool("fx__noop_02", {"n": 0.5}))
        assert_denied(await c.call_tool("fx__noop_02", {"n": 0.5}), "$.tools.fx__noop_02.limits[0]")


async def test_counters_with_the_same_name_share_quota(gw: Proc) -> None:
    async with connect(gw.url, KEYS["bob"]) as c:
        assert_passed(await c.call_tool("fx__noop_06", {}))
        assert_passed(await c.call_tool("fx__noop_07", {}))
        assert_passed(await c.call_tool("fx__noop_06", {}))
        assert_denied(await c.call_tool("fx__noop_07", {}), "$.tools.fx__noop_07.limits[0]")


async def test_session_grant_and_global_scopes_count_as_named(gw: Proc) -> None:
    # session: one call per (legacy) session, however many sessions a grant opens.
    for _ in range(2):
        async with connect(gw.url, KEYS["carol"]) as c:
            assert_passed(await c.call_tool("fx__noop_03", {}))
            meta = assert_denied(await c.call_tool("fx__noop_03", {}), "$.tools.fx__noop_03.limits[0]")
            assert "(per session)" in meta["reason"]
    # grant: two calls per grant, across sessions; another grant has its own two.
    async with connect(gw.url, KEYS["carol"]) as c1, connect(gw.url, KEYS["carol"], MODERN) as c2:
        assert_passed(await c1.call_tool("fx__noop_04", {}))
        assert_passed(await c2.call_tool("fx__noop_04", {}))
        meta = assert_denied(await c1.call_tool("fx__noop_04", {}), "$.tools.fx__noop_04.limits[0]")
        assert "(per grant carol)" in meta["reason"]
    async with connect(gw.url, KEYS["dave"]) as c:
        assert_passed(await c.call_tool("fx__noop_04", {}))
        assert_passed(await c.call_tool("fx__noop_04", {}))
        assert_denied(await c.call_tool("fx__noop_04", {}), "$.tools.fx__noop_04.limits[0]")
    # global: two calls for everyone together.
    async with connect(gw.url, KEYS["carol"]) as carol, connect(gw.url, KEYS["dave"]) as dave:
        assert_passed(await carol.call_tool("fx__noop_05", {}))
        assert_passed(await dave.call_tool("fx__noop_05", {}))
        for c in (carol, dave):
            meta = assert_denied(await c.call_tool("fx__noop_05", {}), "$.tools.fx__noop_05.limits[0]")
            assert "(for everyone)" in meta["reason"]


async def test_a_session_limit_binds_modern_clients_over_http_too(gw: Proc) -> None:
    # A 2026-07-28 request over HTTP has no session (each request stands alone), so a session-scoped
    # limit counts all of the grant's session-less requests together instead of never binding.
    async with connect(gw.url, KEYS["dave"], MODERN) as c:
        assert_passed(await c.call_tool("fx__noop_03", {}))
        assert_denied(await c.call_tool("fx__noop_03", {}), "$.tools.fx__noop_03.limits[0]")
    async with connect(gw.url, KEYS["dave"], MODERN) as c:
        assert_denied(await c.call_tool("fx__noop_03", {}), "$.tools.fx__noop_03.limits[0]")
    async with connect(gw.url, KEYS["dave"]) as c:  # a legacy session of the same grant has its own quota
        assert_passed(await c.call_tool("fx__noop_03", {}))


# -- grants --------------------------------------------------------------------------------------


def _initialize(proc: Proc, headers: dict[str, str]) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}},
    }
    return httpx.post(
        proc.url, json=body, timeout=30, headers={"Accept": "application/json, text/event-stream", **headers}
    )


def test_a_missing_or_unknown_key_gets_401_with_a_challenge(gw: Proc) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer pcu_not_a_key"},
        {"Authorization": f"Basic {KEYS['alice']}"},
        {"Authorization": KEYS["alice"]},
    ):
        reply = _initialize(gw, headers)
        assert reply.status_code == 401, (headers, reply.text)
        assert reply.headers["www-authenticate"].startswith("Bearer "), reply.headers
        assert "Authorization: Bearer <key>" in reply.json()["error"]["message"]
    ok = _initialize(gw, {"Authorization": f"Bearer {KEYS['alice']}"})
    assert ok.status_code == 200 and "mcp-session-id" in ok.headers


async def test_an_unknown_key_is_refused_by_the_sdk_client_too(gw: Proc) -> None:
    with pytest.raises(BaseException) as caught:  # the SDK wraps the HTTP 401 in exception groups
        async with connect(gw.url, "pcu_not_a_key") as c:
            await c.list_tools()
    assert "401" in repr(caught.value) or "Unauthorized" in repr(caught.value), repr(caught.value)


@pytest.mark.parametrize("mode", ERAS)
async def test_a_grant_reaches_only_its_servers(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["onlyfy"], mode) as c:
        names = await all_tool_names(c)
        assert names and all(name.startswith("fy__") for name in names), names
        assert_passed(await c.call_tool("fy__echo", {"text": "fy"}), "fy")
        error = await protocol_error(c, "fx__echo", {"text": "fx"})
        assert error.error.code == -32602 and error.error.message == "Unknown tool: fx__echo"


@pytest.mark.parametrize("mode", ERAS)
async def test_a_grant_without_a_policy_denies_every_call(gw: Proc, mode: str) -> None:
    async with connect(gw.url, KEYS["nopolicy"], mode) as c:
        for name, arguments in (("fx__echo", {"text": "x"}), ("fy__add", {"a": 1, "b": 2}), ("fx__noop_11", {})):
            result = await c.call_tool(name, arguments)
            meta = assert_denied(result, "no-policy")
            assert "grant has no policy, so every call is denied" in meta["reason"]
            assert "ask a person to give this grant a policy" in text_of(result)
