"""Issue 13 §15: the private calendar address on a 390 px phone — a copy button (clipboard API,
and the fallback when the page may not use it, as on plain http), an https way in for Android
(Google Calendar by URL) and instructions for Android and iPhone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast


def _create_address(page: Page, site: str) -> str:
    log_in(page, site, "cast.member")
    page.goto(f"{site}/me/")
    page.get_by_role("button", name="Tạo địa chỉ lịch").click()
    field = page.get_by_label("Địa chỉ lịch")
    expect(field).to_have_value(re.compile("^" + re.escape(site) + r"/calendar/[\w-]{40,}\.ics$"))
    return str(field.input_value())


def test_copy_button_links_and_instructions_on_a_phone(site: str, cast: Cast, phone: Page) -> None:
    page = phone
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    url = _create_address(page, site)
    assert horizontal_overflow(page) <= 0, "the calendar address page scrolls sideways"
    assert serious_axe_violations(page) == []

    # The clipboard API (localhost is a secure context).
    page.get_by_role("button", name="Sao chép địa chỉ").click()
    expect(page.locator("#copy-status")).to_contain_text("Đã sao chép địa chỉ lịch")
    assert page.evaluate("() => navigator.clipboard.readText()") == url

    # Without the clipboard API (a page served over plain http): the copy command on the
    # selected address, and the address left selected.
    page.evaluate("() => navigator.clipboard.writeText('')")
    page.evaluate(
        "() => Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true})"
    )
    page.locator("#copy-status").evaluate("node => { node.textContent = ''; }")
    page.get_by_role("button", name="Sao chép địa chỉ").click()
    expect(page.locator("#copy-status")).not_to_be_empty()
    status = page.locator("#copy-status").inner_text()
    assert "Đã sao chép" in status or "nhấn giữ vào ô" in status
    selected = page.evaluate(
        "() => { const f = document.getElementById('feed-url');"
        " return f.value.substring(f.selectionStart, f.selectionEnd); }"
    )
    assert selected == url
    page.evaluate("() => { delete navigator.clipboard; }")
    if "Đã sao chép" in status:
        assert page.evaluate("() => navigator.clipboard.readText()") == url

    # Android: Google Calendar's https page adding this address by URL.
    google = page.locator("#google-calendar-link")
    expect(google).to_be_visible()
    href = str(google.get_attribute("href"))
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc) == ("https", "calendar.google.com")
    assert parse_qs(parts.query)["cid"] == ["webcal://" + url.split("://", 1)[1]]
    android = page.locator("#calendar-android")
    expect(android).to_contain_text("Android")
    expect(android).to_contain_text("Từ URL")
    # iPhone: webcal: opens the Calendar app; and the steps in Settings.
    expect(page.locator("#webcal-link")).to_have_attribute(
        "href", "webcal://" + url.split("://", 1)[1]
    )
    expect(page.locator("#calendar-iphone")).to_contain_text("Thêm lịch đã đăng ký")
    # The address itself as a plain link (http here, https where the site is served so).
    expect(page.locator("#https-link")).to_have_attribute("href", url)
    for link in (google, page.locator("#webcal-link")):
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []
