"""The member's own page (me/), online check-in and the private calendar feed, for CAST-B1.

Cast (tests/cast.py): the `member` user is linked to CAST-B1 of branch B (with CAST-B2);
CAST-B2X is in branch B2 of the same commune; CAST-Q in another province.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coso.accounts.models import Account, Role, RoleKind, hash_token
from coso.audit.models import AuditEntry
from coso.core.dates import today
from coso.meetings.documents import store_document
from coso.meetings.ics import create_calendar_token
from coso.meetings.models import CalendarToken, Invitation, Meeting
from coso.meetings.operations import (
    adopt_resolution,
    close_meeting,
    invite_guests,
    open_check_in,
    plan_meeting,
    record_attendance,
)
from tests.cast import MODEL_BACKEND, Cast
from tests.meetings.conftest import Tree, with_account

PDF = b"%PDF-1.4\n% tai lieu\n%%EOF\n"
FEED_URL = re.compile(r"https?://[^\"'<\s]+/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture(autouse=True)
def _documents_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _in_days(days: int) -> dt.date:
    return today() + dt.timedelta(days=days)


def _plan(unit: Any, days: int, **kw: Any) -> Meeting:
    kw.setdefault("kind", "regular")
    if kw.get("form") != "online":
        kw.setdefault("place", f"Nhà văn hóa {unit.code}")
    return plan_meeting(unit, on=_in_days(days), **kw)


def _online(cast: Cast, days: int = 0) -> Meeting:
    # Both members of B declared unable to meet in person: more than half, so online is allowed.
    return _plan(
        cast.B,
        days,
        form="online",
        starts_at=dt.time(19, 30),
        online_link="https://meet.example/chi-bo-b",
        online_platform="Zoom",
        online_reason="Mưa bão, đường ngập",
        unable_in_person=2,
    )


def _held(unit: Any, days_ago: int, statuses: dict[str, str], **kw: Any) -> Meeting:
    meeting = _plan(unit, -days_ago, **kw)
    reasons = {k: "Ốm" for k, v in statuses.items() if v == "absent_excused"}
    record_attendance(meeting, statuses, reasons=reasons)
    return meeting


def _page(cast: Cast, **query: Any) -> str:
    response = cast.client("member").get(reverse("meetings:me"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_page_shows_the_members_meetings_agenda_documents_and_nothing_of_other_branches(
    cast: Cast,
) -> None:
    mine = _plan(
        cast.B,
        3,
        starts_at=dt.time(8, 0),
        title="Sinh hoạt chi bộ tháng này",
        agenda="Kiểm điểm việc tháng trước\nPhổ biến nghị quyết mới",
    )
    doc = store_document(mine, name="bao-cao-thang.pdf", data=PDF)
    _plan(cast.B2, 3, title="Họp chi bộ B2 bí mật", agenda="Việc riêng của B2")
    _plan(cast.QB, 3, title="Họp chi bộ QB")
    cancelled = _plan(cast.B, 5, title="Cuộc họp đã hủy")
    from coso.meetings.operations import cancel_meeting

    cancel_meeting(cancelled, reason="Bão")
    _plan(cast.B, -3, title="Cuộc họp đã qua")
    page = _page(cast)
    assert "Sinh hoạt chi bộ tháng này" in page
    assert f"{mine.on:%d/%m/%Y}" in page and "08:00" in page
    assert "Nhà văn hóa B" in page
    assert "Đơn vị B (B)" in page  # unit names come from the spans
    assert "Kiểm điểm việc tháng trước" in page and "Phổ biến nghị quyết mới" in page
    assert "bao-cao-thang.pdf" in page
    download = reverse("meetings:document", args=[doc.pk])
    assert f'href="{download}"' in page
    assert cast.client("member").get(download).status_code == 200
    for absent in ("Họp chi bộ B2 bí mật", "Việc riêng của B2", "Họp chi bộ QB", "Cuộc họp đã hủy"):
        assert absent not in page, absent
    assert "Cuộc họp đã qua" not in page.split('id="upcoming"')[1].split('id="attendance"')[0]


def test_meetings_the_member_is_a_guest_at_are_listed_with_their_role(cast: Cast) -> None:
    other = _plan(cast.B2, 4, title="Chi bộ B2 mời dự")
    invite_guests(other, [cast.members["b1"]])
    page = _page(cast)
    assert "Chi bộ B2 mời dự" in page
    assert "Cấp ủy cấp trên dự" in page  # the role label
    assert "Đơn vị B2 (B2)" in page


def test_attendance_record_and_resolutions_of_the_year(cast: Cast) -> None:
    year = today().year
    first = _held(cast.B, 40, {"CAST-B1": "present", "CAST-B2": "present"}, title="Họp A")
    adopt_resolution(first, title="Nghị quyết về kinh tế hộ", votes_for=2)
    close_meeting(first)
    second = _held(cast.B, 20, {"CAST-B1": "absent_excused", "CAST-B2": "present"}, title="Họp B")
    adopt_resolution(second, title="Nghị quyết về an ninh", votes_for=1)
    _held(cast.B, 10, {"CAST-B1": "absent_unexcused", "CAST-B2": "present"}, title="Họp C")
    other = _held(cast.B2, 10, {"CAST-B2X": "present"}, title="Họp B2")
    adopt_resolution(other, title="Nghị quyết của chi bộ B2", votes_for=1)
    page = _page(cast)
    # Meetings 40 days ago may fall in last year early in January: count what this year holds.
    this_year = [m for m in (first, second) if m.on.year == year]
    summary = page.split('id="attendance-summary"')[1].split("</div>\n  </div>")[0]
    present = 1 if first.on.year == year else 0
    excused = 1 if second.on.year == year else 0
    assert f'data-count="present">{present}<' in summary
    assert f'data-count="absent_excused">{excused}<' in summary
    assert 'data-count="absent_unexcused">1<' in summary
    assert "Vắng không lý do" in page and "Ốm" in page.split('id="attendance-list"')[1]
    resolutions = page.split('id="resolutions"')[1].split('id="calendar"')[0]
    titles = {"Nghị quyết về kinh tế hộ": first, "Nghị quyết về an ninh": second}
    for title, meeting in titles.items():
        assert (title in resolutions) == (meeting in this_year), title
    assert "Nghị quyết của chi bộ B2" not in page
    if len(this_year) == 2:  # newest first
        assert resolutions.index("an ninh") < resolutions.index("kinh tế hộ")
    # An earlier year is asked for with ?year=; nothing was recorded then.
    earlier = _page(cast, year=year - 3)
    assert "Chưa có cuộc họp nào được ghi trong năm này." in earlier
    assert "Nghị quyết về an ninh" not in earlier


def test_an_account_without_member_gets_a_friendly_page(cast: Cast) -> None:
    for role in ("secretary", "officer", "admin"):
        response = cast.client(role).get(reverse("meetings:me"))
        assert response.status_code == 200, role
        assert "chưa được liên kết với hồ sơ đảng viên" in response.content.decode()


def test_nav_links_to_the_page_for_linked_members_only(cast: Cast) -> None:
    url = reverse("meetings:me")
    home = cast.client("member").get(reverse("web:home")).content.decode()
    assert f'href="{url}"' in home and "Sinh hoạt của tôi" in home
    other = cast.client("secretary").get(reverse("web:home")).content.decode()
    assert f'href="{url}"' not in other


def test_check_in_inside_the_window_is_recorded_and_audited(cast: Cast) -> None:
    meeting = _online(cast)
    open_check_in(meeting, at=timezone.now() - dt.timedelta(minutes=5))
    client = cast.client("member")
    page = _page(cast)
    assert reverse("meetings:check_in", args=[meeting.pk]) in page
    assert "https://meet.example/chi-bo-b" in page
    response = client.post(reverse("meetings:check_in", args=[meeting.pk]), follow=True)
    assert response.redirect_chain == [(reverse("meetings:me"), 302)]
    text = response.content.decode()
    assert "Đã điểm danh" in text
    invitation = Invitation.objects.get(meeting=meeting, member=cast.members["b1"])
    assert invitation.checked_in_at is not None
    assert Invitation.objects.get(meeting=meeting, member=cast.members["b2"]).checked_in_at is None
    entry = AuditEntry.objects.get(action="meeting_check_in")
    assert entry.user == cast.member and entry.unit == cast.B
    assert entry.after is not None and entry.after["member"] == "CAST-B1"
    # The button gives way to the confirmation; a second press writes nothing more.
    assert reverse("meetings:check_in", args=[meeting.pk]) not in text
    again = client.post(reverse("meetings:check_in", args=[meeting.pk]), follow=True)
    assert "từ trước" in again.content.decode()
    assert AuditEntry.objects.filter(action="meeting_check_in").count() == 1


def test_check_in_outside_the_window_is_refused_with_a_message(cast: Cast) -> None:
    meeting = _online(cast)
    client = cast.client("member")
    url = reverse("meetings:check_in", args=[meeting.pk])
    response = client.post(url, follow=True)  # window never opened
    assert response.redirect_chain == [(reverse("meetings:me"), 302)]
    assert "ngoài thời gian mở điểm danh" in response.content.decode()
    open_check_in(meeting, at=timezone.now() - dt.timedelta(hours=3))  # closed an hour ago
    assert url not in _page(cast)
    response = client.post(url, follow=True)
    assert "«CAST-B1»" in response.content.decode()
    assert not Invitation.objects.filter(meeting=meeting, checked_in_at__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="meeting_check_in").exists()


def test_check_in_needs_an_invitation_and_a_post(cast: Cast) -> None:
    client = cast.client("member")
    elsewhere = _plan(cast.B2, 0, title="Chi bộ khác")
    assert client.post(reverse("meetings:check_in", args=[elsewhere.pk])).status_code == 404
    # A meeting of their own branch they were not called to: visible, but not theirs to sign.
    mine = _online(cast)
    open_check_in(mine, at=timezone.now() - dt.timedelta(minutes=1))
    url = reverse("meetings:check_in", args=[mine.pk])
    assert client.get(url).status_code == 405
    Invitation.objects.filter(meeting=mine, member=cast.members["b1"]).delete()
    assert client.post(url).status_code == 404
    assert cast.client("secretary").post(url).status_code == 404  # no member of their own
    assert client.post(reverse("meetings:check_in", args=[999999])).status_code == 404


def _create_address(cast: Cast) -> tuple[str, str]:
    """(the full address, its token) as the page shows them after creating one."""
    response = cast.client("member").post(reverse("meetings:calendar_create"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "chỉ hiện MỘT LẦN" in text
    match = FEED_URL.search(text)
    assert match is not None
    return match.group(0), match.group(1)


def test_calendar_address_is_shown_once_and_only_its_hash_is_kept(cast: Cast) -> None:
    url, token = _create_address(cast)
    stored = CalendarToken.objects.get(member=cast.members["b1"])
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    page = _page(cast)
    assert token not in page
    assert "Bạn đang dùng một địa chỉ lịch" in page
    entry = AuditEntry.objects.get(action="calendar_token_create")
    assert token not in str(entry.after) and token not in str(entry.before)
    # A new address ends the old one.
    _, newer = _create_address(cast)
    client = cast.client("anonymous")
    assert client.get(reverse("meetings:calendar_feed", args=[token])).status_code == 404
    assert client.get(reverse("meetings:calendar_feed", args=[newer])).status_code == 200
    assert url.startswith("http://testserver/calendar/")


def _events(text: str) -> list[str]:
    return re.findall(r"UID:meeting-(\d+)@coso", text)


def test_calendar_feed_lists_the_members_meetings_only_and_is_not_cached(cast: Cast) -> None:
    mine = _plan(cast.B, 2, title="Họp chi bộ B")
    online = _online(cast, days=6)
    _plan(cast.B2, 2, title="Họp chi bộ B2")
    _plan(cast.QB, 2, title="Họp chi bộ QB")
    _, token = _create_address(cast)
    other_token = create_calendar_token(with_account(cast.members["b2x"]))
    anonymous = cast.client("anonymous")  # calendar applications have no session
    response = anonymous.get(reverse("meetings:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert _events(text) == [str(mine.pk), str(online.pk)]
    assert "Phạm Đình Dũng" in text.replace("\r\n ", "")
    for foreign in ("Họp chi bộ B2", "Họp chi bộ QB", "Trần Văn Bình", "Hoàng Văn Quang"):
        assert foreign not in text.replace("\r\n ", ""), foreign
    theirs = anonymous.get(reverse("meetings:calendar_feed", args=[other_token])).content.decode()
    assert str(mine.pk) not in _events(theirs) and "Phạm Đình Dũng" not in theirs
    assert anonymous.post(reverse("meetings:calendar_feed", args=[token])).status_code == 405


def test_revoked_or_unknown_calendar_address_answers_404(cast: Cast) -> None:
    _plan(cast.B, 2)
    _, token = _create_address(cast)
    client = cast.client("member")
    response = client.post(reverse("meetings:calendar_revoke"), follow=True)
    assert "Đã thu hồi địa chỉ lịch" in response.content.decode()
    assert AuditEntry.objects.filter(action="calendar_token_revoke").count() == 1
    anonymous = cast.client("anonymous")
    assert anonymous.get(reverse("meetings:calendar_feed", args=[token])).status_code == 404
    assert anonymous.get(reverse("meetings:calendar_feed", args=["x" * 43])).status_code == 404
    # Revoking with nothing active writes nothing.
    again = client.post(reverse("meetings:calendar_revoke"), follow=True)
    assert "chưa có địa chỉ lịch" in again.content.decode()
    assert AuditEntry.objects.filter(action="calendar_token_revoke").count() == 1
    assert client.get(reverse("meetings:calendar_create")).status_code == 405


def _queries(cast: Cast) -> int:
    client = cast.client("member")
    client.get(reverse("meetings:me"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("meetings:me")).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_meetings_documents_and_resolutions(cast: Cast) -> None:
    def add(days: int) -> None:
        upcoming = _plan(cast.B, days, agenda="Nội dung")
        store_document(upcoming, name=f"tai-lieu-{days}.pdf", data=PDF)
        held = _held(cast.B, days, {"CAST-B1": "present", "CAST-B2": "present"})
        adopt_resolution(held, title=f"Nghị quyết {days}", votes_for=2)

    online = _online(cast)
    open_check_in(online, at=timezone.now() - dt.timedelta(minutes=1))
    add(1)
    few = _queries(cast)
    for days in range(2, 7):
        add(days)
    online2 = _online(cast)
    open_check_in(online2, at=timezone.now() - dt.timedelta(minutes=1))
    many = _queries(cast)
    assert many == few, (few, many)
    assert many <= 20


def test_by_group_meeting_shows_the_members_own_group_inside_the_branch_card(tree: Tree) -> None:
    """A residential branch meeting by party groups: one card, naming the member's group."""
    user = get_user_model().objects.create_user("dv.m1", "m1@example.test", None)
    Role.objects.create(user=user, kind=RoleKind.MEMBER)
    Account.objects.create(user=user, member=tree.members["m1"])  # in group G1
    meeting = plan_meeting(
        tree.B,
        kind="regular",
        form="by_group",
        on=_in_days(4),
        place="Nhà văn hóa khu phố 3",
        agenda="Học tập nghị quyết",
    )
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    page = client.get(reverse("meetings:me")).content.decode()
    upcoming = page.split('id="upcoming"')[1].split('id="attendance"')[0]
    assert upcoming.count('class="card mb-3 meeting"') == 1
    assert f'id="meeting-{meeting.pk}"' in upcoming
    assert "bạn họp ở <strong>Đơn vị G1</strong>" in upcoming
    assert "Đơn vị G2" not in upcoming
