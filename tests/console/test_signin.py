"""Sign-in and the console's safety, in a real Chromium against a running ``portcullis serve``.

- An admin token signs in; the session cookie is HttpOnly and SameSite=Strict with an expiry; every
  page carries a strict Content-Security-Policy and loads nothing from another host.
- A wrong token is refused; an agent key is refused (it never opens a page or ``/api/v1``).
- A request without (or with a wrong) CSRF token is refused, even with a valid session.
- A session whose admin token is revoked (or whose cookie is forged) goes back to sign-in.
- A session past its 8 hours goes back to sign-in, told why (a page; an htmx fragment gets 401 and
  ``HX-Redirect``; the API answers 401): the gateway shares its signing key with the test
  (``PORTCULLIS_CONSOLE_SECRET``), which signs a cookie that expired an hour ago.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from portcullis.config.model import AdminTokenConfig
from portcullis.console.session import SessionSigner
from tests.console.support import ADMIN, OPERATORS, VIEWER, console_folder, new_page, shot, sign_in
from tests.e2e.support import KEY_A, digest
from tests.harness import Proc, running_gateway
from tests.waiting import wait_for

POLICY = {"version": "1", "default": "deny", "tools": {"fx__echo": {}}}
SECRET = "console-signin-test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("console-signin")
    with running_gateway(console_folder(folder, POLICY), env={"PORTCULLIS_CONSOLE_SECRET": SECRET}) as gw:
        yield gw


async def test_an_admin_token_signs_in_with_a_strict_cookie_and_csp(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    response = await page.goto(f"{gateway.base_url}/console")
    assert response is not None and page.url.endswith("/console/login")
    await shot(page, "login")
    await sign_in(page, gateway.base_url, ADMIN)
    assert await page.get_by_test_id("who").inner_text() == "alice · admin"
    cookie = next(c for c in await page.context.cookies() if c["name"] == "portcullis_console")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    shown = await page.goto(f"{gateway.base_url}/console")
    assert shown is not None
    csp = shown.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    # htmx and the console's script are served by the gateway itself, and nothing comes from another host.
    assert await page.evaluate("typeof window.htmx") == "object"
    assert all(url.startswith(gateway.base_url) for url in requested), requested
    assert await page.locator("script:not([src])").count() == 0  # no inline script anywhere


async def test_a_wrong_token_and_an_agent_key_are_refused(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await page.goto(f"{gateway.base_url}/console/login")
    await page.get_by_test_id("token-input").fill("pca_not_a_real_token")
    await page.get_by_test_id("sign-in").click()
    assert await page.get_by_test_id("login-message").inner_text() == "Wrong admin token."
    await page.get_by_test_id("token-input").fill(KEY_A)
    await page.get_by_test_id("sign-in").click()
    assert "agent key" in await page.get_by_test_id("login-message").inner_text()
    assert not [c for c in await page.context.cookies() if c["name"] == "portcullis_console"]
    # Nor does an agent key open the admin API.
    answer = httpx.get(f"{gateway.base_url}/api/v1/overview", headers={"Authorization": f"Bearer {KEY_A}"})
    assert answer.status_code == 403 and "agent key" in answer.json()["error"]
    assert httpx.get(f"{gateway.base_url}/api/v1/overview").status_code == 401


async def test_a_request_without_the_csrf_token_is_refused(browser: Browser, gateway: Proc) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, ADMIN)
    base = gateway.base_url
    bare = await page.request.post(f"{base}/api/v1/grants", data={"name": "sneaky"})
    assert bare.status == 403 and "CSRF" in (await bare.json())["error"]
    wrong = await page.request.post(f"{base}/api/v1/grants", data={"name": "sneaky"}, headers={"X-CSRF-Token": "x"})
    assert wrong.status == 403
    form = await page.request.post(f"{base}/console/grants", form={"name": "sneaky"})
    assert form.status == 403
    # The sign-in form itself carries a token: a post from elsewhere (no token) is refused.
    other = await page.request.post(f"{base}/console/login", form={"token": ADMIN})
    assert other.status == 403
    listed = (await page.request.get(f"{base}/api/v1/grants")).ok
    assert listed and "sneaky" not in (await (await page.request.get(f"{base}/api/v1/grants")).text())


async def test_a_revoked_token_or_a_forged_cookie_returns_to_sign_in(
    browser: Browser, gateway: Proc, tmp_path: Path
) -> None:
    page = await new_page(browser)
    await sign_in(page, gateway.base_url, VIEWER)
    config = Path(gateway.args[gateway.args.index("-c") + 1])
    document = json.loads(config.read_text())
    try:
        document["admin_tokens"] = [t for t in OPERATORS if t["name"] != "vera"]
        config.write_text(json.dumps(document, indent=2))

        async def bounced() -> bool:
            await page.goto(f"{gateway.base_url}/console/tools")
            return "/console/login" in page.url

        for _ in range(200):
            if await bounced():
                break
            await page.wait_for_timeout(100)
        assert "expired=1" in page.url
        assert "sign in again" in await page.get_by_test_id("login-message").inner_text()
    finally:
        document["admin_tokens"] = OPERATORS
        config.write_text(json.dumps(document, indent=2))
    wait_for(
        lambda: (
            httpx.get(f"{gateway.base_url}/api/v1/overview", headers={"Authorization": f"Bearer {VIEWER}"}).is_success
        ),
        "the viewer token is back",
    )
    forged = await new_page(browser)
    await forged.context.add_cookies([{"name": "portcullis_console", "value": "e30.forged", "url": gateway.base_url}])
    await forged.goto(f"{gateway.base_url}/console/approvals")
    assert "/console/login" in forged.url


async def test_an_expired_session_returns_to_sign_in(browser: Browser, gateway: Proc) -> None:
    an_hour_ago = time.time() - 3600
    signer = SessionSigner(SECRET.encode(), lifetime=60, clock=lambda: an_hour_ago)
    cookie, _ = signer.issue(AdminTokenConfig("alice", digest(ADMIN), "admin"))
    fresh, _ = SessionSigner(SECRET.encode()).issue(AdminTokenConfig("alice", digest(ADMIN), "admin"))
    ok = httpx.get(f"{gateway.base_url}/api/v1/overview", cookies={"portcullis_console": fresh})
    assert ok.status_code == 200  # the same key signs a session the gateway takes: only the expiry differs
    page = await new_page(browser)
    await page.context.add_cookies([{"name": "portcullis_console", "value": cookie, "url": gateway.base_url}])
    await page.goto(f"{gateway.base_url}/console/grants")
    assert "/console/login?expired=1" in page.url
    assert "Your session ended" in await page.get_by_test_id("login-message").inner_text()
    fragment = httpx.get(
        f"{gateway.base_url}/console/approvals/rows",
        cookies={"portcullis_console": cookie},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 401 and fragment.headers["hx-redirect"] == "/console/login?expired=1"
    api = httpx.get(f"{gateway.base_url}/api/v1/overview", cookies={"portcullis_console": cookie})
    assert api.status_code == 401 and "expired" in api.json()["error"]
