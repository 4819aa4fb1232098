"""A branch secretary on a 390 px phone plans a meeting, records attendance and a resolution,
and closes it (issue 4, §6). Against the cast: branch B with CAST-B1 and CAST-B2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from coso.core.dates import today
from coso.meetings.models import Meeting, MeetingStatus, Resolution
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _no_sideways_scroll(page: Page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways at 390 px"


def test_secretary_plans_holds_and_closes_a_meeting_on_a_phone(
    site: str, cast: Cast, phone: Page, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path  # documents go to a folder of this test
    page = phone
    log_in(page, site, "cast.secretary")
    page.goto(f"{site}/units/B/")
    page.locator("#unit-meetings-link").click()
    page.wait_for_url(f"{site}/units/B/meetings/")
    _no_sideways_scroll(page, "the unit's meetings")
    page.locator("#plan-meeting").click()
    page.wait_for_url(f"{site}/units/B/meetings/plan/")

    form = page.locator("#plan-form")
    expect(page.locator("#eligibility")).to_contain_text("không đủ điều kiện")
    _no_sideways_scroll(page, "the plan form")
    found = {"plan form": serious_axe_violations(page)}
    form.locator("[name=on]").fill(today().strftime("%d/%m/%Y"))
    form.locator("[name=place]").fill("Nhà văn hóa thôn Đông")
    form.locator("[name=agenda]").fill("1. Đánh giá tháng trước\n2. Nhiệm vụ tháng tới")
    form.get_by_role("button", name="Lên kế hoạch").click()
    page.wait_for_url(f"{site}/meetings/*/")
    meeting = Meeting.objects.get()
    expect(page.locator("main h1")).to_contain_text("Sinh hoạt thường kỳ")
    _no_sideways_scroll(page, "the meeting page")
    found["meeting page"] = serious_axe_violations(page)

    page.locator("#action-attendance").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/attendance/")
    _no_sideways_scroll(page, "the attendance form")
    for member_id in ("CAST-B1", "CAST-B2"):
        row = page.locator(f".attendance-row[data-member='{member_id}']")
        row.locator("label", has_text="Có mặt").click()
        expect(row.locator("input[value=present]")).to_be_checked()
    found["attendance form"] = serious_axe_violations(page)
    page.locator("#save-attendance").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/")
    expect(page.locator("#quorum")).to_contain_text("Có mặt 2/2")

    page.locator("#action-resolution").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/resolution/")
    resolution = page.locator("#resolution-form")
    resolution.locator("[name=title]").fill("Nghị quyết lãnh đạo nhiệm vụ tháng tới")
    resolution.locator("[name=votes_for]").fill("2")
    resolution.locator("button[type=submit]").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/")
    label = f"01-NQ/{meeting.on.year}"
    expect(page.locator("#meeting-resolutions")).to_contain_text(label)
    expect(page.locator("main")).to_contain_text(f"Đã ghi nghị quyết số {label}")

    page.locator("#action-upload").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/documents/")
    page.locator("#upload-form [name=file]").set_input_files(
        files=[{"name": "Chương trình.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.locator("#upload-form button[type=submit]").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/")
    with page.expect_download() as download:
        page.locator("#documents a", has_text="Chương trình.pdf").click()
    assert download.value.suggested_filename == "Chương trình.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    page.locator("#action-close").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/close/")
    expect(page.locator("#close-figures")).to_contain_text("2")
    _no_sideways_scroll(page, "the close page")
    page.locator("#confirm-close").click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/")
    expect(page.locator(".meeting-status").first).to_have_attribute("data-status", "closed")
    expect(page.locator("#action-amend")).to_be_visible()

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert (meeting.expected_count, meeting.present_count) == (2, 2)
    assert Resolution.objects.get().label == label
    assert not any(found.values()), found


def test_every_meeting_page_fits_a_phone(site: str, cast: Cast, phone: Page) -> None:
    """An online meeting (long link), its check-in pages and forms, then the same closed."""
    from coso.meetings import operations as ops

    meeting = ops.plan_meeting(
        cast.B,
        kind="thematic",
        form="online",
        on=today(),
        online_link="https://meet.example.vn/phong-hop-chi-bo-thon-dong-chuyen-de-hoc-tap-nghi-quyet",
        online_platform="Google Meet",
        online_reason="Đảng viên đi biển dài ngày",
        unable_in_person=2,
        agenda="Học tập chuyên đề",
    )
    ops.open_check_in(meeting, at=timezone.now())
    page = phone
    log_in(page, site, "cast.secretary")
    found: dict[str, list[str]] = {}
    for name in (
        "detail",
        "check_in_open",
        "check_in_confirm",
        "attendance",
        "minutes",
        "resolution",
        "upload",
        "cancel",
        "close",
    ):
        page.goto(site + reverse(f"meetings:{name}", args=[meeting.pk]))
        page.locator("main h1").wait_for()
        _no_sideways_scroll(page, name)
        if name in ("detail", "check_in_confirm", "minutes", "upload"):
            found[name] = serious_axe_violations(page)
    ops.record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "absent_unexcused"})
    ops.close_meeting(meeting)
    for url in (
        reverse("meetings:amend", args=[meeting.pk]),
        reverse("meetings:resolution_book", args=["B"]),
        reverse("meetings:unit_meetings", args=["B"]),
    ):
        page.goto(site + url)
        page.locator("main h1").wait_for()
        _no_sideways_scroll(page, url)
        found[url] = serious_axe_violations(page)
    assert not any(found.values()), found
