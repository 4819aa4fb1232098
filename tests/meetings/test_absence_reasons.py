"""Absence reasons (free text that may hold health details) are read by those who manage the
branch's activities (its secretary, the committee above, the administrator) and by the member
themself, never by other members or by officers who only read; each read showing someone
else's reason is one view_sensitive entry in the audit trail (issue 9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from coso.audit.actions import AuditAction
from coso.audit.models import AuditEntry
from coso.meetings.models import Meeting
from coso.meetings.operations import plan_meeting, record_attendance
from tests.cast import Cast

MINE = "Ốm, đang điều trị viêm gan"  # CAST-B1's, the `member` user's own
THEIRS = "Đi khám tim mạch định kỳ"  # CAST-B2's


@pytest.fixture
def meeting(cast: Cast) -> Meeting:
    held = plan_meeting(
        cast.B, kind="regular", form="in_person", on=dt.date(2024, 5, 10), place="Hội trường"
    )
    return record_attendance(
        held,
        {"CAST-B1": "absent_excused", "CAST-B2": "absent_excused"},
        reasons={"CAST-B1": MINE, "CAST-B2": THEIRS},
    )


def _views() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).order_by("id"))


def _api(cast: Cast, who: str, path: str) -> Any:
    response = cast.client("anonymous").get(path, HTTP_AUTHORIZATION=f"Bearer {cast.token(who)}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("who", ["admin", "committee", "secretary"])
def test_managers_read_every_reason_and_each_read_is_logged(
    cast: Cast, meeting: Meeting, who: str
) -> None:
    url = reverse("meetings:detail", args=[meeting.pk])
    page = cast.client(who).get(url).content.decode()
    assert MINE in page and THEIRS in page
    [entry] = _views()
    assert entry.after == {"fields": ["absence_reason"]}
    assert (entry.target_type, entry.target_id) == ("meetings.meeting", str(meeting.pk))
    assert entry.unit == cast.B and entry.user == cast.user(who) and entry.channel == "web"

    body = _api(cast, who, f"/api/v1/meetings/{meeting.pk}")
    reasons = {i["member_id"]: i["reason"] for i in body["invitations"]}
    assert reasons["CAST-B1"] == MINE and reasons["CAST-B2"] == THEIRS
    assert len(_views()) == 2 and _views()[-1].channel == "api"

    record = _api(cast, who, "/api/v1/members/CAST-B2/attendance?from=2024-01-01&to=2024-12-31")
    assert [i["reason"] for i in record["items"]] == [THEIRS]
    last = _views()[-1]
    assert len(_views()) == 3
    assert (last.target_type, last.target_id) == ("members.member", "CAST-B2")


def test_a_member_reads_their_own_reason_only_and_nothing_is_logged(
    cast: Cast, meeting: Meeting
) -> None:
    page = cast.client("member").get(reverse("meetings:detail", args=[meeting.pk]))
    assert page.status_code == 200
    assert MINE in page.content.decode() and THEIRS not in page.content.decode()
    body = _api(cast, "member", f"/api/v1/meetings/{meeting.pk}")
    reasons = {i["member_id"]: i["reason"] for i in body["invitations"]}
    assert reasons == {"CAST-B1": MINE, "CAST-B2": None}
    # Their own record (the member's page and the API) shows their own reason.
    assert (
        MINE in cast.client("member").get(reverse("meetings:me"), {"year": 2024}).content.decode()
    )
    record = _api(
        cast, "member", "/api/v1/members/CAST-B1/attendance?from=2024-01-01&to=2024-12-31"
    )
    assert [i["reason"] for i in record["items"]] == [MINE]
    assert _views() == []


def test_an_officer_who_only_reads_sees_no_reason(cast: Cast, meeting: Meeting) -> None:
    page = cast.client("officer").get(reverse("meetings:detail", args=[meeting.pk]))
    assert page.status_code == 200
    assert MINE not in page.content.decode() and THEIRS not in page.content.decode()
    # The statuses stay: who was excused is not the secret, why is.
    assert "absent_excused" in page.content.decode()
    body = _api(cast, "officer", f"/api/v1/meetings/{meeting.pk}")
    assert {i["reason"] for i in body["invitations"]} == {None}
    assert {i["status"] for i in body["invitations"]} == {"absent_excused"}
    record = _api(
        cast, "officer", "/api/v1/members/CAST-B2/attendance?from=2024-01-01&to=2024-12-31"
    )
    assert [i["reason"] for i in record["items"]] == [None]
    assert _views() == []


def test_the_attendance_form_read_is_logged_and_the_audit_page_names_the_field(
    cast: Cast, meeting: Meeting
) -> None:
    form = cast.client("secretary").get(reverse("meetings:attendance", args=[meeting.pk]))
    assert form.status_code == 200 and THEIRS in form.content.decode()
    assert len(_views()) == 1
    audit = cast.client("admin").get(reverse("web:audit")).content.decode()
    assert "Lý do vắng họp" in audit
