"""Driving the console in a real headless Chromium (Debian's ``chromium``, through Playwright's Python package).

- ``browser`` (fixture): Chromium launched from ``/usr/bin/chromium`` (never a downloaded browser); a
  missing binary skips the test, except in CI (``CI=true``) where it fails.
- ``console_folder(folder, policy, **extra)``: a gateway config with the fixture server as ``fx``, two agent
  keys (``KEY_A``, ``KEY_B`` of ``tests/e2e/support.py``) and three operators: ``ADMIN``, ``APPROVER``, ``VIEWER``.
- ``sign_in(page, base, token)``; ``live(page)`` waits until the page's event stream is open.
- ``signed_in_client(base, token)``: an ``httpx.Client`` signed in as a browser is (no browser), and its
  CSRF token; ``route_table()``: the console's and the API's Starlette routes (nothing is called);
  ``TEMPLATES``: the console's template folder.
- ``shot(page, name)`` saves a screenshot as ``NAME.png`` in pytest's temporary folder (``shots``, a
  session fixture), or in ``docs/screenshots/`` (shown in the README) when ``PORTCULLIS_UPDATE_SCREENSHOTS=1``:
  a test run leaves the checkout as it was unless asked to refresh the README's pictures.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright
from starlette.routing import Route

from portcullis.console.app import console_routes
from tests.e2e.support import digest, gateway_folder
from tests.harness import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
TEMPLATES = ROOT / "src" / "portcullis" / "console" / "templates"
UPDATE_SCREENSHOTS = "PORTCULLIS_UPDATE_SCREENSHOTS"
ADMIN = "pca_console_admin_token_0123456789abcdef"
APPROVER = "pca_console_approver_token_0123456789abc"
VIEWER = "pca_console_viewer_token_0123456789abcde"
OPERATORS = [
    {"name": "alice", "token_sha256": digest(ADMIN), "role": "admin"},
    {"name": "bob", "token_sha256": digest(APPROVER), "role": "approver"},
    {"name": "vera", "token_sha256": digest(VIEWER), "role": "viewer"},
]
TIMEOUT_MS = 30_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package (./scripts/test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


_shots: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of pytest's own where ``shot`` saves unless asked to refresh ``docs/screenshots``."""
    folder = tmp_path_factory.mktemp("screenshots")
    _shots[:] = [folder]
    return folder


def console_folder(folder: Path, policy: dict[str, Any], **extra: Any) -> Path:
    """``folder/portcullis.yaml`` with the fixture server, two agents, three operators, quick pin polling."""
    extra.setdefault("admin_tokens", OPERATORS)
    extra.setdefault("catalog", {"pin_poll_interval": 0.2, "refresh_interval": 0})
    return gateway_folder(folder, policy, **extra)


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


async def sign_in(page: Page, base: str, token: str) -> None:
    await page.goto(f"{base}/console/login")
    await page.get_by_test_id("token-input").fill(token)
    await page.get_by_test_id("sign-in").click()
    await page.get_by_test_id("who").wait_for()


async def live(page: Page) -> None:
    """Wait until the page's Server-Sent Events stream is open (so no event is missed after this)."""
    await page.locator("body[data-sse='open']").wait_for(state="attached")


async def shot(page: Page, name: str) -> Path:
    """Save a screenshot of the whole page as ``NAME.png`` in the ``shots`` folder, or in ``docs/screenshots``
    with ``PORTCULLIS_UPDATE_SCREENSHOTS=1``; returns its path."""
    folder = SCREENSHOTS if os.environ.get(UPDATE_SCREENSHOTS) == "1" else _shots[0]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


class _NoState:
    approvals = None


class _RouteContext:
    state = _NoState()


def route_table() -> list[Route]:
    """The routes of ``/console`` and ``/api/v1`` as the gateway mounts them (built, never called)."""
    return [r for r in console_routes(_RouteContext()) if isinstance(r, Route)]  # type: ignore[arg-type]


def signed_in_client(base: str, token: str) -> tuple[httpx.Client, str]:
    """A client with a console session (signed in through the form, as a browser does) and its CSRF token."""
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/console/login").text
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert login_csrf is not None
    signed = client.post("/console/login", data={"csrf_token": login_csrf.group(1), "token": token})
    assert signed.status_code == 303, signed.text
    page = client.get("/console").text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert csrf is not None
    return client, csrf.group(1)
