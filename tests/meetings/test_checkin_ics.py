from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from coso.core.errors import CosoError
from coso.meetings.ics import create_calendar_token, member_calendar_ics, revoke_calendar_tokens
from coso.meetings.models import AttendanceStatus
from coso.meetings.operations import (
    cancel_meeting,
    check_in,
    close_meeting,
    confirm_check_ins,
    open_check_in,
    plan_meeting,
)
from tests.meetings.conftest import Tree, with_account

DAY = dt.date(2024, 6, 12)


def _online(tree: Tree) -> Any:
    return plan_meeting(
        tree.BP,
        kind="regular",
        on=DAY,
        form="online",
        starts_at=dt.time(19, 30),
        online_link="https://meet.example/bp",
        online_platform="Zoom",
        online_reason="Đang làm nhiệm vụ",
    )


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour, minute)))


def test_check_in_only_inside_the_window_and_only_for_the_invited(tree: Tree) -> None:
    meeting = _online(tree)
    p1, p2 = tree.members["p1"], tree.members["p2"]
    with pytest.raises(CosoError, match=r"«BP1».*ngoài thời gian mở điểm danh"):
        check_in(p1, meeting, _at(19, 25))  # window not opened yet
    open_check_in(meeting, at=_at(19, 20))  # the rule gives 120 minutes
    with pytest.raises(CosoError, match="ngoài thời gian"):
        check_in(p1, meeting, _at(19, 19))
    with pytest.raises(CosoError, match="ngoài thời gian"):
        check_in(p1, meeting, _at(21, 20))
    assert check_in(p1, meeting, _at(19, 31)).checked_in_at == _at(19, 31)
    check_in(p2, meeting, _at(21, 19))
    with pytest.raises(CosoError, match="«M1» không được mời"):
        check_in(tree.members["m1"], meeting, _at(19, 40))
    confirm_check_ins(meeting, excused={"BP3": "Trực chiến"})
    statuses = dict(meeting.invitations.values_list("member__member_id", "status"))
    assert statuses == {
        "BP1": AttendanceStatus.PRESENT,
        "BP2": AttendanceStatus.PRESENT,
        "BP3": AttendanceStatus.ABSENT_EXCUSED,
    }
    assert close_meeting(meeting).present_count == 2


def test_check_in_window_only_for_online_meetings(tree: Tree) -> None:
    meeting = plan_meeting(tree.B, kind="regular", on=DAY, place="Nhà văn hóa")
    with pytest.raises(CosoError, match="không họp trực tuyến"):
        open_check_in(meeting, at=_at(19))
    with pytest.raises(CosoError, match="không họp trực tuyến"):  # would mark everyone absent
        confirm_check_ins(meeting)
    assert not meeting.invitations.exclude(status=AttendanceStatus.PENDING).exists()


def _parse(text: str) -> list[dict[str, str]]:
    """A small RFC 5545 reader: unfold, split properties, collect VEVENTs."""
    assert text.endswith("\r\n")
    raw = text.split("\r\n")[:-1]
    lines: list[str] = []
    for line in raw:
        assert len(line.encode()) <= 75
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def test_calendar_feed_lists_upcoming_meetings_and_can_be_revoked(
    tree: Tree, settings: Any
) -> None:
    today = timezone.localdate()
    member = with_account(tree.members["m1"])
    agenda = "Kiểm điểm tháng; triển khai nhiệm vụ, phổ biến " + "thời sự " * 12
    upcoming = plan_meeting(
        tree.B,
        kind="regular",
        on=today + dt.timedelta(days=3),
        starts_at=dt.time(19, 30),
        place="Nhà văn hóa tổ 5, Hoàn Lão",
        agenda=agenda,
    )
    plan_meeting(tree.B, kind="thematic", on=today + dt.timedelta(days=20), place="Hội trường")
    plan_meeting(tree.B, kind="regular", on=today - dt.timedelta(days=30), place="Cũ")
    cancelled = plan_meeting(
        tree.B, kind="extraordinary", on=today + dt.timedelta(days=5), place="x"
    )
    cancel_meeting(cancelled, reason="Bão")
    plan_meeting(tree.B2, kind="regular", on=today + dt.timedelta(days=3), place="Chi bộ khác")
    token = create_calendar_token(member)
    events = _parse(member_calendar_ics(token))
    assert len(events) == 2
    first = events[0]
    assert first["UID"] == f"meeting-{upcoming.pk}@coso"
    assert first["LOCATION"] == "Nhà văn hóa tổ 5\\, Hoàn Lão"
    assert first["DESCRIPTION"].replace("\\;", ";").replace("\\,", ",") == agenda
    start = dt.datetime.strptime(first["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert timezone.localtime(start).time() == dt.time(19, 30)  # Asia/Ho_Chi_Minh
    assert events[1]["DTSTART;VALUE=DATE"] == f"{today + dt.timedelta(days=20):%Y%m%d}"
    revoke_calendar_tokens(member)
    with pytest.raises(CosoError, match="đã bị thu hồi"):
        member_calendar_ics(token)
    with pytest.raises(CosoError):
        member_calendar_ics("guess")


def test_a_by_group_meeting_is_one_event_the_members_own_group(tree: Tree) -> None:
    today = timezone.localdate()
    branch_meeting = plan_meeting(
        tree.B, kind="regular", form="by_group", on=today + dt.timedelta(days=4), place="Tổ"
    )
    own_group = branch_meeting.group_meetings.get(group=tree.G2)
    events = _parse(member_calendar_ics(create_calendar_token(with_account(tree.members["m4"]))))
    assert [e["UID"] for e in events] == [f"meeting-{own_group.pk}@coso"]
    assert "Đơn vị G2" in events[0]["SUMMARY"] and "(B)" in events[0]["SUMMARY"]


def test_a_new_calendar_address_ends_the_old_one(tree: Tree) -> None:
    member = with_account(tree.members["m1"])
    old = create_calendar_token(member)
    new = create_calendar_token(member)
    member_calendar_ics(new)
    with pytest.raises(CosoError, match="đã bị thu hồi"):
        member_calendar_ics(old)
