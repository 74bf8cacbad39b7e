"""The policy builder in Chromium: build rules visually, watch them checked, save, and the client sees them.

- Three tools get a rule each — one denied with a reason, one rate-limited, one held for approval; a
  mistake (a limit of "ten") is caught by the check, with the words of ``portcullis policy check``; saving
  it then is refused with its problems listed and the file untouched; it is fixed; "explain" runs a
  sample call through the draft; the diff is shown; saving writes the file, the gateway reloads it, the
  client sees each rule, and the audit trail records who saved what.
- A concurrent edit (the file changed on disk after the page loaded) is refused, not overwritten.
- A pasted policy: the design's PolicyLayer example checks clean; a broken one is refused with its
  problems listed and the live policy untouched.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import mcp_types as types
from playwright.async_api import Browser, Page

from tests.console.support import ADMIN, console_folder, new_page, shot, sign_in
from tests.e2e.support import KEY_A, connect, text_of, until
from tests.harness import running_gateway

START = {"version": "1", "default": "deny", "tools": {"fx__echo": {}, "fx__add": {}, "fx__structured": {}}}
POLICYLAYER = {
    "version": "1",
    "default": "deny",
    "hide": ["sperax__*_private_key*"],
    "all_tools": {"limits": [{"counter": "all", "window": "minute", "max": 600, "scope": "grant"}]},
    "tools": {
        "sperax__BinanceOptionsCreateListenKey": {
            "limits": [{"counter": "listenkey_rate", "window": "minute", "max": 30, "scope": "grant"}]
        },
        "sperax__*_withdraw*": {"action": "require_approval", "reason": "Moves funds"},
        "sperax__transfer_token": {
            "args": {"type": "object", "properties": {"amount": {"type": "number", "maximum": 1000}}},
            "deny_if": [
                {
                    "conditions": [{"path": "args.to", "op": "not_in", "value": ["0xTREASURY"]}],
                    "on_deny": "Only the treasury may receive transfers",
                }
            ],
            "limits": [{"counter": "spend", "window": "day", "max": 5000, "scope": "grant", "cost": "args.amount"}],
        },
        "github__delete_*": {"action": "deny", "reason": "Deletion is done by people"},
    },
}


async def set_rule(page: Page, tool: str, action: str, **fields: str) -> None:
    """Tick ``tool`` alone, fill the rule form, apply it, and wait for the draft to come back."""
    for box in await page.locator("input[name='tools']:checked").all():
        await box.uncheck()
    await page.get_by_test_id(f"pick-{tool}").check()
    await page.get_by_test_id("rule-action").select_option(action)
    for name in ("reason", "limit-max", "limit-window", "limit-scope"):
        target = page.get_by_test_id(f"rule-{name}")
        value = fields.get(name.replace("-", "_"), "")
        if name in ("limit-window", "limit-scope"):
            await target.select_option(value or ("minute" if name == "limit-window" else "grant"))
        else:
            await target.fill(value)
    await swapped(page, page.get_by_test_id("rule-apply").click)
    assert "Rule set on 1 tool(s)" in await page.get_by_test_id("draft-message").inner_text()


async def swapped(page: Page, action: Callable[[], Awaitable[None]]) -> None:
    """Do ``action`` and wait until the draft panel was replaced by the server's answer."""
    await page.locator("#draft").evaluate("element => element.setAttribute('data-stale', '1')")
    await action()
    await page.locator("#draft:not([data-stale])").wait_for()


async def test_three_rules_built_checked_saved_and_enforced(browser: Browser, tmp_path: Path) -> None:
    config = console_folder(tmp_path, START, approvals={"timeout": "1s", "progress_interval": 0.5})
    with running_gateway(config) as gw:
        page = await new_page(browser)
        await sign_in(page, gw.base_url, ADMIN)
        await page.goto(f"{gw.base_url}/console/policy")
        await shot(page, "policy")
        await set_rule(page, "fx__echo", "deny", reason="Echo is switched off today")
        await set_rule(page, "fx__add", "allow", limit_max="ten")
        problems = page.get_by_test_id("check-problems")
        assert "limits[0].max" in await problems.inner_text()
        await shot(page, "policy-problem")
        before = (tmp_path / "policy.json").read_text()
        await page.get_by_test_id("save-policy").click()  # the broken draft from the builder is refused
        await page.get_by_test_id("draft-error").filter(has_text="not valid").wait_for()
        assert "limits[0].max" in await page.get_by_test_id("check-problems").inner_text()
        assert (tmp_path / "policy.json").read_text() == before
        await set_rule(page, "fx__add", "allow", limit_max="1", limit_window="minute")
        await page.get_by_test_id("check-ok").wait_for()
        await set_rule(page, "fx__structured", "require_approval", reason="Structured answers need a person")
        diff = await page.get_by_test_id("draft-diff").inner_text()
        assert "Echo is switched off today" in diff and '"max": 1' in diff and "require_approval" in diff
        await page.get_by_test_id("explain-tool").fill("fx__echo")
        await page.get_by_test_id("explain").click()
        assert await page.get_by_test_id("explain-decision").inner_text() == "deny"
        assert await page.get_by_test_id("explain-rule").inner_text() == "$.tools.fx__echo"
        await shot(page, "policy-draft")
        await swapped(page, page.get_by_test_id("save-policy").click)
        assert "Saved" in await page.get_by_test_id("draft-message").inner_text()
        saved = json.loads((tmp_path / "policy.json").read_text())
        assert saved["tools"]["fx__echo"] == {"action": "deny", "reason": "Echo is switched off today"}

        async with connect(gw.url, KEY_A) as agent:

            async def denied() -> types.CallToolResult | None:
                result = await agent.call_tool("fx__echo", {"text": "hi"})
                return result if result.is_error else None

            assert "Echo is switched off today" in text_of(await until(denied, "the new policy is in force"))
            assert text_of(await agent.call_tool("fx__add", {"a": 1, "b": 1})) == "2"
            limited = await agent.call_tool("fx__add", {"a": 1, "b": 1})
            assert limited.is_error and "limit" in text_of(limited).lower()
            held = await agent.call_tool("fx__structured", {"a": 1, "b": 2})
            assert held.is_error and "pending approval" in text_of(held)
        records = httpx.get(
            f"{gw.base_url}/api/v1/audit",
            params={"decision": "policy_change"},
            headers={"Authorization": f"Bearer {ADMIN}"},
        ).json()
        assert records[-1]["approver"] == "alice" and "Echo is switched off today" in records[-1]["arguments"]["diff"]


async def test_a_concurrent_edit_is_refused_not_overwritten(browser: Browser, tmp_path: Path) -> None:
    with running_gateway(console_folder(tmp_path, START)) as gw:
        page = await new_page(browser)
        await sign_in(page, gw.base_url, ADMIN)
        await page.goto(f"{gw.base_url}/console/policy")
        await set_rule(page, "fx__echo", "deny", reason="mine")
        theirs = {**START, "tools": {"fx__echo": {"action": "deny", "reason": "theirs"}}}
        (tmp_path / "policy.json").write_text(json.dumps(theirs))
        await page.get_by_test_id("save-policy").click()
        error = page.get_by_test_id("draft-error")
        await error.wait_for()
        assert "changed since you loaded it" in await error.inner_text() and "NOT saved" in await error.inner_text()
        assert json.loads((tmp_path / "policy.json").read_text()) == theirs
        await page.get_by_test_id("start-current").click()
        await page.get_by_test_id("draft-same").wait_for()
        assert "theirs" in await page.get_by_test_id("draft-text").input_value()


async def test_a_pasted_policy_is_checked_and_a_broken_one_never_saved(browser: Browser, tmp_path: Path) -> None:
    with running_gateway(console_folder(tmp_path, START)) as gw:
        live = (tmp_path / "policy.json").read_text()
        page = await new_page(browser)
        await sign_in(page, gw.base_url, ADMIN)
        await page.goto(f"{gw.base_url}/console/policy")
        await page.get_by_test_id("draft-text").fill(json.dumps(POLICYLAYER, indent=2))
        await page.get_by_test_id("check-ok").wait_for()
        await page.get_by_test_id("draft-text").fill(
            '{"version": "1", "default": "maybe", "tools": {"x": {"action": "nap"}}}'
        )
        await page.get_by_test_id("check-failed").wait_for()
        problems = await page.get_by_test_id("check-problems").inner_text()
        assert "$.default" in problems and "$.tools.x.action" in problems
        await page.get_by_test_id("save-policy").click()
        await page.get_by_test_id("draft-error").filter(has_text="not valid").wait_for()
        assert (tmp_path / "policy.json").read_text() == live
        download = await page.request.get(f"{gw.base_url}/api/v1/policy?format=raw")
        assert await download.text() == live and "attachment" in download.headers["content-disposition"]
