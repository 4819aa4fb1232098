"""What a branch secretary and an organization officer do in a real browser, desktop and phone.

Against the cast of tests/cast.py: branch B (commune C, province P) with Phạm Đình Dũng
(CAST-B1), branch B2 with Trần Văn Bình (CAST-B2X).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import Page, expect

from coso.members.models import Member
from coso.units.models import UnitSpan
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    horizontal_overflow,
    log_in,
    open_phone_menu,
    serious_axe_violations,
)
from tests.cast import Cast

NEW_ID = "CAST-NEW1"
MERGE_DECISION = "77/QĐ-TU"


def _ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def find_member_without_diacritics(page: Page, site: str) -> None:
    page.locator("#main-nav").get_by_role("link", name="Đảng viên").click()
    page.wait_for_url(f"{site}/members/")
    page.get_by_role("searchbox").fill("pham dinh dung")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/members/?*q=pham*")
    rows = page.locator("#member-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.name")).to_have_text("Phạm Đình Dũng")


def fill_admission(page: Page, site: str) -> None:
    """From branch B's page, the admission form; admitted 11½ months ago, so probation ends soon."""
    page.goto(f"{site}/units/B/")
    page.locator("#unit-actions a[href$='/units/B/do/admit/']").click()
    page.wait_for_url(f"{site}/units/B/do/admit/")
    admitted = dt.date.today() - dt.timedelta(days=350)
    form = page.locator("form.form-operation")
    form.locator("[name=on]").fill(_ddmmyyyy(admitted))
    form.locator("[name=member_id]").fill(NEW_ID)
    form.locator("[name=full_name]").fill("Đỗ Thị Hằng")
    form.locator("[name=gender]").select_option("female")
    form.locator("[name=birth_date]").fill("15/08/1998")


def propose_admission(page: Page, site: str) -> int:
    """The secretary files the branch's proposal (its resolution and vote), previewed first;
    returns the proposal's number."""
    fill_admission(page, site)
    form = page.locator("form.form-operation")
    expect(page.locator("#proposal-note")).to_contain_text("C")  # the commune decides
    form.locator("[name=resolution_date]").fill(_ddmmyyyy(dt.date.today()))
    form.locator("[name=votes_for]").fill("5")
    form.locator("button[type=submit]").click()
    expect(page.locator("#consequences")).to_be_visible()
    assert not Member.objects.filter(member_id=NEW_ID).exists()  # a preview writes nothing
    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/proposals/*/")
    assert not Member.objects.filter(member_id=NEW_ID).exists()  # proposed, not decided
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def decide_as_the_committee(page: Page, site: str, proposal: int) -> None:
    """The commune's committee member approves it with a numbered decision dated 11½ months
    ago (so the probation ends soon), after a preview."""
    log_in(page, site, "cast.committee")
    expect(page.locator("#proposals-panel")).to_contain_text("1")
    page.goto(f"{site}/proposals/{proposal}/")
    decide = page.locator("#decide")
    decide.locator("input[name=outcome][value=approved]").check()
    decide.locator("[name=decision_number]").fill("12-QĐ/ĐU")
    decide.locator("[name=on]").fill(_ddmmyyyy(dt.date.today() - dt.timedelta(days=350)))
    decide.locator("button[type=submit]").click()
    expect(page.locator("#consequences")).to_be_visible()
    page.locator("#confirm").click()
    expect(page.locator("#decision")).to_contain_text("12-QĐ/ĐU")


def probation_alert_items(page: Page) -> Any:
    return page.locator("[data-alert=probation] li.list-group-item")


def test_secretary_finds_a_member_admits_one_and_sees_the_warnings_change(
    site: str, cast: Cast, desktop: Page
) -> None:
    page = desktop
    log_in(page, site, "cast.secretary")
    expect(page.locator("#alerts")).to_be_visible()
    expect(page.locator("#alerts")).not_to_contain_text(NEW_ID)
    find_member_without_diacritics(page, site)
    page.locator("#member-table").get_by_role("link", name="Phạm Đình Dũng").click()
    page.wait_for_url(f"{site}/members/CAST-B1/")

    proposal = propose_admission(page, site)
    committee = page.context.browser.new_context(viewport=DESKTOP) if page.context.browser else None
    assert committee is not None
    decide_as_the_committee(committee.new_page(), site, proposal)
    committee.close()
    assert Member.objects.get(member_id=NEW_ID).home_unit == cast.B

    page.locator("#main-nav").get_by_role("link", name="Trang chủ").click()
    page.wait_for_url(f"{site}/")
    # The new probationary member's 12 months end within 30 days: a new warning names them.
    new_item = probation_alert_items(page).filter(has_text=NEW_ID)
    expect(new_item).to_have_count(1)
    expect(new_item).to_contain_text("Đỗ Thị Hằng")


def merge_with_preview(page: Page, site: str) -> None:
    page.goto(f"{site}/units/B2/")
    page.locator("#unit-actions a[href$='/units/B2/do/merge/']").click()
    page.wait_for_url(f"{site}/units/B2/do/merge/")
    form = page.locator("form.form-operation")
    form.locator("[name=on]").fill("01/06/2025")
    form.locator("[name=into]").fill("B")
    form.locator("[name=decision_number]").fill(MERGE_DECISION)
    form.locator("button[type=submit]").click()

    # Nothing written yet: the preview names the member who would change branch.
    consequences = page.locator("#consequences")
    expect(consequences).to_be_visible()
    expect(consequences).to_contain_text("CAST-B2X")
    expect(consequences).to_contain_text("Trần Văn Bình")
    assert UnitSpan.objects.filter(unit__code="B2", valid_to__lte=dt.date(2025, 6, 1)).count() == 0

    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/units/B2/")


def test_officer_previews_and_applies_a_merge_then_sees_the_timeline(
    site: str, cast: Cast, desktop: Page
) -> None:
    page = desktop
    log_in(page, site, "cast.officer")
    merge_with_preview(page, site)

    timeline = page.locator("#unit-timeline")
    merged = timeline.locator("li").filter(has_text=MERGE_DECISION)
    expect(merged).to_have_count(1)
    expect(merged.locator("time")).to_have_attribute("datetime", "2025-06-01")
    assert Member.objects.get(member_id="CAST-B2X").home_unit == cast.B


def test_the_same_pages_at_phone_width(site: str, cast: Cast, phone: Page) -> None:
    page = phone
    log_in(page, site, "cast.secretary")
    # The menu folds behind the toggler; it opens and its links work.
    nav_link = page.locator("#main-nav").get_by_role("link", name="Đảng viên")
    expect(nav_link).to_be_hidden()
    open_phone_menu(page)
    expect(nav_link).to_be_visible()
    assert horizontal_overflow(page) <= 0, "home page scrolls sideways at 390 px"
    find_member_without_diacritics(page, site)
    assert horizontal_overflow(page) <= 0, "member list scrolls sideways at 390 px"
    for path in ("/members/CAST-B1/", "/units/B/", "/tree/", "/units/B/do/admit/"):
        page.goto(site + path)
        page.locator("main h1").wait_for()
        width = page.evaluate("() => document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide at 390 px"
    fill_admission(page, site)
    assert horizontal_overflow(page) <= 0


def test_the_merge_preview_at_phone_width(site: str, cast: Cast, phone: Page) -> None:
    page = phone
    log_in(page, site, "cast.officer")
    merge_with_preview(page, site)
    expect(page.locator("#unit-timeline li").filter(has_text=MERGE_DECISION)).to_have_count(1)
    assert horizontal_overflow(page) <= 0, "unit page after a merge scrolls sideways at 390 px"


MAIN_PAGES = [
    "/",
    "/tree/",
    "/units/B/",
    "/members/",
    "/members/?q=pham+dinh+dung",
    "/members/CAST-B1/",
    "/units/B/do/admit/",
    "/members/CAST-B1/do/transfer_out/",
]


def test_no_serious_accessibility_violations_on_the_main_pages(
    site: str, cast: Cast, desktop: Page
) -> None:
    page = desktop
    page.goto(f"{site}/accounts/login/")
    found = {"/accounts/login/": serious_axe_violations(page)}
    log_in(page, site, "cast.officer")
    for path in MAIN_PAGES:
        page.goto(site + path)
        page.locator("main h1").wait_for()
        found[path] = serious_axe_violations(page)
    # The merge preview, with its tables of consequences.
    merge_page = f"{site}/units/B2/do/merge/"
    page.goto(merge_page)
    page.locator("[name=on]").fill("01/06/2025")
    page.locator("[name=into]").fill("B")
    page.locator("[name=decision_number]").fill(MERGE_DECISION)
    page.locator("form.form-operation button[type=submit]").click()
    page.locator("#consequences").wait_for()
    found["merge preview"] = serious_axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
