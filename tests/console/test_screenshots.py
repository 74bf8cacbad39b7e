"""The console tests' screenshots stay out of the checkout (pytest's temporary folder) unless
``PORTCULLIS_UPDATE_SCREENSHOTS=1`` asks to refresh the README's pictures in ``docs/screenshots``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.console import support
from tests.console.support import UPDATE_SCREENSHOTS, new_page, shot
from tests.harness import ROOT


async def test_a_screenshot_goes_to_a_temporary_folder_unless_asked(
    browser: Browser, shots: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = await new_page(browser)
    await page.set_content("<h1>probe</h1>")
    monkeypatch.delenv(UPDATE_SCREENSHOTS, raising=False)
    saved = await shot(page, "probe")
    assert saved == shots / "probe.png" and saved.stat().st_size > 0
    assert ROOT not in saved.parents and not (support.SCREENSHOTS / "probe.png").exists()
    monkeypatch.setenv(UPDATE_SCREENSHOTS, "1")
    monkeypatch.setattr(support, "SCREENSHOTS", tmp_path / "docs-screenshots")  # the real folder stays as it is
    refreshed = await shot(page, "probe")
    assert refreshed == tmp_path / "docs-screenshots" / "probe.png" and refreshed.stat().st_size > 0
