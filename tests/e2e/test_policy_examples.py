"""Issue 3 end to end: the example policies behave as written, through a running ``portcullis serve``.

The policies are the files in ``examples/policies/`` as they are:
- ``design.json`` — the design's example policy (hide, all_tools limits, a per-tool limit, a glob
  that needs approval, a schema + ``deny_if`` + spend cap, a denied glob);
- ``policylayer-listenkey.json`` — the issue's published PolicyLayer policy, pasted unchanged (an
  unprefixed key: that tool on every server);
- ``published-window-seconds.yaml`` — the published form with ``window: 60`` and the shorthand.

Each one first passes ``portcullis policy check``. One gateway serves them all, one grant (agent key)
per policy, in front of upstreams that carry the tool names the examples speak of: a small stdio
MCP server in this file (``python -m tests.e2e.test_policy_examples tools NAME…``) whose every
tool answers with its own name and arguments.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.support import (
    Later,
    all_tool_names,
    assert_denied,
    assert_passed,
    connect,
    digest,
    protocol_error,
    serve_stdio,
    text_of,
)
from tests.harness import MODERN, PYTHON, ROOT, Proc, running_gateway, write_config

EXAMPLES = ROOT / "examples" / "policies"
DESIGN = EXAMPLES / "design.json"
ISSUE = EXAMPLES / "policylayer-listenkey.json"
PUBLISHED = EXAMPLES / "published-window-seconds.yaml"

SERVERS = {
    "sperax": [
        "BinanceOptionsCreateListenKey",
        "BinanceWalletWithdraw",
        "binance_us_withdraw_crypto",
        "binance_us_withdraw_fiat",
        "BinanceWalletWithdrawHistory",
        "withdraw_from_lending",
        "transfer_token",
        "get_address_from_private_key",
        "export_private_keys",
    ],
    "github": ["delete_repo", "delete_file", "create_issue", "search"],
    "binance": ["BinanceOptionsCreateListenKey", "BinanceOptionsDeleteListenKey"],
    "docs": ["search"],
}
GRANTS = {  # grant name → policy; a grant per test keeps the counters of one test away from the others
    "hide": DESIGN,
    "listen": DESIGN,
    "approve": DESIGN,
    "transfer": DESIGN,
    "deny": DESIGN,
    "all": DESIGN,
    "issue": ISSUE,
    "published": PUBLISHED,
}
TREASURY = "0xTREASURY"


def named_tools_server(names: list[str]) -> int:
    """A stdio MCP server (legacy era, stdlib only) with one tool per name, each answering
    ``{"tool": NAME, "arguments": ARGS}`` as text."""
    tools = [
        {
            "name": name,
            "description": f"The {name} tool of this test.",
            "inputSchema": {"type": "object", "additionalProperties": True},
        }
        for name in names
    ]

    def handle(rid: Any, method: str, params: dict[str, Any]) -> dict[str, Any] | Later | None:
        if method == "tools/list":
            return {"tools": tools}
        if method == "tools/call" and params.get("name") in names:
            text = json.dumps({"tool": params["name"], "arguments": params.get("arguments") or {}}, sort_keys=True)
            return {"content": [{"type": "text", "text": text}]}
        return None

    return serve_stdio("named-tools", handle)


def key(grant: str) -> str:
    return f"pcu_e2e_examples_{grant}"


def ran(text: str) -> dict[str, Any]:
    """What the named-tools upstream answered: the tool it ran and the arguments it got."""
    answered: dict[str, Any] = json.loads(text)
    return answered


async def fresh_minute(needed: float = 15.0) -> None:
    """Wait (at most ``needed`` s) so that a burst of per-minute calls does not straddle a minute boundary,
    where the sliding window would legitimately let a few more through. These tests depend on the clock:
    ``needed`` is a generous bound on how long a burst takes on a busy machine."""
    left = 60.0 - time.time() % 60.0
    if left < needed:
        await asyncio.sleep(left + 0.2)


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("examples")
    servers = {
        name: {"command": PYTHON, "args": ["-m", "tests.e2e.test_policy_examples", "tools", *tools], "cwd": str(ROOT)}
        for name, tools in SERVERS.items()
    }
    grants = [{"name": name, "key_sha256": digest(key(name)), "policy": str(policy)} for name, policy in GRANTS.items()]
    config = write_config(folder / "portcullis.yaml", servers, grants=grants, approvals={"timeout": 0.2})
    with running_gateway(config) as proc:
        yield proc


@pytest.mark.parametrize("example", [DESIGN, ISSUE, PUBLISHED], ids=lambda p: p.name)
def test_every_example_passes_policy_check(example: Path) -> None:
    checked = subprocess.run(
        [PYTHON, "-m", "portcullis", "policy", "check", str(example)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# -- the design's example --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", MODERN])
async def test_design_hide_private_key_tools(gw: Proc, mode: str) -> None:
    async with connect(gw.url, key("hide"), mode) as c:
        names = await all_tool_names(c)
        assert "sperax__transfer_token" in names and "github__delete_repo" in names
        for hidden in ("sperax__get_address_from_private_key", "sperax__export_private_keys"):
            assert hidden not in names
            error = await protocol_error(c, hidden, {})
            assert error.error.code == -32602 and error.error.message == f"Unknown tool: {hidden}"


async def test_design_listen_key_limit_is_30_a_minute_per_grant(gw: Proc) -> None:
    await fresh_minute()
    async with connect(gw.url, key("listen")) as c:
        results = await asyncio.gather(*(c.call_tool("sperax__BinanceOptionsCreateListenKey", {}) for _ in range(31)))
        passed = [r for r in results if not r.is_error]
        assert len(passed) == 30
        assert ran(text_of(passed[0]))["tool"] == "BinanceOptionsCreateListenKey"
        [refused] = [r for r in results if r.is_error]
        meta = assert_denied(refused, "$.tools.sperax__BinanceOptionsCreateListenKey.limits[0]")
        assert meta["reason"] == (
            "rate limit reached: 30/minute on counter 'listenkey_rate' (per grant listen), 30 used"
        )
        assert 0 < meta["retry_after"] <= 120  # a sliding window: up to two windows
        # The same tool on another server is not named by this policy (the key is prefixed): default deny.
        assert_denied(await c.call_tool("binance__BinanceOptionsCreateListenKey", {}), "$.default")


@pytest.mark.parametrize("mode", ["legacy", MODERN])
async def test_design_withdraw_glob_needs_approval(gw: Proc, mode: str) -> None:
    async with connect(gw.url, key("approve"), mode) as c:
        for tool in ("binance_us_withdraw_crypto", "binance_us_withdraw_fiat"):
            held = await c.call_tool(f"sperax__{tool}", {"amount": 5, "mode": mode})
            meta = assert_denied(held, "$.tools['sperax__*_withdraw*']", decision="pending")
            assert meta["approvalId"] and "pending approval" in meta["reason"]
            assert "portcullis approvals approve" in text_of(held)
        # `*_withdraw*` is case-sensitive and needs the underscore: these fall to the default (deny).
        for tool in ("BinanceWalletWithdraw", "BinanceWalletWithdrawHistory", "withdraw_from_lending"):
            assert_denied(await c.call_tool(f"sperax__{tool}", {}), "$.default")


async def test_design_withdraw_reason_reaches_the_approver(gw: Proc, tmp_path: Path) -> None:
    async with connect(gw.url, key("approve")) as c:
        held = await c.call_tool("sperax__binance_us_withdraw_crypto", {"amount": 7, "note": "reason check"})
        approval_id = assert_denied(held, "$.tools['sperax__*_withdraw*']", decision="pending")["approvalId"]
    config = Path(gw.args[gw.args.index("-c") + 1])
    shown = subprocess.run(
        [PYTHON, "-m", "portcullis", "approvals", "show", approval_id, "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "binance_us_withdraw_crypto" in shown.stdout and "sperax" in shown.stdout and "7" in shown.stdout


async def test_design_transfer_token_schema_deny_if_and_daily_spend_cap(gw: Proc) -> None:
    async with connect(gw.url, key("transfer")) as c:
        too_much = await c.call_tool("sperax__transfer_token", {"amount": 1001, "to": TREASURY})
        meta = assert_denied(too_much, "$.tools.sperax__transfer_token.args")
        assert meta["argument"] == "amount" and "1001" in meta["reason"] and "1000" in meta["reason"]

        elsewhere = await c.call_tool("sperax__transfer_token", {"amount": 10, "to": "0xEVE"})
        meta = assert_denied(elsewhere, "$.tools.sperax__transfer_token.deny_if[0]")
        assert meta["argument"] == "to" and meta["reason"] == "Only the treasury may receive transfers"
        assert "change argument 'to'" in text_of(elsewhere)

        no_amount = await c.call_tool("sperax__transfer_token", {"to": TREASURY})
        meta = assert_denied(no_amount, "$.tools.sperax__transfer_token.limits[0]")
        assert meta["argument"] == "amount"
        assert meta["reason"] == "argument 'amount' is required: it is the cost counted against the limit on 'spend'"

        # 5 x 1000 = the whole day's 5000; the denied calls above spent nothing.
        for _ in range(5):
            done = await c.call_tool("sperax__transfer_token", {"amount": 1000, "to": TREASURY})
            assert_passed(done)
            assert ran(text_of(done)) == {"tool": "transfer_token", "arguments": {"amount": 1000, "to": TREASURY}}
        over = await c.call_tool("sperax__transfer_token", {"amount": 1, "to": TREASURY})
        meta = assert_denied(over, "$.tools.sperax__transfer_token.limits[0]")
        assert meta["reason"] == "rate limit reached: 5000/day on counter 'spend' (per grant transfer), 5000 used"
        midnight = (math.floor(time.time() / 86400) + 1) * 86400
        assert abs(time.time() + meta["retry_after"] - midnight) < 60, meta
        # A zero amount costs nothing and still passes.
        assert_passed(await c.call_tool("sperax__transfer_token", {"amount": 0, "to": TREASURY}))


@pytest.mark.parametrize("mode", ["legacy", MODERN])
async def test_design_github_deletes_are_denied_and_unlisted_tools_default_to_deny(gw: Proc, mode: str) -> None:
    async with connect(gw.url, key("deny"), mode) as c:
        for tool in ("delete_repo", "delete_file"):
            result = await c.call_tool(f"github__{tool}", {"repo": "x"})
            meta = assert_denied(result, "$.tools['github__delete_*']")
            assert meta["reason"] == "Deletion is done by people"
        assert_denied(await c.call_tool("github__create_issue", {"title": "x"}), "$.default")


async def test_design_all_tools_limit_is_600_a_minute_per_grant(gw: Proc) -> None:
    await fresh_minute(needed=30.0)  # the 600 calls take a few seconds, more on a busy machine
    async with connect(gw.url, key("all")) as c:
        passed = 0
        for _ in range(6):  # 600 calls in batches of 100; amount 0 costs nothing on 'spend'
            batch = await asyncio.gather(
                *(c.call_tool("sperax__transfer_token", {"amount": 0, "to": TREASURY}) for _ in range(100))
            )
            passed += sum(1 for r in batch if not r.is_error)
        assert passed == 600
        over = await c.call_tool("sperax__transfer_token", {"amount": 0, "to": TREASURY})
        meta = assert_denied(over, "$.all_tools.limits[0]")
        assert meta["reason"] == "rate limit reached: 600/minute on counter 'all' (per grant all), 600 used"
        # Every tool shares 'all': another tool of the same grant is refused too.
        assert_denied(await c.call_tool("sperax__BinanceOptionsCreateListenKey", {}), "$.all_tools.limits[0]")


# -- the issue's published policy, pasted unchanged ------------------------------------------------


async def test_issue_policy_limits_the_listen_key_tool_on_every_server_together(gw: Proc) -> None:
    await fresh_minute()
    async with connect(gw.url, key("issue")) as c, connect(gw.url, key("issue"), MODERN) as m:
        first = await asyncio.gather(*(c.call_tool("sperax__BinanceOptionsCreateListenKey", {}) for _ in range(20)))
        second = await asyncio.gather(*(m.call_tool("binance__BinanceOptionsCreateListenKey", {}) for _ in range(11)))
        assert all(not r.is_error for r in first)
        assert sum(1 for r in second if not r.is_error) == 10
        [refused] = [r for r in second if r.is_error]
        meta = assert_denied(refused, "$.tools.BinanceOptionsCreateListenKey.limits[0]")
        assert meta["reason"].startswith(
            "rate limit reached: 30/minute on counter 'binanceoptionscreatelistenkey_rate' (per grant issue)"
        )
        # Everything else falls to "default": "deny".
        assert_denied(await c.call_tool("binance__BinanceOptionsDeleteListenKey", {}), "$.default")
        assert_denied(await c.call_tool("github__search", {"q": "x"}), "$.default")


# -- the published form: window in seconds, session scope, the shorthand ---------------------------


async def test_published_policy_window_seconds_session_scope_and_shorthand(gw: Proc) -> None:
    await fresh_minute()
    async with connect(gw.url, key("published")) as c:
        # `search` (unprefixed): 10 a minute per session, counted on one counter for every server.
        for i in range(10):
            server = "github" if i % 2 else "docs"
            assert_passed(await c.call_tool(f"{server}__search", {"q": str(i)}))
        meta = assert_denied(await c.call_tool("docs__search", {"q": "11"}), "$.tools.search.limits[0]")
        assert meta["reason"] == "rate limit reached: 10/minute on counter 'search_rate' (per session), 10 used"
        # `github__create_issue`: "5/hour", per grant, across sessions.
        for _ in range(3):
            assert_passed(await c.call_tool("github__create_issue", {"title": "t"}))
    async with connect(gw.url, key("published")) as c:
        assert_passed(await c.call_tool("github__search", {"q": "new session"}))  # a new session's own 10
        for _ in range(2):
            assert_passed(await c.call_tool("github__create_issue", {"title": "t"}))
        meta = assert_denied(
            await c.call_tool("github__create_issue", {"title": "t"}), "$.tools.github__create_issue.rate_limit"
        )
        assert meta["reason"].startswith(
            "rate limit reached: 5/hour on counter 'github__create_issue#rate' (per grant published)"
        )
        assert_denied(await c.call_tool("github__delete_repo", {}), "$.default")


if __name__ == "__main__" and sys.argv[1:2] == ["tools"]:
    raise SystemExit(named_tools_server(sys.argv[2:]))
