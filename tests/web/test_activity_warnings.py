"""Activity warnings on the home page (issue 4, section 3) appear and disappear with the data.

The home page is judged on 15/07/2024 here: last month is June, last quarter Q2, the year runs
from 01/01/2024, attendance and unrecorded meetings are looked at from 01/06/2024.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from coso.core.models import RuleSet
from coso.core.rules import clear_cache
from coso.meetings.models import AttendanceStatus, Meeting
from coso.meetings.operations import close_meeting, plan_meeting, record_attendance
from coso.meetings.warnings import WarningKind
from coso.units.models import Unit
from coso.web.warnings import activity_windows
from tests.cast import Cast

DAY = dt.date(2024, 7, 15)
P, U, E = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT_UNEXCUSED,
    AttendanceStatus.ABSENT_EXCUSED,
)
BOTH = {"CAST-B1": P, "CAST-B2": P}


@pytest.fixture(autouse=True)
def _judged_on_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coso.web.views.today", lambda: DAY)


def _meeting(unit: Unit, kind: str, on: dt.date, statuses: dict[str, str] | None) -> Meeting:
    meeting = plan_meeting(unit, kind=kind, on=on, place="Nhà văn hóa")
    if statuses is not None:
        reasons = {k: "Đi công tác" for k, v in statuses.items() if v == E}
        record_attendance(meeting, statuses, reasons=reasons)
    return meeting


def _home(cast: Cast, who: str) -> Any:
    response = cast.client(who).get(reverse("web:home"))
    assert response.status_code == 200
    return response


def _alerts(cast: Cast, who: str) -> dict[str, Any]:
    return {a.key: a for a in _home(cast, who).context["activity_alerts"]}


def test_windows() -> None:
    assert activity_windows(DAY) == {
        WarningKind.NO_REGULAR: (dt.date(2024, 6, 1), dt.date(2024, 7, 1)),
        WarningKind.NO_THEMATIC: (dt.date(2024, 4, 1), dt.date(2024, 7, 1)),
        WarningKind.ABSENT_UNEXCUSED: (dt.date(2024, 1, 1), dt.date(2024, 7, 16)),
        WarningKind.LOW_ATTENDANCE: (dt.date(2024, 6, 1), dt.date(2024, 7, 16)),
        WarningKind.UNRECORDED: (dt.date(2024, 6, 1), dt.date(2024, 7, 16)),
    }


def test_missing_regular_and_thematic_meetings_until_held(cast: Cast) -> None:
    alerts = _alerts(cast, "secretary")
    assert set(alerts) == {WarningKind.NO_REGULAR, WarningKind.NO_THEMATIC}
    regular = alerts[WarningKind.NO_REGULAR]
    assert regular.window == "tháng 06/2024" and regular.branches == 1
    assert [i.detail for i in regular.items] == [
        "Chi bộ «B» có 0/1 cuộc sinh hoạt thường kỳ (06/2024)."
    ]
    plan = reverse("meetings:plan", args=["B"])
    assert regular.items[0].href == plan
    body = _home(cast, "secretary").content.decode()
    assert f'href="{plan}"' in body and "Chi bộ chưa sinh hoạt thường kỳ tháng trước" in body
    assert alerts[WarningKind.NO_THEMATIC].window == "quý 2/2024"

    # A meeting planned but not held does not count; once held, the warning goes.
    june = _meeting(cast.B, "regular", dt.date(2024, 6, 10), None)
    assert WarningKind.NO_REGULAR in _alerts(cast, "secretary")
    record_attendance(june, BOTH)
    close_meeting(june)
    assert set(_alerts(cast, "secretary")) == {WarningKind.NO_THEMATIC}
    close_meeting(_meeting(cast.B, "thematic", dt.date(2024, 5, 20), BOTH))
    response = _home(cast, "secretary")
    assert response.context["activity_alerts"] == []
    assert "Không có cảnh báo về sinh hoạt đảng." in response.content.decode()


def test_member_absent_without_reason_three_months_is_proposed(cast: Cast) -> None:
    absent = {"CAST-B1": P, "CAST-B2": U}
    for month in (1, 2):
        close_meeting(_meeting(cast.B, "regular", dt.date(2024, month, 10), absent))
    assert WarningKind.ABSENT_UNEXCUSED not in _alerts(cast, "secretary")
    march = _meeting(cast.B, "regular", dt.date(2024, 3, 10), absent)
    alert = _alerts(cast, "secretary")[WarningKind.ABSENT_UNEXCUSED]
    assert "hệ thống chỉ đề xuất, chi bộ xem xét và quyết định" in alert.title
    assert "3 tháng" in alert.title
    assert [i.href for i in alert.items] == [reverse("web:member", args=["CAST-B2"])]
    assert "«CAST-B2»" in alert.items[0].detail and "tháng 01, 02, 03" in alert.items[0].detail
    body = _home(cast, "secretary").content.decode()
    assert 'href="/members/CAST-B2/"' in body
    # The branch corrects March: the absence had a reason. Nothing is proposed any more.
    record_attendance(march, {"CAST-B2": E}, reasons={"CAST-B2": "Ốm"})
    assert WarningKind.ABSENT_UNEXCUSED not in _alerts(cast, "secretary")


def test_low_attendance_follows_the_configured_rate(cast: Cast) -> None:
    june = _meeting(cast.B, "regular", dt.date(2024, 6, 10), {"CAST-B1": P, "CAST-B2": U})
    alert = _alerts(cast, "secretary")[WarningKind.LOW_ATTENDANCE]
    assert "dưới 70%" in alert.title
    assert alert.items[0].href == reverse("meetings:detail", args=[june.pk])
    assert "1/2 đảng viên dự họp (50%)" in alert.items[0].detail
    ruleset = RuleSet.objects.get(code="meetings")
    ruleset.values["attendance_warning_rate"] = 0.5
    ruleset.save()
    clear_cache()
    assert WarningKind.LOW_ATTENDANCE not in _alerts(cast, "secretary")


def test_meeting_planned_but_never_recorded(cast: Cast) -> None:
    past = _meeting(cast.B, "extraordinary", dt.date(2024, 7, 1), None)
    _meeting(cast.B, "regular", dt.date(2024, 7, 20), None)  # still ahead: not warned
    alert = _alerts(cast, "secretary")[WarningKind.UNRECORDED]
    assert alert.total == 1
    assert alert.items[0].href == reverse("meetings:attendance", args=[past.pk])
    assert "01/07/2024 đã qua nhưng chưa ghi kết quả" in alert.items[0].detail
    record_attendance(past, BOTH)
    assert WarningKind.UNRECORDED not in _alerts(cast, "secretary")


def test_officers_and_committees_see_how_many_branches(cast: Cast) -> None:
    officer = _alerts(cast, "officer")[WarningKind.NO_REGULAR]
    assert (officer.branches, officer.items) == (3, [])  # B, B2 and BC2
    assert officer.report_url == "/units/P/activity-report/?from=01/06/2024&to=30/06/2024"
    body = _home(cast, "officer").content.decode()
    assert 'href="/units/P/activity-report/?from=01/06/2024&amp;to=30/06/2024#warnings"' in body
    assert "3 chi bộ" in body
    assert _alerts(cast, "committee")[WarningKind.NO_REGULAR].branches == 2
    assert _alerts(cast, "outsider")[WarningKind.NO_REGULAR].branches == 1  # QB only
    close_meeting(_meeting(cast.B, "regular", dt.date(2024, 6, 10), BOTH))
    assert _alerts(cast, "officer")[WarningKind.NO_REGULAR].branches == 2
    assert _alerts(cast, "committee")[WarningKind.NO_REGULAR].branches == 1
    # A member without a role has no activity warnings (nor the report link).
    member = _home(cast, "member")
    assert "activity_alerts" not in member.context
    assert "activity-report" not in member.content.decode()


def test_a_secretary_home_shows_the_next_meetings_and_the_buttons(cast: Cast) -> None:
    soon = _meeting(cast.B, "regular", DAY + dt.timedelta(days=5), None)
    _meeting(cast.B, "regular", DAY - dt.timedelta(days=5), BOTH)  # past: not listed
    _meeting(cast.B2, "regular", DAY + dt.timedelta(days=3), None)  # another branch
    response = _home(cast, "secretary")
    assert [m.pk for m in response.context["next_meetings"]] == [soon.pk]
    page = response.content.decode()
    assert reverse("meetings:detail", args=[soon.pk]) in page
    assert response.context["plan_url"] == reverse("meetings:plan", args=["B"])
    assert reverse("meetings:unit_meetings", args=["B"]) in page
    # A committee member's home is a commune: its branches are in the report, no list here.
    committee = _home(cast, "committee")
    assert "next_meetings" not in committee.context and "plan_url" not in committee.context


def test_warning_details_follow_the_readers_language(cast: Cast) -> None:
    client = cast.client("secretary")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("web:home")).content.decode()
    # June 2024 had no regular meeting in branch B (nothing was planned in this test).
    assert "Branch «B» held 0 of 1 regular meetings (06/2024)." in page
    assert "Branches that held no regular meeting last month" in page
    assert "cuộc sinh hoạt thường kỳ" not in page
