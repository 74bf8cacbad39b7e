"""``portcullis serve --demo`` prints a sign-in address for the console (loopback only), and it works."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser

from tests.console.support import new_page
from tests.harness import LOCALHOST, PYTHON, free_port, running_command
from tests.waiting import wait_for


async def test_the_demo_prints_a_one_run_sign_in_address(browser: Browser, tmp_path: Path) -> None:
    port = free_port()
    args = [PYTHON, "-m", "portcullis", "serve", "--demo", "--listen", f"{LOCALHOST}:{port}"]
    with running_command(args, port, cwd=tmp_path) as gw:
        line = wait_for(
            lambda: re.search(r"console at (http://\S+/console/login#token=(pca_\S+))", gw.stderr()), "the console line"
        )
        url, token = line.group(1), line.group(2)
        page = await new_page(browser)
        await page.goto(url)
        assert await page.get_by_test_id("token-input").input_value() == token
        assert "#token" not in page.url  # taken out of the address bar
        await page.get_by_test_id("sign-in").click()
        assert await page.get_by_test_id("who").inner_text() == "demo-operator · admin"
        await page.get_by_test_id("server-demo").wait_for()
    assert not list(tmp_path.glob("*.yaml")), "the demo's token is never written down"
