"""The secretary's meeting pages: plan, attendance, minutes, resolutions, close, amend, cancel.

Against the cast (tests/cast.py): branch B with CAST-B1 and CAST-B2, its secretary, the
committee of commune C above it, the officer of province P (reads only) and the outsider of Q.
Each refused action is tried through the page: the refusal is shown (422) and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.core.dates import today
from coso.meetings import operations as ops
from coso.meetings.models import (
    Amendment,
    AttendanceStatus,
    Invitation,
    Meeting,
    MeetingStatus,
    OnlineGround,
    Resolution,
)
from coso.members.models import Member
from tests.cast import Cast

DAY = dt.date(2024, 5, 10)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _meeting(cast: Cast, on: dt.date = DAY, **kw: Any) -> Meeting:
    return ops.plan_meeting(cast.B, kind="regular", on=on, place="Nhà văn hóa thôn", **kw)


def _statuses(meeting: Meeting) -> dict[str, str]:
    return dict(meeting.invitations.values_list("member__member_id", "status"))


def _attendance_data(meeting: Meeting, **by_member: tuple[str, str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for inv in meeting.invitations.select_related("member"):
        status, reason = by_member.get(inv.member.member_id.replace("-", "_"), ("", ""))
        data[f"status_{inv.pk}"] = status
        data[f"reason_{inv.pk}"] = reason
    return data


def _all_present(meeting: Meeting) -> None:
    ops.record_attendance(meeting, {m: AttendanceStatus.PRESENT for m in ("CAST-B1", "CAST-B2")})


# --------------------------------------------------------------------------------------------
# Planning


def test_plan_form_offers_sensible_defaults_and_shows_online_eligibility(cast: Cast) -> None:
    response = cast.client("secretary").get(reverse("meetings:plan", args=["B"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["kind"].value() == "regular"
    assert form["form"].value() == "in_person"
    assert form.initial["on"] == today() + dt.timedelta(days=1)
    eligibility = response.context["eligibility"]
    assert eligibility is not None and not eligibility.allowed
    assert "không đủ điều kiện sinh hoạt trực tuyến" in _text(response)
    # The committee of C above B holds no positions in the cast: no guest list to offer.
    assert "guests" not in form.fields


def test_secretary_plans_an_in_person_meeting(cast: Cast) -> None:
    client = cast.client("secretary")
    response = client.post(
        reverse("meetings:plan", args=["B"]),
        {
            "kind": "regular",
            "form": "in_person",
            "on": "10/05/2024",
            "starts_at": "08:00",
            "place": "Nhà văn hóa thôn",
            "agenda": "1. Đánh giá tháng 4\n2. Nhiệm vụ tháng 5",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert (meeting.unit, meeting.on, meeting.starts_at) == (cast.B, DAY, dt.time(8, 0))
    assert set(_statuses(meeting)) == {"CAST-B1", "CAST-B2"}
    entry = AuditEntry.objects.get(action="meeting_plan")
    assert entry.user == cast.secretary and entry.unit == cast.B
    assert entry.target_id == str(meeting.pk) and entry.after["invited"] == 2
    page = client.get(response["Location"])
    assert "Nhiệm vụ tháng 5" in _text(page)


def test_online_meeting_for_an_ineligible_branch_is_refused(cast: Cast) -> None:
    response = cast.client("secretary").post(
        reverse("meetings:plan", args=["B"]),
        {
            "kind": "regular",
            "form": "online",
            "on": "10/05/2024",
            "online_link": "https://meet.example.vn/chibo-b",
            "online_platform": "Google Meet",
            "online_reason": "Mưa bão",
            "unable_in_person": "1",
        },
    )
    assert response.status_code == 422
    text = _text(response)
    assert "Chi bộ «B» không đủ điều kiện sinh hoạt trực tuyến ngày 10/05/2024" in text
    assert "1/2 đảng viên" in text and "Không có thay đổi nào được ghi" in text
    assert not Meeting.objects.exists()
    assert not AuditEntry.objects.filter(action="meeting_plan").exists()


def test_online_meeting_when_most_members_cannot_come(cast: Cast) -> None:
    response = cast.client("secretary").post(
        reverse("meetings:plan", args=["B"]),
        {
            "kind": "regular",
            "form": "online",
            "on": "10/05/2024",
            "online_link": "https://meet.example.vn/chibo-b",
            "online_reason": "Cả hai đảng viên đi làm ăn xa",
            "unable_in_person": "2",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.online_ground == OnlineGround.UNABLE_MAJORITY
    assert meeting.unable_in_person == 2


def test_form_errors_name_the_field_and_write_nothing(cast: Cast) -> None:
    response = cast.client("secretary").post(
        reverse("meetings:plan", args=["B"]),
        {"kind": "regular", "form": "in_person", "on": "31/02/2024", "place": "x"},
    )
    assert response.status_code == 422
    assert "ngày không hợp lệ «31/02/2024»" in _text(response)
    assert not Meeting.objects.exists()


def test_in_person_without_place_is_refused(cast: Cast) -> None:
    response = cast.client("secretary").post(
        reverse("meetings:plan", args=["B"]),
        {"kind": "regular", "form": "in_person", "on": "10/05/2024"},
    )
    assert response.status_code == 422
    assert "cần địa điểm" in _text(response)
    assert not Meeting.objects.exists()


# --------------------------------------------------------------------------------------------
# Attendance, minutes, resolutions


def test_attendance_records_each_person_and_is_audited(cast: Cast) -> None:
    meeting = _meeting(cast)
    client = cast.client("secretary")
    url = reverse("meetings:attendance", args=[meeting.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count('class="btn-check"') == 3 * 2
    data = _attendance_data(
        meeting,
        CAST_B1=("present", ""),
        CAST_B2=("absent_excused", "Ốm"),
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert _statuses(meeting) == {"CAST-B1": "present", "CAST-B2": "absent_excused"}
    assert Invitation.objects.get(member__member_id="CAST-B2").reason == "Ốm"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    entry = AuditEntry.objects.get(action="meeting_attendance")
    assert entry.after["attendance"] == {"CAST-B1": "present", "CAST-B2": "absent_excused"}
    assert entry.before["status"] == "planned" and entry.after["status"] == "held"


def test_absent_with_reason_but_no_reason_is_refused(cast: Cast) -> None:
    meeting = _meeting(cast)
    data = _attendance_data(meeting, CAST_B1=("present", ""), CAST_B2=("absent_excused", ""))
    response = cast.client("secretary").post(
        reverse("meetings:attendance", args=[meeting.pk]), data
    )
    assert response.status_code == 422
    assert "Đảng viên «CAST-B2» vắng có lý do" in _text(response)
    assert set(_statuses(meeting).values()) == {AttendanceStatus.PENDING}
    assert not AuditEntry.objects.filter(action="meeting_attendance").exists()


def test_exempt_members_are_shown_apart_outside_the_count(cast: Cast) -> None:
    from coso.members.operations import exempt_member, recognize_member

    b2 = Member.objects.get(member_id="CAST-B2")
    recognize_member(b2, decided_on=dt.date(2022, 3, 2))
    exempt_member(b2, on=dt.date(2024, 1, 1), reason="illness", illness_months=6)
    meeting = _meeting(cast)
    page = cast.client("secretary").get(reverse("meetings:attendance", args=[meeting.pk]))
    assert [i.member.member_id for i in page.context["counted"]] == ["CAST-B1"]
    assert [i.member.member_id for i in page.context["exempt"]] == ["CAST-B2"]
    detail = cast.client("secretary").get(reverse("meetings:detail", args=[meeting.pk]))
    assert detail.context["quorum"].expected == 1
    assert "không tính vào số phải dự" in _text(detail)


def test_minutes_and_a_resolution_with_its_book_number(cast: Cast) -> None:
    meeting = _meeting(cast)
    _all_present(meeting)
    client = cast.client("secretary")
    response = client.post(
        reverse("meetings:minutes", args=[meeting.pk]),
        {
            "review": "Hoàn thành thu đảng phí",
            "tasks_ahead": "Phát triển đảng viên",
            "discussion": "",
            "political_news": "Nghị quyết Trung ương",
            "dues_collected_vnd": "120000",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.review == "Hoàn thành thu đảng phí" and meeting.dues_collected_vnd == 120000
    response = client.post(
        reverse("meetings:resolution", args=[meeting.pk]),
        {
            "title": "Nghị quyết tháng 5",
            "text": "",
            "votes_for": "2",
            "votes_against": "0",
            "votes_abstain": "0",
        },
        follow=True,
    )
    resolution = Resolution.objects.get()
    assert resolution.label == "01-NQ/2024"
    assert "Đã ghi nghị quyết số 01-NQ/2024" in _text(response)
    book = client.get(reverse("meetings:resolution_book", args=["B"]), {"year": "2024"})
    assert "01-NQ/2024" in _text(book) and "Nghị quyết tháng 5" in _text(book)
    assert AuditEntry.objects.get(action="meeting_resolution").after["resolution"] == "01-NQ/2024"


def test_a_resolution_not_carried_by_a_majority_is_refused(cast: Cast) -> None:
    meeting = _meeting(cast)
    _all_present(meeting)
    response = cast.client("secretary").post(
        reverse("meetings:resolution", args=[meeting.pk]),
        {"title": "Nghị quyết", "votes_for": "1", "votes_against": "1", "votes_abstain": "0"},
    )
    assert response.status_code == 422
    assert "chưa quá nửa" in _text(response)
    assert not Resolution.objects.exists()


# --------------------------------------------------------------------------------------------
# Closing, amendments, cancelling


def test_closing_without_attendance_is_refused(cast: Cast) -> None:
    meeting = _meeting(cast)
    client = cast.client("secretary")
    url = reverse("meetings:close", args=[meeting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 422
    assert "Không thể khóa sổ cuộc họp" in _text(response)
    assert "chưa ghi điểm danh" in _text(response)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.closed_at is None
    assert not AuditEntry.objects.filter(action="meeting_close").exists()


def test_close_shows_the_figures_then_locks(cast: Cast) -> None:
    meeting = _meeting(cast)
    ops.record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "absent_unexcused"})
    client = cast.client("secretary")
    url = reverse("meetings:close", args=[meeting.pk])
    page = client.get(url)
    assert page.context["quorum"].present == 1 and page.context["unexcused"] == 1
    assert "Chưa đủ số lượng" in _text(page)
    assert client.post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert (meeting.expected_count, meeting.present_count) == (2, 1)
    assert meeting.closed_by == cast.secretary
    assert AuditEntry.objects.get(action="meeting_close").after["present"] == 1


def test_editing_a_closed_meeting_is_refused_and_an_amendment_is_kept(cast: Cast) -> None:
    meeting = _meeting(cast)
    _all_present(meeting)
    ops.write_minutes(meeting, review="Cũ")
    ops.close_meeting(meeting)
    client = cast.client("secretary")
    response = client.post(
        reverse("meetings:minutes", args=[meeting.pk]),
        {"review": "Sửa thẳng", "tasks_ahead": "", "discussion": "", "political_news": ""},
    )
    assert response.status_code == 422
    assert "đã khóa sổ" in _text(response) and "đính chính" in _text(response)
    meeting.refresh_from_db()
    assert meeting.review == "Cũ"
    # Attendance and resolutions are locked the same way.
    data = _attendance_data(meeting, CAST_B1=("absent_unexcused", ""))
    assert client.post(reverse("meetings:attendance", args=[meeting.pk]), data).status_code == 422
    assert _statuses(meeting)["CAST-B1"] == "present"

    response = client.post(
        reverse("meetings:amend", args=[meeting.pk]),
        {"field": "review", "value": "Mới", "reason": "Ghi nhầm số liệu"},
    )
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.field, amendment.before, amendment.after) == ("review", "Cũ", "Mới")
    assert amendment.by == cast.secretary and amendment.reason == "Ghi nhầm số liệu"
    response = client.post(
        reverse("meetings:amend", args=[meeting.pk]),
        {"field": "attendance:CAST-B2", "status": "absent_excused", "reason": "Có giấy ốm"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.review == "Mới" and meeting.present_count == 1
    detail = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert "Có giấy ốm" in _text(detail) and "Ghi nhầm số liệu" in _text(detail)
    assert AuditEntry.objects.filter(action="meeting_amend").count() == 2


def test_amendment_needs_a_reason_and_an_open_meeting_is_edited_directly(cast: Cast) -> None:
    meeting = _meeting(cast)
    client = cast.client("secretary")
    url = reverse("meetings:amend", args=[meeting.pk])
    response = client.post(url, {"field": "review", "value": "x", "reason": "Sửa"})
    assert response.status_code == 422
    assert "chưa khóa sổ: sửa trực tiếp" in _text(response)
    _all_present(meeting)
    ops.close_meeting(meeting)
    response = client.post(url, {"field": "review", "value": "x", "reason": ""})
    assert response.status_code == 422
    assert not Amendment.objects.exists()


def test_cancel_needs_a_reason(cast: Cast) -> None:
    meeting = _meeting(cast)
    client = cast.client("secretary")
    url = reverse("meetings:cancel", args=[meeting.pk])
    assert client.post(url, {"reason": ""}).status_code == 422
    assert client.post(url, {"reason": "Trùng lịch bầu cử"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancel_reason == "Trùng lịch bầu cử"


# --------------------------------------------------------------------------------------------
# Online check-in and group meetings


def test_open_and_confirm_online_check_in(cast: Cast) -> None:
    meeting = ops.plan_meeting(
        cast.B,
        kind="regular",
        form="online",
        on=today(),
        online_link="https://meet.example.vn/b",
        online_reason="Đi làm xa",
        unable_in_person=2,
    )
    client = cast.client("secretary")
    assert client.post(reverse("meetings:check_in_open", args=[meeting.pk])).status_code == 302
    meeting.refresh_from_db()
    assert meeting.check_in_opens_at is not None
    assert meeting.check_in_closes_at - meeting.check_in_opens_at == dt.timedelta(minutes=120)
    b1 = Member.objects.get(member_id="CAST-B1")
    ops.check_in(b1, meeting, meeting.check_in_opens_at + dt.timedelta(minutes=5))
    url = reverse("meetings:check_in_confirm", args=[meeting.pk])
    page = client.get(url)
    b2_invitation = Invitation.objects.get(meeting=meeting, member__member_id="CAST-B2")
    assert f"reason_{b2_invitation.pk}" in page.context["form"].fields
    response = client.post(url, {f"reason_{b2_invitation.pk}": "Mất mạng"})
    assert response.status_code == 302
    assert _statuses(meeting) == {"CAST-B1": "present", "CAST-B2": "absent_excused"}


def test_check_in_for_an_in_person_meeting_is_refused(cast: Cast) -> None:
    meeting = _meeting(cast)
    response = cast.client("secretary").post(reverse("meetings:check_in_open", args=[meeting.pk]))
    assert response.status_code == 422
    assert "không họp trực tuyến" in _text(response)
    meeting.refresh_from_db()
    assert meeting.check_in_opens_at is None


def test_by_group_meeting_lists_its_group_meetings_and_consolidates(cast: Cast) -> None:
    from coso.members.operations import change_group

    for member_id in ("CAST-B1", "CAST-B2"):
        change_group(Member.objects.get(member_id=member_id), on=dt.date(2024, 1, 1), group=cast.G)
    meeting = ops.plan_meeting(
        cast.B, kind="regular", form="by_group", on=DAY, place="Nhà các tổ viên"
    )
    client = cast.client("secretary")
    detail = client.get(reverse("meetings:detail", args=[meeting.pk]))
    groups = detail.context["groups"]
    assert len(groups) == 1 and groups[0].group == cast.G and groups[0].invited == 2
    sub = groups[0]
    data = _attendance_data(sub, CAST_B1=("present", ""), CAST_B2=("present", ""))
    assert client.post(reverse("meetings:attendance", args=[sub.pk]), data).status_code == 302
    assert client.post(reverse("meetings:consolidate", args=[meeting.pk])).status_code == 302
    assert _statuses(meeting) == {"CAST-B1": "present", "CAST-B2": "present"}


# --------------------------------------------------------------------------------------------
# Lists and the unit page link


def test_unit_meetings_upcoming_first_then_past_and_the_plan_button(cast: Cast) -> None:
    year = today().year
    past = _meeting(cast, on=dt.date(year, 1, 2) if today() > dt.date(year, 1, 2) else today())
    soon = _meeting(cast, on=today() + dt.timedelta(days=3))
    client = cast.client("secretary")
    response = client.get(reverse("meetings:unit_meetings", args=["B"]), {"year": str(year)})
    upcoming = [m.pk for m in response.context["upcoming"]]
    assert soon.pk in upcoming
    if past.on < today():
        assert [m.pk for m in response.context["past"]] == [past.pk]
    assert 'id="plan-meeting"' in response.content.decode()
    # The officer reads but does not manage meetings; the member reads their branch's.
    for who in ("officer", "member"):
        page = cast.client(who).get(reverse("meetings:unit_meetings", args=["B"]))
        assert page.status_code == 200 and 'id="plan-meeting"' not in page.content.decode()
    unit_page = client.get(reverse("web:unit", args=["B"]))
    assert reverse("meetings:unit_meetings", args=["B"]) in unit_page.content.decode()


def test_year_filter(cast: Cast) -> None:
    _meeting(cast, on=dt.date(2023, 6, 1))
    client = cast.client("secretary")
    in_2023 = client.get(reverse("meetings:unit_meetings", args=["B"]), {"year": "2023"})
    in_2022 = client.get(reverse("meetings:unit_meetings", args=["B"]), {"year": "2022"})
    assert len(in_2023.context["past"]) == 1
    assert not in_2022.context["past"] and not in_2022.context["upcoming"]
    assert (
        client.get(reverse("meetings:unit_meetings", args=["B"]), {"year": "x"}).status_code == 200
    )


def _queries(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The first request of a client also saves its session: count a later one.
    assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_meetings_list_does_not_grow_with_meetings(cast: Cast) -> None:
    client = cast.client("secretary")
    url = reverse("meetings:unit_meetings", args=["B"])
    _meeting(cast, on=dt.date(2024, 1, 5))
    one = _queries(client, url, {"year": "2024"})
    for month in range(2, 10):
        meeting = _meeting(cast, on=dt.date(2024, month, 5))
        _all_present(meeting)
        ops.close_meeting(meeting)
    assert _queries(client, url, {"year": "2024"}) == one
    assert one <= 15


def test_meeting_detail_does_not_grow_with_people_and_records(
    cast: Cast, settings: Any, tmp_path: Any
) -> None:
    from coso.meetings.documents import store_document
    from coso.members.operations import admit_member

    settings.VAR_DIR = tmp_path
    client = cast.client("secretary")
    small = _meeting(cast)
    one = _queries(client, reverse("meetings:detail", args=[small.pk]))
    for i in range(6):
        admit_member(
            member_id=f"CAST-X{i}",
            full_name=f"Đảng viên {i}",
            gender="male",
            birth_date=dt.date(1980, 1, 1),
            branch=cast.B,
            admitted_on=dt.date(2021, 3, 1),
        )
    big = _meeting(cast, on=dt.date(2024, 6, 10))
    ops.record_attendance(big, {m: "present" for m in _statuses(big)})
    for n in range(3):
        ops.adopt_resolution(big, title=f"Nghị quyết {n}", votes_for=8)
        store_document(big, name=f"tai-lieu-{n}.pdf", data=b"%PDF-1.4\n%%EOF\n")
    many = _queries(client, reverse("meetings:detail", args=[big.pk]))
    assert many == one
    assert one <= 25


@pytest.mark.parametrize("who", ["outsider", "officer", "member"])
def test_people_without_manage_rights_cannot_write(cast: Cast, who: str) -> None:
    meeting = _meeting(cast)
    client = cast.client(who)
    for name in ("attendance", "close", "cancel", "minutes"):
        assert client.post(reverse(f"meetings:{name}", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("meetings:plan", args=["B"]), {}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not AuditEntry.objects.filter(action__startswith="meeting_").exists()


def test_committee_members_above_can_be_invited_as_guests(cast: Cast) -> None:
    from coso.members.operations import assign_position, recognize_member

    guest = Member.objects.get(member_id="CAST-B2X")
    recognize_member(guest, decided_on=dt.date(2022, 3, 2))
    assign_position(guest, cast.C, "secretary", on=dt.date(2023, 1, 1))
    client = cast.client("secretary")
    url = reverse("meetings:plan", args=["B"])
    form = client.get(url).context["form"]
    assert dict(form.fields["guests"].choices)[str(guest.pk)].startswith("Trần Văn Bình")
    response = client.post(
        url,
        {
            "kind": "thematic",
            "form": "in_person",
            "on": "10/05/2024",
            "place": "Hội trường xã",
            "guests": [str(guest.pk)],
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(member=guest)
    assert invitation.role == "guest" and not invitation.counted
    detail = client.get(response["Location"])
    assert [i.member_id for i in detail.context["others"]] == [guest.pk]
    assert detail.context["quorum"].expected == 2


def test_a_group_meeting_links_back_and_offers_no_resolution(cast: Cast) -> None:
    meeting = ops.plan_meeting(cast.B, kind="regular", form="by_group", on=DAY, place="Tại tổ")
    sub = meeting.group_meetings.get()
    page = cast.client("secretary").get(reverse("meetings:detail", args=[sub.pk]))
    html = page.content.decode()
    assert reverse("meetings:detail", args=[meeting.pk]) in html
    assert 'id="action-attendance"' in html and 'id="action-resolution"' not in html
