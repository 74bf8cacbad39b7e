"""The audit page, the grants page and the overview in Chromium, against a gateway and a real MCP client.

- The audit page shows calls live as the client makes them; filters narrow it; a record opens in full;
  the filtered records export as JSON Lines and CSV.
- Grants: one is created (its key is shown once and works at once); revoking it gets its key 401 at once,
  also when Revoke is clicked while the rows are being refreshed;
  revoking it again says it is gone; another tab sees a grant a script made appear live, and revoking it
  after someone else did says so on the page.
- Grants: each grant's rate-limit counters as they are now (the gateway's counters in the real Redis), on
  the page (live, as calls are made) and in ``GET /api/v1/grants/{name}/limits``; reading them takes nothing.
- The overview shows the upstream's health and counts, and updates live as calls are made.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser, Dialog, Page, Route

from tests.console.support import ADMIN, console_folder, live, new_page, shot, sign_in
from tests.e2e.support import KEY_A, connect, text_of
from tests.harness import Proc, running_gateway
from tests.limits.conftest import drop_prefix

POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {
        "fx__echo": {},
        "fx__add": {"action": "deny", "reason": "no sums"},
        "fx__structured": {"limits": [{"counter": "shouts", "window": "hour", "max": 3, "scope": "grant"}]},
    },
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("console-audit")
    prefix = f"pc-console-test:{uuid.uuid4().hex}:"
    with running_gateway(console_folder(folder, POLICY, store=f"{redis_url}?prefix={prefix}")) as gw:
        yield gw
    asyncio.run(drop_prefix(redis_url, prefix))


async def test_the_audit_page_shows_calls_live_and_exports_them(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    await page.goto(f"{gateway.base_url}/console/audit")
    await live(page)
    async with connect(gateway.url, KEY_A) as agent:
        assert text_of(await agent.call_tool("fx__echo", {"text": "audited-live"})) == "audited-live"
        assert (await agent.call_tool("fx__add", {"a": 1, "b": 2})).is_error
    await page.locator("tr[data-tool='fx__add']").first.wait_for()  # arrived without a reload
    await page.locator("tr[data-tool='fx__echo']").first.wait_for()
    await shot(page, "audit")
    await page.get_by_test_id("filter-decision").select_option("deny")
    await page.locator("tr[data-tool='fx__echo']").first.wait_for(state="detached")
    assert await page.locator("tr[data-tool='fx__add']").count() >= 1
    jsonl = await page.request.get(f"{gateway.base_url}/api/v1/audit?format=jsonl&decision=deny")
    lines = [json.loads(line) for line in (await jsonl.text()).splitlines()]
    assert lines and all(r["decision"] == "deny" for r in lines) and lines[-1]["tool"] == "add"
    assert await page.get_by_test_id("export-csv").get_attribute("href") == "/api/v1/audit?format=csv&decision=deny"
    exported = await page.request.get(f"{gateway.base_url}/api/v1/audit?format=csv&tool=fx__echo")
    rows = list(csv.DictReader(io.StringIO(await exported.text())))
    assert rows and rows[-1]["tool"] == "echo" and json.loads(rows[-1]["arguments"]) == {"text": "audited-live"}
    await page.locator("tr[data-tool='fx__add'] a").first.click()
    detail = json.loads(await page.get_by_test_id("audit-detail").inner_text())
    assert detail["reason"] == "no sums" and detail["grant"] == "agent-a"
    await shot(page, "audit-record")
    missing = await page.goto(f"{gateway.base_url}/console/audit/999999")
    assert missing is not None and missing.status == 404
    assert "no audit record 999999" in await page.get_by_test_id("missing-message").inner_text()


async def _grant_made_in(page: Page, base_url: str, name: str) -> str:
    """Create grant ``name`` on the console's grants page (signed in as an admin); its key, shown once."""
    await page.goto(f"{base_url}/console/grants")
    await page.get_by_test_id("grant-name").fill(name)
    await page.get_by_test_id("grant-policy").fill("policy.json")
    await page.get_by_test_id("grant-create").click()
    key = await page.get_by_test_id("new-key").inner_text()
    await page.get_by_test_id(f"grant-{name}").wait_for()
    return key


def _key_status(gateway: Proc, key: str) -> int:
    """The HTTP status the gateway answers a request made with ``key``."""
    return httpx.post(
        gateway.url,
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    ).status_code


async def test_a_revoke_clicked_while_the_rows_refresh_is_not_lost(browser: Browser, gateway: Proc) -> None:
    """The grants' rows are refreshed on every call and grant change (``pc:audit``, ``pc:grants``). A revoke
    clicked while a refresh is on its way must still reach the gateway: it waited behind the refresh, whose
    rows then replaced its button, and htmx drops the request of an element no longer on the page (the
    operator had clicked Revoke and confirmed, and the key kept working). The refresh is slowed by the
    browser's own request routing, so that it is surely on its way when Revoke is clicked."""
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    key = await _grant_made_in(page, gateway.base_url, "revoked-mid-refresh")

    async def slowly(route: Route) -> None:
        await asyncio.sleep(1.5)
        await route.continue_()

    await page.route(f"{gateway.base_url}/console/grants", slowly)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.evaluate("htmx.trigger(document.body, 'pc:grants')")  # the rows' refresh, on its way
    await page.get_by_test_id("revoke-revoked-mid-refresh").click()
    await page.get_by_test_id("grant-revoked-mid-refresh").wait_for(state="detached")
    assert _key_status(gateway, key) == 401


async def test_a_grant_is_created_with_its_key_shown_once_and_revoked_at_once(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    key = await _grant_made_in(page, gateway.base_url, "console-made")
    assert key.startswith("pcu_")
    await shot(page, "grant-created")
    async with connect(gateway.url, key) as agent:
        assert text_of(await agent.call_tool("fx__echo", {"text": "new key"})) == "new key"
    await page.reload()
    assert key not in await page.content()  # shown once: never again
    page.on("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("revoke-console-made").click()
    await page.get_by_test_id("grant-console-made").wait_for(state="detached")
    assert _key_status(gateway, key) == 401
    csrf = await page.locator("meta[name=csrf-token]").get_attribute("content")
    again = await page.request.delete(
        f"{gateway.base_url}/api/v1/grants/console-made", headers={"X-CSRF-Token": csrf or ""}
    )
    assert again.status == 404 and "no grant named 'console-made'" in (await again.json())["error"]
    other = await new_page(browser)  # a second tab sees grants come and go without a reload
    await sign_in(other, gateway.base_url, ADMIN)
    await other.goto(f"{gateway.base_url}/console/grants")
    await live(other)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    made = httpx.post(
        f"{gateway.base_url}/api/v1/grants", json={"name": "scripted", "policy": "policy.json"}, headers=admin
    )
    assert made.status_code == 201 and made.json()["key"].startswith("pcu_")
    await other.get_by_test_id("grant-scripted").wait_for()

    async def revoked_meanwhile(dialog: Dialog) -> None:  # someone else revokes it while this tab asks "sure?"
        assert httpx.delete(f"{gateway.base_url}/api/v1/grants/scripted", headers=admin).status_code == 200
        await dialog.accept()

    other.on("dialog", revoked_meanwhile)
    await other.get_by_test_id("revoke-scripted").click()
    await other.get_by_test_id("flash").filter(has_text="no grant named 'scripted'").wait_for()
    await other.get_by_test_id("grant-scripted").wait_for(state="detached")


async def test_the_overview_shows_health_and_counts_live(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    assert await page.get_by_test_id("page-overview").count() == 1
    server = await page.get_by_test_id("server-fx").inner_text()
    assert "ready" in server and "fx" in server
    await live(page)
    before = await page.get_by_test_id("denials").inner_text()
    async with connect(gateway.url, KEY_A) as agent:
        assert (await agent.call_tool("fx__add", {"a": 5, "b": 5})).is_error
    await page.get_by_test_id("denials").filter(has_not_text=before).wait_for()
    await shot(page, "overview")
    spec = httpx.get(f"{gateway.base_url}/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/api/v1/approvals/{id}/approve" in spec["paths"]


async def test_the_grants_page_shows_each_grants_counters_now_live(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    await page.goto(f"{gateway.base_url}/console/grants")
    await live(page)
    counter = page.get_by_test_id("counter-agent-a-shouts")
    assert (await counter.inner_text()).startswith("0/3 per hour")
    async with connect(gateway.url, KEY_A) as agent:
        assert text_of(await agent.call_tool("fx__structured", {"a": 1, "b": 0})) == "1"
        assert text_of(await agent.call_tool("fx__structured", {"a": 2, "b": 0})) == "2"
        await counter.filter(has_text="2/3 per hour").wait_for()  # arrived without a reload
        assert "resets in" in await counter.inner_text()
        await shot(page, "grants")
        assert (await page.get_by_test_id("counter-agent-b-shouts").inner_text()).startswith("0/3")
        headers = {"Authorization": f"Bearer {ADMIN}"}
        for _ in range(3):  # reading the counters takes nothing from them
            got = httpx.get(f"{gateway.base_url}/api/v1/grants/agent-a/limits", headers=headers).json()
            assert [(c["counter"], c["used"], c["max"], c["window"]) for c in got["limits"]] == [
                ("shouts", 2, 3, "hour")
            ]
        listed = httpx.get(f"{gateway.base_url}/api/v1/grants", headers=headers).json()
        assert next(g for g in listed if g["name"] == "agent-a")["limits"][0]["used"] == 2
        assert text_of(await agent.call_tool("fx__structured", {"a": 3, "b": 0})) == "3"  # the 3rd of 3 passes
        assert (await agent.call_tool("fx__structured", {"a": 4, "b": 0})).is_error
    await counter.filter(has_text="3/3 per hour").wait_for()
    missing = httpx.get(f"{gateway.base_url}/api/v1/grants/nobody/limits", headers=headers)
    assert missing.status_code == 404 and "no grant named 'nobody'" in missing.json()["error"]
