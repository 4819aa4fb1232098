"""Issue 13, points 2 and 13 in a real browser: the merge preview shows the committees' posts
and what becomes of each, the officer changes a choice and confirms; the create-unit form
under a branch offers only what the rules allow.

Against the cast of tests/cast.py: branch B2 (Trần Văn Bình, CAST-B2X, its secretary) is
merged into branch B (Phạm Đình Dũng, CAST-B1, its secretary) — the demo's 19228-CB06 into
19228-CB07, which used to leave two "Bí thư".
"""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from coso.core.dates import FAR_FUTURE
from coso.members.models import Member, Position
from coso.units.models import Unit
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast

JOINED = dt.date(2022, 1, 1)


def _secretaries(cast: Cast) -> None:
    for member_id, unit in (("CAST-B1", cast.B), ("CAST-B2X", cast.B2)):
        Position.objects.create(
            member=Member.objects.get(member_id=member_id),
            unit=unit,
            role="secretary",
            valid_from=JOINED,
        )


def _open_merge_preview(page: Page, site: str) -> None:
    page.goto(f"{site}/units/B2/do/merge/")
    form = page.locator("form.form-operation")
    form.locator("[name=on]").fill("01/07/2025")
    form.locator("[name=into]").fill("B")
    form.locator("[name=decision_number]").fill("88-QĐ/ĐU")
    form.locator("button[type=submit]").click()
    expect(page.locator("#consequences")).to_be_visible()


def test_merge_preview_shows_the_posts_and_the_officer_decides_their_fate(
    site: str, cast: Cast, desktop: Page
) -> None:
    _secretaries(cast)
    page = desktop
    log_in(page, site, "cast.officer")
    _open_merge_preview(page, site)

    posts = page.locator("#posts")
    row = posts.locator("tbody tr").filter(has_text="Trần Văn Bình")
    expect(row).to_contain_text("Bí thư")
    select = row.locator("select")
    # The sensible default: B already has a secretary, so B2's becomes deputy secretary.
    expect(select).to_have_value("deputy")
    expect(row.locator("[data-outcome]")).to_contain_text("Phó Bí thư")
    committee = page.locator("#committee-B tbody tr")
    expect(committee.first).to_contain_text("Bí thư")
    expect(committee.first).to_contain_text("Phạm Đình Dũng")
    expect(committee.nth(1)).to_contain_text("Phó Bí thư")
    expect(committee.nth(1)).to_contain_text("Trần Văn Bình")
    assert serious_axe_violations(page) == []

    # The officer ends the post instead and previews again: still nothing written.
    select.select_option("end")
    page.locator("#repreview").click()
    row = page.locator("#posts tbody tr").filter(has_text="Trần Văn Bình")
    expect(row.locator("select")).to_have_value("end")
    expect(row.locator("[data-outcome]")).to_contain_text("Kết thúc chức vụ")
    expect(page.locator("#committee-B")).not_to_contain_text("Trần Văn Bình")
    assert Unit.objects.get(code="B2").valid_to == FAR_FUTURE

    # Keeping both secretaries is refused in words, naming the post and both people.
    row.locator("select").select_option("keep")
    page.locator("#confirm").click()
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Bí thư")
    expect(refusal).to_contain_text("Phạm Đình Dũng (CAST-B1)")
    expect(refusal).to_contain_text("Trần Văn Bình (CAST-B2X)")
    assert Unit.objects.get(code="B2").valid_to == FAR_FUTURE

    # Back to the preview, confirm the default: B has one secretary, B2's is now deputy.
    page.locator("form.form-operation button[type=submit]").first.click()
    expect(page.locator("#posts select").first).to_have_value("deputy")
    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/units/B2/")
    page.goto(f"{site}/units/B/")
    items = page.locator("#positions-title + ul li, #positions-title ~ * li")
    expect(items.first).to_contain_text("Bí thư: Phạm Đình Dũng")
    expect(page.locator("main")).to_contain_text("Phó Bí thư: Trần Văn Bình")
    assert Position.objects.filter(unit=cast.B, role="secretary", valid_to=FAR_FUTURE).count() == 1


def test_create_unit_under_a_branch_offers_only_a_party_group_on_a_phone(
    site: str, cast: Cast, phone: Page
) -> None:
    page = phone
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/units/B/do/create/")
    kind = page.locator("form.form-operation select[name=kind]")
    expect(kind.locator("option")).to_have_count(1)
    expect(kind.locator("option")).to_have_text(["Tổ đảng"])
    expect(page.locator("main")).not_to_contain_text("Trung ương")
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []
    # Under a commune the branch kinds are offered, never "Trung ương" or a province.
    page.goto(f"{site}/units/C/do/create/")
    options = page.locator("form.form-operation select[name=kind] option").all_inner_texts()
    assert "Chi bộ trực thuộc" in options
    assert "Trung ương" not in options and "Đảng bộ tỉnh/thành phố" not in options
