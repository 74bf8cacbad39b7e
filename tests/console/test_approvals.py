"""The approvals inbox, in real Chromium tabs, while a real MCP client's call is held by the gateway.

- A held call appears in the inbox of two open tabs (no reload), with its tool, grant, risk, age, time
  left and redacted arguments; it is approved in one tab, disappears from both, and the client's call
  completes with the tool's answer. The history tab shows the decision.
- A denial needs a comment (refused without one, and the page says so); with one, the agent reads it.
- A ``viewer`` sees the request but cannot decide (the buttons are disabled, and the API refuses).
- A request for an approval that does not exist says so.
- Approve, clicked while the inbox's rows are being refreshed, is not lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, Page, Route

from tests.console.support import APPROVER, VIEWER, console_folder, live, new_page, shot, sign_in
from tests.e2e.support import KEY_A, connect, text_of
from tests.harness import Proc, running_gateway

POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__echo": {}, "fx__add": {"action": "require_approval", "reason": "Adding needs a person"}},
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("console-approvals")
    config = console_folder(folder, POLICY, approvals={"timeout": "120s", "progress_interval": 1})
    with running_gateway(config) as gw:
        yield gw


async def inbox(browser: Browser, gw: Proc, token: str) -> Page:
    page = await new_page(browser)
    await sign_in(page, gw.base_url, token)
    await page.goto(f"{gw.base_url}/console/approvals")
    await live(page)
    return page


async def held_id(page: Page, arguments: str) -> str:
    """The id of the pending request whose arguments show ``arguments``, once it is in the page."""
    row = page.locator("tr[data-approval]", has_text=arguments)
    await row.wait_for()
    value = await row.get_attribute("data-approval")
    assert value is not None
    return value


async def test_a_held_call_shows_in_two_tabs_is_approved_in_one_and_completes(browser: Browser, gateway: Proc) -> None:
    first = await inbox(browser, gateway, APPROVER)
    second = await first.context.new_page()
    await second.goto(f"{gateway.base_url}/console/approvals")
    await live(second)
    async with connect(gateway.url, KEY_A) as agent:
        call = asyncio.create_task(agent.call_tool("fx__add", {"a": 20, "b": 22}))
        approval = await held_id(first, '"a": 20')
        assert await held_id(second, '"a": 20') == approval
        row = first.get_by_test_id(f"approval-{approval}")
        text = await row.inner_text()
        assert "fx__add" in text and "agent-a" in text and "medium" in text  # tool, grant, risk
        assert "0s" in text or "1s" in text  # its age; the time left comes next
        await shot(first, "approvals")
        await first.get_by_test_id(f"approve-{approval}").click()
        await first.get_by_test_id(f"approval-{approval}").wait_for(state="detached")
        await second.get_by_test_id(f"approval-{approval}").wait_for(state="detached")
        result = await asyncio.wait_for(call, 60)
        assert text_of(result) == "42"
    await second.get_by_test_id("tab-history").click()
    decided = second.get_by_test_id(f"approval-{approval}")
    assert "approved" in await decided.inner_text() and "api:bob" in await decided.inner_text()
    await shot(second, "approvals-history")


async def test_an_approval_clicked_while_the_rows_refresh_is_not_lost(browser: Browser, gateway: Proc) -> None:
    """Approve, clicked while a refresh of the inbox's rows is on its way, still reaches the gateway (it
    waited behind the refresh, whose rows replaced its button, and htmx dropped it: the agent stayed held).
    The refresh is slowed by the browser's own request routing, so that it is surely on its way."""
    page = await inbox(browser, gateway, APPROVER)
    async with connect(gateway.url, KEY_A) as agent:
        call = asyncio.create_task(agent.call_tool("fx__add", {"a": 30, "b": 12}))
        approval = await held_id(page, '"a": 30')

        async def slowly(route: Route) -> None:
            await asyncio.sleep(1.5)
            await route.continue_()

        await page.route("**/console/approvals/rows*", slowly)
        await page.evaluate("htmx.trigger(document.body, 'pc:approvals')")  # the rows' refresh, on its way
        await page.get_by_test_id(f"approve-{approval}").click()
        assert text_of(await asyncio.wait_for(call, 60)) == "42"
        await page.get_by_test_id(f"approval-{approval}").wait_for(state="detached")


async def test_a_denial_needs_a_comment_which_the_agent_reads(browser: Browser, gateway: Proc) -> None:
    page = await inbox(browser, gateway, APPROVER)
    async with connect(gateway.url, KEY_A) as agent:
        call = asyncio.create_task(agent.call_tool("fx__add", {"a": 1, "b": 99}))
        approval = await held_id(page, '"b": 99')
        await page.get_by_test_id(f"deny-{approval}").click()
        flash = page.get_by_test_id("flash")
        await flash.wait_for()
        assert "a denial needs a comment" in await flash.inner_text()
        assert await page.get_by_test_id(f"approval-{approval}").count() == 1  # still pending
        await page.get_by_test_id(f"comment-{approval}").fill("not on a Monday")
        await page.get_by_test_id(f"deny-{approval}").click()
        await page.get_by_test_id(f"approval-{approval}").wait_for(state="detached")
        result = await asyncio.wait_for(call, 60)
        assert result.is_error and "not on a Monday" in text_of(result)


async def test_a_viewer_sees_a_request_but_cannot_decide_it(browser: Browser, gateway: Proc) -> None:
    page = await inbox(browser, gateway, VIEWER)
    approver = await inbox(browser, gateway, APPROVER)
    async with connect(gateway.url, KEY_A) as agent:
        call = asyncio.create_task(agent.call_tool("fx__add", {"a": 7, "b": 7}))
        approval = await held_id(page, '"a": 7')
        assert await page.get_by_test_id(f"approve-{approval}").is_disabled()
        assert await page.get_by_test_id(f"deny-{approval}").is_disabled()
        assert "may see requests but not decide" in await page.get_by_test_id("viewer-note").inner_text()
        csrf = await page.locator("meta[name=csrf-token]").get_attribute("content")
        forced = await page.request.post(
            f"{gateway.base_url}/api/v1/approvals/{approval}/approve", headers={"X-CSRF-Token": csrf or ""}
        )
        assert forced.status == 403 and "role viewer" in (await forced.json())["error"]
        assert await page.get_by_test_id(f"approval-{approval}").count() == 1
        await approver.get_by_test_id(f"comment-{approval}").fill("cleaning up")
        await approver.get_by_test_id(f"deny-{approval}").click()
        await page.get_by_test_id(f"approval-{approval}").wait_for(state="detached")  # the viewer's tab follows
        assert (await asyncio.wait_for(call, 60)).is_error


async def test_an_unknown_approval_says_so(browser: Browser, gateway: Proc) -> None:
    page = await inbox(browser, gateway, APPROVER)
    csrf = await page.locator("meta[name=csrf-token]").get_attribute("content")
    gone = await page.request.post(
        f"{gateway.base_url}/api/v1/approvals/ap_000000000000/approve", headers={"X-CSRF-Token": csrf or ""}
    )
    assert gone.status == 404 and "ap_000000000000" in (await gone.json())["error"]
    shown = await page.request.get(f"{gateway.base_url}/api/v1/approvals/ap_000000000000")
    assert shown.status == 404


async def test_an_approval_for_a_duration_covers_the_same_call_again(browser: Browser, gateway: Proc) -> None:
    page = await inbox(browser, gateway, APPROVER)
    async with connect(gateway.url, KEY_A) as agent:
        call = asyncio.create_task(agent.call_tool("fx__add", {"a": 300, "b": 3}))
        approval = await held_id(page, '"a": 300')
        await page.get_by_test_id(f"for-{approval}").select_option("1h")
        await page.get_by_test_id(f"approve-{approval}").click()
        assert text_of(await asyncio.wait_for(call, 60)) == "303"
        assert text_of(await agent.call_tool("fx__add", {"a": 300, "b": 3})) == "303"  # not held again
    await page.get_by_test_id("tab-history").click()
    assert "until" in await page.get_by_test_id(f"approval-{approval}").inner_text()
