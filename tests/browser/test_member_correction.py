"""Issue 13, point 1 and the forgotten password, in a browser.

- A branch secretary on a 390 px phone corrects a member's residence from the member page's
  actions: the preview shows old → new, confirming records it, the timeline shows the old value.
- An organization officer at 1366 px corrects a birth date (sensitive) and the audit trail
  lists it as a sensitive correction, by the officer's name.
- An officer resets a forgotten password; the member logs in with the temporary password and
  is held on the password change page until they choose their own.

Against the cast of tests/cast.py: branch B's secretary (`cast.secretary`), the officer of
province P (`cast.officer`), member CAST-B1 (Phạm Đình Dũng) of branch B.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from coso.accounts.models import Account, Role, RoleKind
from coso.members.models import Member, MemberCorrection
from tests.browser.conftest import horizontal_overflow, log_in, new_context, serious_axe_violations
from tests.cast import Cast


def test_a_secretary_corrects_a_residence_on_a_phone(site: str, cast: Cast, phone: Page) -> None:
    page = phone
    log_in(page, site, "cast.secretary")
    page.goto(f"{site}/members/CAST-B1/")
    page.locator("#member-actions summary").click()
    page.locator("#member-correct-link").click()
    page.wait_for_url(f"{site}/members/CAST-B1/correct/")
    expect(page.locator("main h1")).to_have_text("Đính chính lý lịch")
    assert horizontal_overflow(page) <= 0, "the correction form scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []

    page.get_by_label("Nơi cư trú").fill("Thôn Thống Nhất, xã Hoàn Lão")
    page.get_by_label("Lý do đính chính").fill("Chuyển nơi ở")
    page.locator("#preview").click()
    table = page.locator("#correction-preview")
    expect(table.locator("tr[data-field=residence] .old")).to_have_text("—")
    expect(table.locator("tr[data-field=residence] .new")).to_have_text(
        "Thôn Thống Nhất, xã Hoàn Lão"
    )
    expect(table.locator("tbody tr")).to_have_count(1)
    assert not MemberCorrection.objects.exists()  # a preview writes nothing
    assert horizontal_overflow(page) <= 0, "the preview scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []

    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/members/CAST-B1/")
    expect(page.locator(".alert-success")).to_contain_text("Đã đính chính 1 thông tin")
    timeline = page.locator("#member-timeline")
    expect(timeline).to_contain_text("Đính chính lý lịch")
    expect(timeline).to_contain_text("Nơi cư trú: «—» → «Thôn Thống Nhất, xã Hoàn Lão»")
    expect(timeline).to_contain_text("lý do: Chuyển nơi ở")
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []
    row = MemberCorrection.objects.get()
    assert (row.field, row.recorded_by_id) == ("residence", cast.secretary.pk)


def test_an_officer_corrects_a_birth_date_and_the_audit_marks_it_sensitive(
    site: str, cast: Cast, desktop: Page
) -> None:
    officer = cast.officer
    officer.first_name, officer.last_name = "Văn Tổ", "Trần"
    officer.save()
    page = desktop
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/members/CAST-B1/correct/")
    page.get_by_label("Ngày sinh").fill("13/04/1990")
    page.get_by_label("Lý do đính chính").fill("Theo căn cước công dân")
    page.locator("#preview").click()
    row = page.locator("#correction-preview tr[data-field=birth_date]")
    expect(row.locator(".old")).to_have_text("12/04/1990")
    expect(row.locator(".new")).to_have_text("13/04/1990")
    expect(row).to_contain_text("cần bảo vệ")
    assert serious_axe_violations(page) == []
    page.locator("#confirm").click()
    page.wait_for_url(f"{site}/members/CAST-B1/")
    expect(page.locator("#member-timeline")).to_contain_text(
        "Ngày sinh: «12/04/1990» → «13/04/1990»"
    )
    assert Member.objects.get(member_id="CAST-B1").birth_date.isoformat() == "1990-04-13"

    page.goto(f"{site}/audit/?action=correct_member_sensitive")
    first = page.locator("table tbody tr").first
    expect(first).to_contain_text("Đính chính thông tin nhạy cảm")
    expect(first).to_contain_text("Trần Văn Tổ")  # the name, with the login beside it
    assert serious_axe_violations(page) == []


def test_an_officer_resets_a_forgotten_password(
    site: str, cast: Cast, desktop: Page, browser: Browser
) -> None:
    lan = get_user_model().objects.create_user("cast.lan", password="Forgotten-2026!")
    Role.objects.create(user=lan, kind=RoleKind.MEMBER)
    Account.objects.create(user=lan, member=Member.objects.get(member_id="CAST-B2"))

    page = desktop
    page.goto(f"{site}/accounts/login/")
    page.locator("#forgot-password summary").click()
    expect(page.locator("#forgot-password")).to_contain_text("cán bộ tổ chức")
    assert serious_axe_violations(page) == []

    log_in(page, site, "cast.officer")
    page.goto(f"{site}/members/")
    page.locator("#password-reset-link").click()
    page.get_by_label("Tên đăng nhập, họ tên hoặc số lý lịch").fill("nguyen thi lan")
    page.get_by_role("button", name="Tìm").click()
    accounts = page.locator("#reset-accounts li")
    expect(accounts).to_have_count(1)
    expect(accounts).to_contain_text("Nguyễn Thị Lan")
    assert serious_axe_violations(page) == []
    accounts.get_by_role("link", name="Đặt lại mật khẩu").click()
    page.locator("#reset-confirm").click()
    password = page.locator("#temporary-password").inner_text().strip()
    assert len(password) == 14 and serious_axe_violations(page) == []

    # The member, on their phone, logs in with it and must choose their own.
    context = new_context(browser, {"width": 390, "height": 844})
    try:
        phone: Any = context.new_page()
        phone.goto(f"{site}/accounts/login/")
        phone.get_by_label("Tên đăng nhập").fill("cast.lan")
        phone.get_by_label("Mật khẩu", exact=True).fill(password)
        phone.get_by_role("button", name="Đăng nhập").click()
        phone.wait_for_url(f"{site}/accounts/password/**")
        expect(phone.locator("main h1")).to_have_text("Đổi mật khẩu")
        assert horizontal_overflow(phone) <= 0
        assert serious_axe_violations(phone) == []
        phone.locator("#id_old_password").fill(password)
        phone.locator("#id_new_password1").fill("Lan-rieng-2026!x")
        phone.locator("#id_new_password2").fill("Lan-rieng-2026!x")
        phone.get_by_role("button", name="Đổi mật khẩu").click()
        phone.wait_for_url(f"{site}/")
    finally:
        context.close()
    lan.refresh_from_db()
    assert lan.check_password("Lan-rieng-2026!x")
    assert not Account.objects.get(user=lan).must_change_password
