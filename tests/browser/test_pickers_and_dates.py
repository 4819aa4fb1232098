"""Issue 13, points 3 and 4, in the browser: units picked by name (typed without tones), dates
typed on a phone's number pad and read back, tree toggles big enough for a finger.

Against the cast of tests/cast.py (officer of province P, outsider of Q); a branch named
«Chi bộ thôn Thống Nhất» is added under commune C, and a namesake under Q that the officer must
never be offered.
"""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from coso.units.models import Unit, UnitSpan
from coso.units.operations import create_unit
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import START, Cast


def _villages(cast: Cast) -> Unit:
    create_unit(code="QTN", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.QC, on=START)
    return create_unit(
        code="TN", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.C, on=START
    )


def test_merge_form_picks_the_target_by_a_name_typed_without_tones(
    site: str, cast: Cast, desktop: Page
) -> None:
    target = _villages(cast)
    page = desktop
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/units/B2/do/merge/")
    field = page.locator("#id_into")
    field.fill("chi bo thon thong nhat")
    options = page.locator("#id_into_choices .unit-pick-option")
    expect(options).to_have_count(1)  # Q's namesake is out of the officer's scope
    expect(options.first).to_contain_text("Chi bộ thôn Thống Nhất")
    expect(options.first).to_contain_text("(TN)")
    expect(options.first).to_contain_text("thuộc Đơn vị C")  # the parent, to tell namesakes
    assert serious_axe_violations(page) == []
    # By keyboard: down into the list, Enter picks, the code is filled in.
    field.press("ArrowDown")
    expect(options.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(field).to_have_value("TN")
    expect(page.locator("#id_into_choices")).to_contain_text("Đã chọn: Chi bộ thôn Thống Nhất (TN)")
    expect(field).to_be_focused()
    page.locator("#id_on").fill("01.07.2025")
    page.locator("#id_decision_number").fill("77-QĐ/TU")
    page.locator("form.form-operation button[type=submit]").last.click()
    expect(page.locator("#consequences")).to_be_visible()
    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/units/B2/**")
    assert Unit.objects.get(code="B2").valid_to == dt.date(2025, 7, 1)
    assert target.events.filter(kind="absorb").exists()


def test_member_list_filter_picks_a_unit_by_name(site: str, cast: Cast, desktop: Page) -> None:
    page = desktop
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/members/")
    field = page.locator("#id_unit")
    field.fill("don vi b2")
    option = page.locator("#id_unit_choices .unit-pick-option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("Đơn vị B2")
    option.click()
    expect(field).to_have_value("B2")
    page.get_by_role("button", name="Tìm").click()
    rows = page.locator("#member-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Trần Văn Bình")
    assert serious_axe_violations(page) == []
    # Typed without picking: a unique name is taken as well.
    page.goto(f"{site}/members/?unit=%C4%90%C6%A1n+v%E1%BB%8B+B2")
    expect(page.locator("#member-table tbody tr")).to_have_count(1)


def test_a_date_typed_as_eight_digits_on_a_phone_is_read_back_and_saved(
    site: str, cast: Cast, phone: Page
) -> None:
    page = phone
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/units/B/do/rename/")
    day = page.locator("#id_on")
    # The number pad: digits only, and a pattern that takes what it can type.
    assert day.get_attribute("inputmode") == "numeric"
    assert page.evaluate(
        "() => { const i = document.getElementById('id_on'); i.value = '31122024';"
        " return i.checkValidity(); }"
    )
    day.fill("")
    day.press_sequentially("31122024")
    expect(page.locator("#id_on_readback")).to_have_text("đọc là 31/12/2024")
    day.fill("31.02.2024")
    expect(page.locator("#id_on_readback")).to_have_text("")  # no such day
    day.fill("31-12-2024")
    expect(page.locator("#id_on_readback")).to_have_text("đọc là 31/12/2024")
    day.fill("31122024")
    page.locator("#id_name").fill("Chi bộ thôn Đoàn Kết")
    page.locator("#id_decision_number").fill("88-QĐ/HU")
    assert horizontal_overflow(page) <= 0, "the form scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []
    page.locator("form.form-operation button[type=submit]").last.click()
    expect(page.locator("#id_on_readback")).to_contain_text("đọc là 31/12/2024")  # after submit
    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/units/B/**")
    renamed = UnitSpan.objects.get(unit=cast.B, name="Chi bộ thôn Đoàn Kết")
    assert renamed.valid_from == dt.date(2024, 12, 31)


def test_tree_toggles_are_at_least_44_px_on_a_phone(site: str, cast: Cast, phone: Page) -> None:
    page = phone
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/tree/")
    toggles = page.locator(".tree-toggle")
    expect(toggles.first).to_be_visible()
    toggles.first.click()  # the children of a unit come with their own toggles
    expect(page.locator(".tree-children .tree-toggle").first).to_be_visible()
    boxes = [toggles.nth(i).bounding_box() for i in range(toggles.count())]
    assert len(boxes) >= 2
    for box in boxes:
        assert box is not None and box["width"] >= 44 and box["height"] >= 44, box
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []
