"""Attendance for a whole branch (issue 13, §10): members listed by given name in Vietnamese
order, and «all present» filling the form (without JavaScript: the server sends it back)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.core.names import vietnamese_sort_key
from coso.meetings import operations as ops
from coso.meetings.models import AttendanceStatus, Meeting
from coso.members.operations import admit_member
from tests.cast import ADMITTED, Cast

DAY = dt.date(2024, 5, 10)
NAMES = ["Trần Văn An", "Đặng Xuân Dũng", "Lê Thị Ánh", "Vũ Văn Ân", "Ông Thị Bích"]


def _branch_with_names(cast: Cast) -> Meeting:
    for i, name in enumerate(NAMES):
        admit_member(
            member_id=f"ORD-{i}",
            full_name=name,
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=cast.B,
            admitted_on=ADMITTED,
        )
    return ops.plan_meeting(cast.B, kind="regular", on=DAY, place="Nhà văn hóa thôn")


def _names(rows: list[Any]) -> list[str]:
    return [inv.member.full_name for inv in rows]


def test_members_are_listed_by_given_name_in_vietnamese_order(cast: Cast) -> None:
    meeting = _branch_with_names(cast)
    url = reverse("meetings:attendance", args=[meeting.pk])
    page = cast.client("secretary").get(url)
    assert page.status_code == 200
    shown = _names(page.context["counted"])
    assert shown == [
        "Trần Văn An",
        "Lê Thị Ánh",
        "Vũ Văn Ân",
        "Ông Thị Bích",
        "Đặng Xuân Dũng",
        "Phạm Đình Dũng",
        "Nguyễn Thị Lan",
    ]
    assert shown == sorted(shown, key=vietnamese_sort_key)
    # By character code «Đặng» and «Ông» would come last: the bug this fixes.
    assert sorted(shown)[-2:] == ["Ông Thị Bích", "Đặng Xuân Dũng"]
    # The meeting page lists them in the same order.
    detail = cast.client("secretary").get(reverse("meetings:detail", args=[meeting.pk]))
    assert _names(detail.context["counted"]) == shown


def test_all_present_without_javascript_fills_the_form_and_writes_nothing(cast: Cast) -> None:
    meeting = _branch_with_names(cast)
    url = reverse("meetings:attendance", args=[meeting.pk])
    client = cast.client("secretary")
    absent = meeting.invitations.get(member__member_id="ORD-1")
    response = client.post(
        url,
        {
            "fill": "present",
            f"status_{absent.pk}": "absent_unexcused",
            f"reason_{absent.pk}": "",
        },
    )
    assert response.status_code == 200
    shown = {inv.member.member_id: inv.status for inv in response.context["counted"]}
    assert shown.pop("ORD-1") == AttendanceStatus.ABSENT_UNEXCUSED  # a choice made is kept
    assert set(shown.values()) == {AttendanceStatus.PRESENT}
    html = response.content.decode()
    assert html.count('value="present" checked') == len(NAMES) + 2 - 1
    assert "Đã chọn «Có mặt» cho 6 người" in html
    # Nothing stored yet: the secretary still has to save.
    assert set(meeting.invitations.values_list("status", flat=True)) == {AttendanceStatus.PENDING}
    assert not AuditEntry.objects.filter(action="meeting_attendance").exists()

    # Saving the filled form records everyone in one write.
    data = {f"status_{inv.pk}": inv.status for inv in response.context["counted"]}
    assert client.post(url, data).status_code == 302
    stored = dict(meeting.invitations.values_list("member__member_id", "status"))
    assert stored.pop("ORD-1") == AttendanceStatus.ABSENT_UNEXCUSED
    assert set(stored.values()) == {AttendanceStatus.PRESENT}
    assert AuditEntry.objects.filter(action="meeting_attendance").count() == 1


def test_all_present_leaves_recorded_choices_alone(cast: Cast) -> None:
    meeting = _branch_with_names(cast)
    ops.record_attendance(meeting, {"CAST-B2": "absent_excused"}, reasons={"CAST-B2": "Ốm"})
    response = cast.client("secretary").post(
        reverse("meetings:attendance", args=[meeting.pk]), {"fill": "present"}
    )
    assert response.status_code == 200
    shown = {inv.member.member_id: inv.status for inv in response.context["counted"]}
    assert shown["CAST-B2"] == AttendanceStatus.ABSENT_EXCUSED
    assert [s for m, s in shown.items() if m != "CAST-B2"] == [AttendanceStatus.PRESENT] * 6
