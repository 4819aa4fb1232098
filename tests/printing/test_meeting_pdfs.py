"""A meeting's minutes, resolutions and attendance sheet as PDF, read back with pypdf."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from coso.meetings.printing import attendance_pdf, minutes_pdf, resolutions_pdf
from tests.printing.conftest import Branch, pdf_pages, pdf_text

HEADER = (
    "ĐẢNG BỘ XÃ HOÀN LÃO",
    "CHI BỘ THÔN TÂN LẬP",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Hoàn Lão, ngày 05 tháng 12 năm 2026",
)


def test_minutes_have_the_party_header_figures_and_signatures(tan_lap: Branch) -> None:
    text = pdf_text(minutes_pdf(tan_lap.meeting))
    for line in HEADER:
        assert line in text, line
    assert "BIÊN BẢN" in text
    assert "Sinh hoạt thường kỳ ngày 05/12/2026" in text
    assert "Đảng viên phải dự: 4; có mặt: 3; vắng có lý do: 1; vắng không lý do: 0." in text
    assert "Vắng có lý do: Trần Thị Hoa." in text
    assert "Đi khám bệnh" not in text  # reasons are never printed
    assert "Chi bộ hoàn thành thu hoạch lúa mùa." in text
    assert "230.000 đồng" in text
    assert "01-NQ/2026 — Nghị quyết về ra quân làm đường giao thông nông thôn" in text
    # Signatures: the recorder on the left, the branch's secretary on the right.
    assert "THƯ KÝ" in text and "T/M CHI BỘ" in text and "BÍ THƯ" in text
    assert "(ký tên)" in text and "Nguyễn Văn Bình" in text


def test_resolutions_one_document_each_with_its_number(tan_lap: Branch) -> None:
    data = resolutions_pdf(tan_lap.meeting)
    assert pdf_pages(data) == 2
    text = pdf_text(data)
    assert text.count("ĐẢNG CỘNG SẢN VIỆT NAM") == 2
    assert "Số: 01-NQ/2026" in text and "Số: 02-NQ/2026" in text
    assert "NGHỊ QUYẾT" in text
    assert "Nghị quyết về giữ gìn vệ sinh môi trường" in text
    assert "500 m đường bê tông" in text
    assert "Biểu quyết: tán thành 3, không tán thành 0, không biểu quyết 0." in text
    assert text.count("Nguyễn Văn Bình") == 2


def test_attendance_sheet_lists_every_invitee_in_vietnamese_order(tan_lap: Branch) -> None:
    text = pdf_text(attendance_pdf(tan_lap.meeting))
    for line in HEADER:
        assert line in text, line
    assert "DANH SÁCH ĐẢNG VIÊN DỰ SINH HOẠT" in text
    assert "Ký tên" in text
    names = ["Nguyễn Văn Bình", "Đặng Xuân Dũng", "Trần Thị Hoa", "Lê Thị Mai"]
    positions = [text.index(n) for n in names]
    # By given name in Vietnamese order: Bình, Dũng, Hoa, Mai.
    assert positions == sorted(positions)
    assert "Vắng có lý do" in text and "Đi khám bệnh" not in text


def test_english_mode_prints_the_english_layout(tan_lap: Branch) -> None:
    with translation.override("en"):
        text = pdf_text(minutes_pdf(tan_lap.meeting))
    assert "COMMUNIST PARTY OF VIETNAM" in text
    assert "MINUTES" in text


def test_a_meeting_without_resolutions_still_prints(tan_lap: Branch) -> None:
    from coso.meetings import operations as mops

    empty = mops.plan_meeting(
        tan_lap.branch, kind="thematic", on=tan_lap.meeting.on, place="Nhà văn hóa"
    )
    text = pdf_text(resolutions_pdf(empty))
    assert "Cuộc họp chưa có nghị quyết." in text
    assert "Số: …………" in text


def test_meeting_pdfs_cost_a_bounded_number_of_queries(
    tan_lap: Branch, django_assert_max_num_queries: Any
) -> None:
    from coso.meetings.models import Meeting

    for make in (minutes_pdf, resolutions_pdf, attendance_pdf):
        meeting = Meeting.objects.select_related("unit").get(pk=tan_lap.meeting.pk)
        with django_assert_max_num_queries(6):
            make(meeting)
