"""A member's record as PDF: the lý lịch fields and the Party history, cut to what the reader
may see (sensitive fields only with VIEW_SENSITIVE, and then the read is logged)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.audit.models import AuditEntry
from coso.members.models import Member
from coso.members.operations import receive_member, transfer_out
from coso.members.queries import read_member
from coso.units.operations import create_unit
from coso.web.printing import member_record_pdf
from tests.printing.conftest import Branch, pdf_text

DAY = dt.date(2026, 12, 5)


def _moved(tan_lap: Branch) -> Member:
    """Đặng Xuân Dũng: admitted in Tân Lập, recognized, moved to Chi bộ thôn Tân Mỹ and back."""
    other = create_unit(
        code="19111-TM",
        name="Chi bộ thôn Tân Mỹ",
        kind="branch",
        parent=tan_lap.commune,
        on=dt.date(2010, 1, 4),
    )
    member = tan_lap.members[1]
    transfer_out(member, to_unit=other, on=dt.date(2020, 3, 2))
    receive_member(member, on=dt.date(2020, 3, 20), branch=other)
    return Member.objects.get(pk=member.pk)


def test_record_holds_the_profile_and_party_history(tan_lap: Branch) -> None:
    member = _moved(tan_lap)
    text = pdf_text(member_record_pdf(read_member(member, sensitive=False, reader=None), DAY))
    assert "ĐẢNG BỘ XÃ HOÀN LÃO" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "CHI BỘ THÔN TÂN MỸ" in text  # the branch keeping the record now
    assert "Hoàn Lão, ngày 05 tháng 12 năm 2026" in text
    assert "TÓM TẮT LÝ LỊCH ĐẢNG VIÊN" in text
    assert "Số lý lịch: TL-02" in text
    for value in ("Đặng Xuân Dũng", "14/09/1985", "Hoàn Lão, Bố Trạch, Quảng Bình", "Giáo viên"):
        assert value in text, value
    for event in ("Kết nạp", "Công nhận chính thức", "Chuyển sinh hoạt đi", "Tiếp nhận sinh hoạt"):
        assert event in text, event
    assert "19/05/2015" in text and "Tuổi đảng" in text
    assert "Kinh" not in text and "Số định danh" not in text  # not allowed: not printed


def test_record_prints_posts_and_sensitive_fields_for_those_allowed(tan_lap: Branch) -> None:
    member = tan_lap.secretary
    before = AuditEntry.objects.count()
    text = pdf_text(member_record_pdf(read_member(member, sensitive=True, reader=None), DAY))
    assert AuditEntry.objects.count() == before + 1  # the sensitive read, logged
    assert "Chức vụ trong Đảng".upper() in text.upper()
    assert "Bí thư" in text and "01/08/2025" in text
    assert "Số định danh cá nhân" in text and "044200001" in text and "Kinh" in text
    # Signed by the branch's secretary.
    assert "T/M CHI BỘ" in text and "BÍ THƯ" in text and "(ký tên)" in text


def test_probationary_member_has_no_party_age_line(tan_lap: Branch) -> None:
    text = pdf_text(
        member_record_pdf(read_member(tan_lap.members[3], sensitive=False, reader=None), DAY)
    )
    assert "Lê Thị Mai" in text and "Đảng viên dự bị" in text
    assert "Tuổi đảng" not in text


def test_record_costs_a_bounded_number_of_queries(tan_lap: Branch) -> None:
    """The same few queries for a long history as for a short one (no query per event or
    period): events, spans, posts, participations, roles, unit names, Party age, header,
    signer."""
    moved = _moved(tan_lap)
    counts = []
    for member in (moved, tan_lap.members[2]):
        with CaptureQueriesContext(connection) as queries:
            member_record_pdf(read_member(member, sensitive=False, reader=None), DAY)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 18, counts


def test_candidates_print_with_or_without_a_branch(tan_lap: Branch) -> None:
    from coso.members.operations import create_candidate

    with_branch = create_candidate(
        member_id="TL-C1",
        full_name="Hoàng Văn Nam",
        gender="male",
        birth_date=dt.date(2002, 2, 2),
        branch=tan_lap.branch,
    )
    text = pdf_text(member_record_pdf(read_member(with_branch, sensitive=False, reader=None), DAY))
    assert "CHI BỘ THÔN TÂN LẬP" in text and "Hoàng Văn Nam" in text
    assert "Tuổi đảng" not in text and "Chưa có sự kiện." in text
    alone = create_candidate(
        member_id="TL-C2", full_name="Phan Thị Lan", gender="female", birth_date=dt.date(2003, 3, 3)
    )
    text = pdf_text(member_record_pdf(read_member(alone, sensitive=False, reader=None), DAY))
    assert "Phan Thị Lan" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "Ngày 05 tháng 12 năm 2026" in text  # no place without a unit
    assert "(ký tên)" not in text  # no unit, no signer
