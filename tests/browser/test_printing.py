"""Printing (issue 13, point 7): pages print without menu, buttons or form controls, black on
white, tables full width; the meeting page and the member page link to their PDFs, which
download and read back as the Party documents. Against the cast of tests/cast.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import Page, expect

from coso.meetings import operations as mops
from coso.meetings.models import Meeting
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast
from tests.printing.conftest import pdf_text


def _meeting(cast: Cast) -> Meeting:
    meeting = mops.plan_meeting(
        cast.B, kind="regular", on=dt.date(2024, 5, 10), place="Nhà văn hóa thôn"
    )
    mops.record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "present"})
    mops.write_minutes(meeting, review="Chi bộ hoàn thành nhiệm vụ tháng 4.")
    mops.adopt_resolution(meeting, title="Nghị quyết về vệ sinh môi trường", votes_for=2)
    return meeting


def _printed_alone(page: Page, what: str) -> None:
    """As printed: the content is shown; no menu, footer, button or form control is."""
    page.emulate_media(media="print")
    expect(page.locator("main h1").first).to_be_visible()
    for hidden in (
        "header",
        "footer",
        "nav.navbar",
        "#unit-actions, #member-actions, #meeting-actions",
    ):
        expect(page.locator(hidden)).to_be_hidden()
    shown = page.evaluate(
        """() => [...document.querySelectorAll(
              '.btn, button, input:not([type=hidden]), select, textarea')]
            .filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 80))"""
    )
    assert shown == [], f"{what}: controls still printed: {shown}"
    colours = page.evaluate(
        """() => {
            const body = getComputedStyle(document.body);
            const links = [...document.querySelectorAll('main a')]
                .filter(a => a.getClientRects().length > 0)
                .map(a => getComputedStyle(a).textDecorationLine);
            return [body.color, body.backgroundColor, links];
        }"""
    )
    assert colours[0] == "rgb(0, 0, 0)", f"{what}: text {colours[0]}"
    assert colours[1] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), f"{what}: {colours[1]}"
    assert set(colours[2]) <= {"none"}, f"{what}: underlined links when printed"
    widths = page.evaluate(
        """() => [...document.querySelectorAll('main table')]
            .filter(t => t.getClientRects().length > 0)
            .map(t => [Math.round(t.getBoundingClientRect().width),
                       Math.round(document.querySelector('main').getBoundingClientRect().width)])"""
    )
    for table, main in widths:
        assert table >= main - 2, f"{what}: a table of {table} px in a page of {main} px"
    page.emulate_media(media="screen")
    expect(page.locator("header")).to_be_visible()


def test_pages_print_without_menu_buttons_or_controls(site: str, cast: Cast, desktop: Page) -> None:
    meeting = _meeting(cast)
    page = desktop
    log_in(page, site, "cast.officer")
    for path, what in (
        ("/members/CAST-B1/", "the member page"),
        (f"/meetings/{meeting.pk}/", "the meeting page"),
        ("/units/B/", "the unit page"),
        ("/members/?q=&unit=C", "the member list"),
    ):
        page.goto(site + path)
        _printed_alone(page, what)


def _download(page: Page, selector: str, tmp_path: Path) -> str:
    with page.expect_download() as info:
        page.locator(selector).click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return pdf_text(target.read_bytes())


def test_meeting_page_links_download_its_pdfs(
    site: str, cast: Cast, desktop: Page, tmp_path: Path
) -> None:
    meeting = _meeting(cast)
    page = desktop
    log_in(page, site, "cast.secretary")
    page.goto(f"{site}/meetings/{meeting.pk}/")
    expect(page.locator("#meeting-print")).to_be_visible()
    assert serious_axe_violations(page) == []
    minutes = _download(page, "#pdf-minutes", tmp_path)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in minutes and "ĐƠN VỊ B" in minutes
    assert "BIÊN BẢN" in minutes and "Chi bộ hoàn thành nhiệm vụ tháng 4." in minutes
    resolutions = _download(page, "#pdf-resolutions", tmp_path)
    assert "Số: 01-NQ/2024" in resolutions and "Nghị quyết về vệ sinh môi trường" in resolutions
    sheet = _download(page, "#pdf-attendance", tmp_path)
    assert "DANH SÁCH ĐẢNG VIÊN DỰ SINH HOẠT" in sheet and "Ký tên" in sheet


def test_member_downloads_their_record_on_a_phone(
    site: str, cast: Cast, phone: Page, tmp_path: Path
) -> None:
    page = phone
    log_in(page, site, "cast.member")
    page.goto(f"{site}/members/CAST-B1/")
    expect(page.locator("#member-pdf-link")).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the member page scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []
    record = _download(page, "#member-pdf-link", tmp_path)
    assert "TÓM TẮT LÝ LỊCH ĐẢNG VIÊN" in record and "Số lý lịch: CAST-B1" in record
    assert "Số định danh cá nhân" not in record  # no VIEW_SENSITIVE for members
