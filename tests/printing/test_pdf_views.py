"""The PDF routes: the pages' access (404 outside scope), a PDF attachment, the reader's cut."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.meetings import operations as mops
from tests.cast import Cast
from tests.printing.conftest import pdf_text


def _meeting(cast: Cast):  # type: ignore[no-untyped-def]
    meeting = mops.plan_meeting(
        cast.B, kind="regular", on=dt.date(2024, 5, 10), place="Nhà văn hóa thôn"
    )
    mops.record_attendance(
        meeting, {"CAST-B1": "present", "CAST-B2": "absent_excused"}, reasons={"CAST-B2": "ốm"}
    )
    mops.adopt_resolution(meeting, title="Nghị quyết tháng 5", votes_for=1)
    return meeting


def test_meeting_pdfs_download_for_readers_and_are_hidden_from_outsiders(cast: Cast) -> None:
    meeting = _meeting(cast)
    for name, words in (
        ("minutes_pdf", "BIÊN BẢN"),
        ("resolutions_pdf", "Số: 01-NQ/2024"),
        ("attendance_pdf", "DANH SÁCH ĐẢNG VIÊN DỰ SINH HOẠT"),
    ):
        url = reverse(f"meetings:{name}", args=[meeting.pk])
        response = cast.client("member").get(url)  # invited: reads the meeting
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment; filename=")
        text = pdf_text(response.content)
        assert words in text and "ĐƠN VỊ B" in text and "ĐƠN VỊ C" in text
        assert cast.client("outsider").get(url).status_code == 404
        assert cast.client("anonymous").get(url).status_code == 302
    assert cast.client("secretary").post(url).status_code == 405


def test_member_pdf_cuts_sensitive_fields_to_the_readers_right(cast: Cast) -> None:
    url = reverse("web:member_pdf", args=["CAST-B1"])
    own = cast.client("member").get(url)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert "ly-lich-CAST-B1.pdf" in own["Content-Disposition"]
    text = pdf_text(own.content)
    assert "CAST-B1" in text and "TÓM TẮT LÝ LỊCH ĐẢNG VIÊN" in text
    assert "Số định danh cá nhân" not in text
    before = AuditEntry.objects.filter(action="view_sensitive").count()
    officer = pdf_text(cast.client("officer").get(url).content)
    assert "Số định danh cá nhân" in officer
    assert AuditEntry.objects.filter(action="view_sensitive").count() == before + 1
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("outsider").get(reverse("web:member_pdf", args=["NOPE"])).status_code == 404
