"""Playwright (Python) driving Debian's Chromium against pytest-django's live server.

The browser is Debian's package (`/usr/bin/chromium`, installed by scripts/ensure-system-packages.sh
from .ci/run); Playwright never downloads one. Without it the tests fail, they are not skipped.
axe-core comes from the npm registry through package-lock.json (`make pytest` runs `npm ci`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.browser.chromium import (
    DESKTOP,
    PHONE,
    ChromiumMissing,
    launch,
    new_browser_context,
)
from tests.cast import PASSWORD, Cast

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 15_000


def launch_chromium(playwright: Playwright) -> Browser:
    try:
        return launch(playwright)
    except ChromiumMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop registered on this thread while it runs, and
    # Django refuses database calls when it sees a running loop. The calls here are plain
    # synchronous ones (fixtures, assertions), so the check is lifted for this module only;
    # Playwright is stopped at the end of the module, before other tests run.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            yield browser
            browser.close()


def new_context(browser: Browser, viewport: dict[str, int]) -> BrowserContext:
    # bypass_csp: the pages forbid inline scripts (CSP), and axe-core is injected as one.
    return new_browser_context(browser, viewport, bypass_csp=True, timeout_ms=TIMEOUT_MS)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def site(live_server: Any, cast: Cast) -> str:
    """The live server's address, once the cast exists in its (transactional) database."""
    return str(live_server.url)


def log_in(page: Page, site: str, username: str, password: str = PASSWORD) -> None:
    """Through the real login form, as a person would."""
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{site}/")
    page.locator("main h1").wait_for()


def open_phone_menu(page: Page) -> None:
    """Open the menu folded behind the toggler and wait until it has unfolded, as a person sees
    it open before tapping in it. A click while Bootstrap's collapse still animates (class
    `collapsing`, 0.35 s) can be lost: the language button, clicked 0.1 s after the toggler on
    a loaded machine, sent no request at all (1 run in 3 of the PostgreSQL suite in CI)."""
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def read_in_english(page: Page) -> None:
    """Switch to English through the phone menu's language button, as a person would, and wait
    for the page it reloads (the form posts, then redirects back)."""
    open_phone_menu(page)
    with page.expect_navigation():
        page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return int(page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth"))


def serious_axe_violations(page: Page) -> list[str]:
    """Violations of impact serious or critical found by axe-core on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run `npm ci --ignore-scripts` (make pytest).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + json.dumps([n["target"] for n in v["nodes"][:5]], ensure_ascii=False)
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
