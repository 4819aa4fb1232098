"""The interactive API docs render in Debian's Chromium with no network beyond the app itself,
under the site's Content-Security-Policy (not bypassed here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.chromium import DESKTOP, ChromiumMissing, launch, new_browser_context
from tests.cast import PASSWORD, Cast

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's loop on this thread would make Django refuse the fixtures' DB calls.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            try:
                found = launch(playwright)
            except ChromiumMissing as exc:
                pytest.fail(str(exc))
            yield found
            found.close()


def test_docs_render_offline_under_the_csp(live_server: Any, browser: Browser, cast: Cast) -> None:
    site = str(live_server.url)
    context = new_browser_context(browser, DESKTOP)
    page = context.new_page()
    elsewhere: list[str] = []
    problems: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(site):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    # The docs are for the API's callers: anonymous is sent to the login page, and back.
    page.goto(f"{site}/api/v1/docs")
    page.get_by_label("Tên đăng nhập").fill("cast.member")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{site}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Coso API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector('[data-path="/api/v1/units/{code}/stats"]')
    context.close()
    assert elsewhere == []
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
