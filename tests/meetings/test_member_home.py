"""A plain member's home page is their next meeting and check-in (issue 13, §5); the check-in
meeting is listed once on me/. Officers' home pages keep the branch's figures.

Cast (tests/cast.py): the `member` user is CAST-B1 of branch B (no officer role).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coso.core.dates import today
from coso.meetings.models import Invitation, Meeting
from coso.meetings.operations import cancel_meeting, open_check_in, plan_meeting
from coso.meetings.queries import member_meetings
from tests.cast import Cast


@pytest.fixture(autouse=True)
def _documents_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _online_tonight(cast: Cast) -> Meeting:
    meeting = plan_meeting(
        cast.B,
        kind="regular",
        on=today(),
        form="online",
        starts_at=dt.time(19, 30),
        title="Họp trực tuyến tối nay",
        online_link="https://meet.example/chi-bo-b",
        online_platform="Zoom",
        online_reason="Mưa bão, đường ngập",
        unable_in_person=2,
        agenda="Kiểm điểm tháng",
    )
    open_check_in(meeting, at=timezone.now() - dt.timedelta(minutes=2))
    return meeting


def _next_week(cast: Cast) -> Meeting:
    return plan_meeting(
        cast.B,
        kind="thematic",
        on=today() + dt.timedelta(days=7),
        starts_at=dt.time(8, 0),
        title="Chuyên đề tháng",
        place="Nhà văn hóa thôn Hoàn Lão",
        agenda="Học tập chuyên đề năm",
    )


def test_the_check_in_meeting_is_listed_once_on_my_page(cast: Cast) -> None:
    online, later = _online_tonight(cast), _next_week(cast)
    cards = member_meetings(cast.members["b1"], today(), timezone.now())
    assert [c.meeting for c in cards.open] == [online]
    assert [c.meeting for c in cards.upcoming] == [later]
    assert cards.next is not None and cards.next.meeting == later
    page = cast.client("member").get(reverse("meetings:me")).content.decode()
    assert page.count("Họp trực tuyến tối nay") == 1
    assert f'id="check-in-{online.pk}"' in page and f'id="meeting-{online.pk}"' not in page
    assert page.count("Chuyên đề tháng") == 1
    # The check-in card carries what the upcoming card carried: the agenda.
    assert "Kiểm điểm tháng" in page


def test_a_members_home_is_the_check_in_then_the_next_meeting(cast: Cast) -> None:
    online, later = _online_tonight(cast), _next_week(cast)
    client = cast.client("member")
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    page = response.content.decode()
    check_in = page.index(f'id="check-in-{online.pk}"')
    assert check_in < page.index(f'id="meeting-{later.pk}"')
    assert reverse("meetings:check_in", args=[online.pk]) in page
    assert 'name="back" value="home"' in page
    assert "https://meet.example/chi-bo-b" in page
    for text in ("Nhà văn hóa thôn Hoàn Lão", "Học tập chuyên đề năm", "Chuyên đề tháng"):
        assert text in page
    # Not the branch's figures: those are for officers.
    assert "Số lượng đảng viên" not in page and response.context.get("stats") is None

    # Checking in from home comes back home, the button gone.
    done = client.post(
        reverse("meetings:check_in", args=[online.pk]), {"back": "home"}, follow=True
    )
    assert done.redirect_chain == [(reverse("web:home"), 302)]
    text = done.content.decode()
    assert "Đã điểm danh" in text and "Bạn đã điểm danh lúc" in text
    assert reverse("meetings:check_in", args=[online.pk]) not in text
    assert Invitation.objects.get(meeting=online, member=cast.members["b1"]).checked_in_at
    # From my page it still goes back to my page.
    again = client.post(reverse("meetings:check_in", args=[online.pk]))
    assert again["Location"] == reverse("meetings:me")


def test_a_members_home_without_meetings_says_so(cast: Cast) -> None:
    cancelled = _next_week(cast)
    cancel_meeting(cancelled, reason="Trùng lịch")
    page = cast.client("member").get(reverse("web:home")).content.decode()
    assert 'id="no-next-meeting"' in page
    assert "Chuyên đề tháng" not in page


def test_officers_homes_are_unchanged(cast: Cast) -> None:
    _online_tonight(cast)
    for role in ("secretary", "committee", "officer"):
        response = cast.client(role).get(reverse("web:home"))
        assert response.status_code == 200
        assert "Số lượng đảng viên" in response.content.decode(), role
        assert "member_home" not in response.context, role


def test_a_members_home_costs_a_fixed_number_of_queries(cast: Cast) -> None:
    _online_tonight(cast)
    _next_week(cast)
    client = cast.client("member")
    client.get(reverse("web:home"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:home")).status_code == 200
        return len(captured)

    few = queries()
    for i in range(5):
        plan_meeting(
            cast.B, kind="extraordinary", on=today() + dt.timedelta(days=10 + i), place="Thôn"
        )
    assert queries() == few <= 25
