"""The audit page, the grants page and the overview in Chromium, against a gateway and a real MCP client.

- The audit page shows calls live as the client makes them; filters narrow it; a record opens in full;
  the filtered records export as JSON Lines and CSV.
- Grants: one is created (its key is shown once and works at once); revoking it gets its key 401 at once;
  revoking it again says it is gone.
- The overview shows the upstream's health and counts, and updates live as calls are made.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser

from tests.console.support import ADMIN, console_folder, live, new_page, shot, sign_in
from tests.e2e.support import KEY_A, connect, text_of
from tests.harness import Proc, running_gateway

POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__echo": {}, "fx__add": {"action": "deny", "reason": "no sums"}},
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("console-audit")
    with running_gateway(console_folder(folder, POLICY)) as gw:
        yield gw


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


async def test_a_grant_is_created_with_its_key_shown_once_and_revoked_at_once(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    await page.goto(f"{gateway.base_url}/console/grants")
    await page.get_by_test_id("grant-name").fill("console-made")
    await page.get_by_test_id("grant-policy").fill("policy.json")
    await page.get_by_test_id("grant-create").click()
    key = await page.get_by_test_id("new-key").inner_text()
    assert key.startswith("pcu_")
    await page.get_by_test_id("grant-console-made").wait_for()
    await shot(page, "grants")
    async with connect(gateway.url, key) as agent:
        assert text_of(await agent.call_tool("fx__echo", {"text": "new key"})) == "new key"
    await page.reload()
    assert key not in await page.content()  # shown once: never again
    page.on("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("revoke-console-made").click()
    await page.get_by_test_id("grant-console-made").wait_for(state="detached")
    refused = httpx.post(
        gateway.url,
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert refused.status_code == 401
    csrf = await page.locator("meta[name=csrf-token]").get_attribute("content")
    again = await page.request.delete(
        f"{gateway.base_url}/api/v1/grants/console-made", headers={"X-CSRF-Token": csrf or ""}
    )
    assert again.status == 404 and "no grant named 'console-made'" in (await again.json())["error"]


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
