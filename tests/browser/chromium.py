"""Debian's Chromium under Playwright, shared by the browser tests and `make screenshots`.

No Django import here: the screenshot script uses it before Django is set up.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Playwright

CHROMIUM = Path(os.environ.get("COSO_CHROMIUM", "/usr/bin/chromium"))
# Headless and quiet: no GPU, no sandbox (CI runs as root), and no calls home of any kind.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


class ChromiumMissing(RuntimeError):
    pass


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium; Playwright's own browser downloads are never used."""
    if not CHROMIUM.exists():
        raise ChromiumMissing(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(`apt-get install chromium`, done by scripts/ensure-system-packages.sh in .ci/run)."
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_browser_context(
    browser: Browser, viewport: dict[str, int], timeout_ms: int = 15_000, **options: Any
) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="vi-VN", **options)  # type: ignore[arg-type]
    context.set_default_timeout(timeout_ms)
    return context
