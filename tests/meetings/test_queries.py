from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coso.core.errors import CosoError
from coso.meetings.models import AttendanceStatus, Resolution
from coso.meetings.operations import (
    adopt_resolution,
    close_meeting,
    open_check_in,
    plan_meeting,
    record_attendance,
)
from coso.meetings.queries import (
    attendance_record,
    open_check_ins,
    resolutions_of,
    unit_meetings,
    upcoming_meetings,
)
from tests.meetings.conftest import Tree

P, U, E = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT_UNEXCUSED,
    AttendanceStatus.ABSENT_EXCUSED,
)


def test_member_page_reads(tree: Tree) -> None:
    member = tree.members["m1"]
    everyone = {f"M{i}": P for i in range(2, 6)}
    for month, status in ((1, P), (2, U), (3, E)):
        meeting = plan_meeting(tree.B, kind="regular", on=dt.date(2024, month, 10), place="x")
        record_attendance(meeting, everyone | {"M1": status}, reasons={"M1": "Ốm"})
        adopt_resolution(meeting, title=f"NQ {month}", votes_for=4)
        close_meeting(meeting)
    rows, summary = attendance_record(member, dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert [r.status for r in rows] == [P, U, E]
    assert (summary.meetings, summary.present, summary.absent_unexcused) == (3, 1, 1)
    assert [r.number for r in resolutions_of(tree.B, year=2024)] == [3, 2, 1]
    assert unit_meetings(tree.B, dt.date(2024, 1, 1), dt.date(2025, 1, 1)).count() == 3
    # A closed meeting's resolution cannot be rewritten behind the book's back.
    resolution = Resolution.objects.get(number=1)
    resolution.votes_for = 5
    with pytest.raises(CosoError, match="đã khóa sổ"):
        resolution.save()

    today = timezone.localdate()
    soon = plan_meeting(
        tree.BP,
        kind="regular",
        on=today + dt.timedelta(days=1),
        form="online",
        online_link="https://meet.example/bp",
        online_reason="Trực biên giới",
    )
    plan_meeting(tree.B, kind="thematic", on=today + dt.timedelta(days=2), place="x")
    p1 = tree.members["p1"]  # home BP, takes part in B
    assert [m.unit.code for m in upcoming_meetings(p1)] == ["BP", "B"]
    at = timezone.now()
    assert not open_check_ins(p1, at).exists()
    open_check_in(soon, at=at)
    assert list(open_check_ins(p1, at + dt.timedelta(minutes=5))) == [soon]
    assert not open_check_ins(member, at + dt.timedelta(minutes=5)).exists()


def test_a_newcomer_sees_the_branch_meetings_planned_before_they_joined(tree: Tree) -> None:
    from coso.meetings.ics import create_calendar_token, member_calendar_ics
    from coso.meetings.operations import plan_meeting
    from coso.meetings.queries import upcoming_meetings
    from coso.members.operations import admit_member
    from tests.meetings.conftest import with_account

    day = timezone.localdate()
    ahead = plan_meeting(tree.B, kind="regular", on=day + dt.timedelta(days=9), place="Hội trường")
    plan_meeting(tree.B2, kind="regular", on=day + dt.timedelta(days=9), place="Nơi khác")
    newcomer = admit_member(
        member_id="M8",
        full_name="Người mới",
        gender="male",
        birth_date=dt.date(2000, 2, 2),
        branch=tree.B,
        admitted_on=day,
    )
    assert not ahead.invitations.filter(member=newcomer).exists()  # planned before
    assert [m.pk for m in upcoming_meetings(newcomer)] == [ahead.pk]
    with_account(newcomer)
    assert f"meeting-{ahead.pk}@coso" in member_calendar_ics(create_calendar_token(newcomer))
