"""The meetings API: a whole meeting through /api/v1/, each refusal, check-in, lists, reports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from coso.audit.models import AuditEntry
from coso.meetings.documents import store_document
from coso.meetings.models import (
    Amendment,
    Document,
    Invitation,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingStatus,
    Resolution,
)
from coso.meetings.operations import (
    cancel_meeting,
    close_meeting,
    plan_meeting,
    record_attendance,
)
from coso.meetings.reports import meeting_report
from coso.members.models import Position, PositionRole
from coso.members.operations import change_group
from tests.api.schema import wsgi_schema
from tests.cast import Cast

DAY = dt.date(2024, 5, 10)


class Api:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get("/api/v1" + path, query, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            "/api/v1" + path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )


@pytest.fixture
def as_role(cast: Cast) -> Any:
    return lambda role: Api(cast.token(role))


def _refused(response: Any, *words: str) -> str:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "refused"
    for word in words:
        assert word in body["message"], body["message"]
    return str(body["message"])


def _in_person(cast: Cast, on: dt.date = DAY, kind: str = MeetingKind.REGULAR) -> Meeting:
    return plan_meeting(cast.B, kind=kind, form=MeetingForm.IN_PERSON, on=on, place="Hội trường")


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, channel="api").order_by("id"))


# --- the whole life of a meeting --------------------------------------------------------------


def test_plan_attend_resolve_close_and_amend_through_the_api(cast: Cast, as_role: Any) -> None:
    api = as_role("secretary")
    planned = api.post(
        "/units/B/meetings",
        {
            "kind": "regular",
            "form": "in_person",
            "on": "2024-05-10",
            "starts_at": "19:30",
            "place": "Nhà văn hóa thôn",
            "agenda": "1. Kiểm điểm tháng 4\n2. Nhiệm vụ tháng 5",
        },
    )
    assert planned.status_code == 201, planned.content
    body = planned.json()
    mid = body["id"]
    assert (body["unit"], body["status"], body["starts_at"]) == ("B", "planned", "19:30:00")
    assert [i["member_id"] for i in body["invitations"]] == ["CAST-B1", "CAST-B2"]
    assert body["quorum"] == {"expected": 2, "present": 0, "required": 2, "met": False, "rate": 0}

    attended = api.post(
        f"/meetings/{mid}/attendance",
        {
            "attendance": [
                {"member_id": "CAST-B1", "status": "present"},
                {"member_id": "CAST-B2", "status": "present"},
            ]
        },
    )
    assert attended.status_code == 200, attended.content
    assert attended.json()["status"] == "held"
    assert attended.json()["quorum"]["met"] is True

    minutes = api.post(
        f"/meetings/{mid}/minutes", {"review": "Hoàn thành nhiệm vụ", "dues_collected_vnd": 60000}
    )
    assert minutes.status_code == 200, minutes.content
    assert minutes.json()["minutes"]["dues_collected_vnd"] == 60000

    adopted = api.post(
        f"/meetings/{mid}/resolutions",
        {"title": "Nghị quyết tháng 5", "votes_for": 2, "text": "Chi bộ quyết nghị…"},
    )
    assert adopted.status_code == 201, adopted.content
    assert (adopted.json()["label"], adopted.json()["meeting_id"]) == ("01-NQ/2024", mid)

    closed = api.post(f"/meetings/{mid}/close")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["closed_by"]) == ("closed", "cast.secretary")

    amended = api.post(
        f"/meetings/{mid}/amendments",
        {"field": "attendance:CAST-B2", "value": "absent_excused", "reason": "Ghi nhầm: ốm"},
    )
    assert amended.status_code == 201, amended.content
    assert amended.json()["amendments"] == [
        {
            "field": "attendance:CAST-B2",
            "before": "present",
            "after": "absent_excused",
            "reason": "Ghi nhầm: ốm",
            "by": "cast.secretary",
            "at": amended.json()["amendments"][0]["at"],
        }
    ]

    # The stored rows.
    meeting = Meeting.objects.get(pk=mid)
    assert (meeting.status, meeting.expected_count, meeting.present_count) == ("closed", 2, 1)
    assert (meeting.review, meeting.dues_collected_vnd) == ("Hoàn thành nhiệm vụ", 60000)
    assert meeting.closed_by == cast.secretary
    statuses = dict(meeting.invitations.values_list("member__member_id", "status"))
    assert statuses == {"CAST-B1": "present", "CAST-B2": "absent_excused"}
    resolution = Resolution.objects.get(meeting=meeting)
    assert (resolution.unit, resolution.year, resolution.number) == (cast.B, 2024, 1)
    assert Amendment.objects.get(meeting=meeting).by == cast.secretary

    # One audit entry per write, by the secretary, readable by those over B.
    actions = [
        "meeting_plan",
        "meeting_attendance",
        "meeting_minutes",
        "meeting_resolution",
        "meeting_close",
        "meeting_amend",
    ]
    entries = list(
        AuditEntry.objects.filter(action__startswith="meeting_", channel="api").order_by("id")
    )
    assert [e.action for e in entries] == actions
    assert {(e.username, e.unit_id, e.target_id) for e in entries} == {
        ("cast.secretary", cast.B.pk, str(mid))
    }
    assert entries[1].before["attendance"] == {"CAST-B1": "pending", "CAST-B2": "pending"}
    assert entries[1].after["attendance"] == {"CAST-B1": "present", "CAST-B2": "present"}
    assert (entries[4].before["status"], entries[4].after["status"]) == ("held", "closed")
    assert entries[5].before == {"attendance:CAST-B2": "present"}
    assert entries[5].after["attendance:CAST-B2"] == "absent_excused"

    # Everyone in scope reads it; the member of B too (invited), with the same record.
    seen = as_role("member").get(f"/meetings/{mid}")
    assert seen.status_code == 200
    assert seen.json()["resolutions"][0]["title"] == "Nghị quyết tháng 5"


def test_by_group_meeting_lists_its_group_meetings(cast: Cast, as_role: Any) -> None:
    body = (
        as_role("committee")
        .post(
            "/units/B/meetings",
            {"kind": "thematic", "form": "by_group", "on": "2024-05-12", "place": "Tại các tổ"},
        )
        .json()
    )
    assert [g["group"] for g in body["group_meetings"]] == ["G"]
    sub = as_role("secretary").get(f"/meetings/{body['group_meetings'][0]['id']}").json()
    assert (sub["parent"], sub["group"]) == (body["id"], "G")


def test_group_attendance_is_consolidated_into_the_branch_record(cast: Cast, as_role: Any) -> None:
    change_group(cast.members["b1"], on=dt.date(2024, 1, 2), group=cast.units["G"])
    api = as_role("secretary")
    branch = api.post(
        "/units/B/meetings",
        {"kind": "regular", "form": "by_group", "on": "2024-05-12", "place": "Tại các tổ"},
    ).json()
    group_meeting = branch["group_meetings"][0]["id"]
    sub = api.post(
        f"/meetings/{group_meeting}/attendance",
        {"attendance": [{"member_id": "CAST-B1", "status": "present"}]},
    )
    assert sub.status_code == 200, sub.content
    merged = api.post(f"/meetings/{branch['id']}/consolidate")
    assert merged.status_code == 200, merged.content
    statuses = {i["member_id"]: i["status"] for i in merged.json()["invitations"]}
    assert statuses == {"CAST-B1": "present", "CAST-B2": "pending"}
    assert _audit("meeting_consolidate")[0].after["attendance"] == statuses
    _refused(api.post(f"/meetings/{group_meeting}/consolidate"), "không sinh hoạt theo tổ")


def test_guests_are_the_committee_above_or_members_in_scope(cast: Cast, as_role: Any) -> None:
    # CAST-B2X (of branch B2) sits on the committee of commune C, above B.
    Position.objects.create(
        member=cast.members["b2x"],
        unit=cast.C,
        role=PositionRole.COMMITTEE_MEMBER,
        valid_from=dt.date(2023, 1, 1),
    )
    plan = {"kind": "regular", "on": "2024-05-10", "place": "Hội trường"}
    api = as_role("secretary")
    refused = api.post("/units/B/meetings", plan | {"guests": ["CAST-B2X", "CAST-Q"]})
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "guests.1"
    assert not Meeting.objects.exists()
    body = api.post("/units/B/meetings", plan | {"guests": ["CAST-B2X"]}).json()
    guest = [i for i in body["invitations"] if i["member_id"] == "CAST-B2X"]
    assert [(g["role"], g["counted"]) for g in guest] == [("guest", False)]
    assert body["quorum"]["expected"] == 2


def test_documents_are_listed_and_downloaded_within_scope(
    cast: Cast, as_role: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    meeting = _in_person(cast)
    data = b"%PDF-1.4\n% chuong trinh\n%%EOF\n"
    document = store_document(meeting, name="chương-trình.pdf", data=data)
    listed = as_role("member").get(f"/meetings/{meeting.pk}").json()["documents"]
    assert [(d["name"], d["size"], d["file_type"]) for d in listed] == [
        ("chương-trình.pdf", len(data), "pdf")
    ]
    response = as_role("member").client.get(listed[0]["url"], headers=as_role("member").headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    hidden = as_role("outsider").get(f"/documents/{document.pk}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")


def _upload(api: Api, meeting: Meeting, name: str, data: bytes) -> Any:
    return api.client.post(
        f"/api/v1/meetings/{meeting.pk}/documents",
        {"file": SimpleUploadedFile(name, data, "application/octet-stream")},
        headers=api.headers,
    )


def test_uploads_are_checked_and_refusals_store_nothing(
    cast: Cast, as_role: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    meeting = _in_person(cast)
    api = as_role("secretary")
    pdf = b"%PDF-1.4\n%%EOF\n"
    _refused(_upload(api, meeting, "lich.exe", b"MZ..."), "không được phép")
    _refused(_upload(api, meeting, "gia.pdf", b"not a pdf at all"), "không phải tệp pdf")
    big = _upload(api, meeting, "lon.pdf", pdf + b"0" * (10 * 1024 * 1024))
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    assert (
        as_role("member")
        .client.post(
            f"/api/v1/meetings/{meeting.pk}/documents",
            {"file": SimpleUploadedFile("a.pdf", pdf)},
            headers=as_role("member").headers,
        )
        .status_code
        == 404
    )
    assert not Document.objects.exists()
    assert not (tmp_path / "documents").exists() or not any((tmp_path / "documents").iterdir())
    stored = _upload(api, meeting, "chương trình.pdf", pdf)
    assert stored.status_code == 201, stored.content
    assert stored.json()["name"] == "chương trình.pdf"
    document = Document.objects.get()
    assert (tmp_path / "documents" / document.stored_name).read_bytes() == pdf
    assert _audit("meeting_document")[0].after["sha256"] == document.sha256


# --- refusals ---------------------------------------------------------------------------------


def test_closing_without_attendance_is_refused_and_changes_nothing(
    cast: Cast, as_role: Any
) -> None:
    meeting = _in_person(cast)
    _refused(as_role("secretary").post(f"/meetings/{meeting.pk}/close"), "chưa ghi điểm danh", "B")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.closed_at) == (MeetingStatus.PLANNED, None)
    assert not _audit("meeting_close")


def test_online_meeting_of_an_ineligible_branch_is_refused(cast: Cast, as_role: Any) -> None:
    online = {
        "kind": "regular",
        "form": "online",
        "on": "2024-06-10",
        "online_link": "https://meet.example.vn/b",
        "online_platform": "Zoom",
        "online_reason": "Nhiều đảng viên đi làm ăn xa",
        "unable_in_person": 1,  # 1 of 2: not more than half
    }
    _refused(as_role("secretary").post("/units/B/meetings", online), "không đủ điều kiện", "«B»")
    assert not Meeting.objects.exists()
    assert not _audit("meeting_plan")
    # Both unable: more than half, so the branch may meet online, and the ground is kept.
    allowed = as_role("secretary").post("/units/B/meetings", online | {"unable_in_person": 2})
    assert allowed.status_code == 201, allowed.content
    assert allowed.json()["online_ground"] == "unable_majority"


def test_a_closed_meeting_is_not_changed_directly(cast: Cast, as_role: Any) -> None:
    meeting = _in_person(cast)
    record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "absent_unexcused"})
    close_meeting(meeting)
    api = as_role("secretary")
    mid = meeting.pk
    for path, body in [
        (
            f"/meetings/{mid}/attendance",
            {"attendance": [{"member_id": "CAST-B2", "status": "present"}]},
        ),
        (f"/meetings/{mid}/minutes", {"review": "Sửa lại"}),
        (f"/meetings/{mid}/resolutions", {"title": "Nghị quyết muộn", "votes_for": 1}),
        (f"/meetings/{mid}/cancel", {"reason": "Hủy"}),
        (f"/meetings/{mid}/close", None),
    ]:
        _refused(api.post(path, body), "đã khóa sổ")
    meeting.refresh_from_db()
    assert (meeting.review, meeting.present_count) == ("", 1)
    assert Invitation.objects.get(meeting=meeting, member__member_id="CAST-B2").status == (
        "absent_unexcused"
    )
    assert not Resolution.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="meeting_", channel="api").exists()


def test_amendments_only_for_closed_meetings_with_values_the_column_holds(
    cast: Cast, as_role: Any
) -> None:
    meeting = _in_person(cast)
    api = as_role("secretary")
    body = {"field": "place", "value": "Nhà văn hóa", "reason": "Ghi nhầm"}
    _refused(api.post(f"/meetings/{meeting.pk}/amendments", body), "chưa khóa sổ")
    record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "present"})
    close_meeting(meeting)
    for field, value in [
        ("dues_collected_vnd", "mười nghìn"),
        ("dues_collected_vnd", -5),
        ("starts_at", "19:30+07:00"),
        ("starts_at", "tối"),
        ("title", "x" * 301),
        ("review", 12),
    ]:
        response = api.post(
            f"/meetings/{meeting.pk}/amendments", {"field": field, "value": value, "reason": "Sửa"}
        )
        assert response.status_code == 422, (field, value, response.content)
        assert response.json()["details"][0]["field"] == "value"
    _refused(
        api.post(
            f"/meetings/{meeting.pk}/amendments", {"field": "on", "value": "x", "reason": "Sửa"}
        ),
        "Không đính chính",
    )
    ok = api.post(
        f"/meetings/{meeting.pk}/amendments",
        {"field": "starts_at", "value": "19:45", "reason": "Giờ thực tế"},
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["starts_at"] == "19:45:00"
    assert Amendment.objects.count() == 1


def test_cancel_a_planned_meeting(cast: Cast, as_role: Any) -> None:
    meeting = _in_person(cast)
    _refused(as_role("secretary").post(f"/meetings/{meeting.pk}/cancel", {"reason": " "}), "lý do")
    done = as_role("secretary").post(f"/meetings/{meeting.pk}/cancel", {"reason": "Mưa bão"})
    assert (done.json()["status"], done.json()["cancel_reason"]) == ("cancelled", "Mưa bão")
    assert _audit("meeting_cancel")[0].after["status"] == "cancelled"


def test_viewers_who_do_not_manage_activities_cannot_write(cast: Cast, as_role: Any) -> None:
    meeting = _in_person(cast)
    body = {"attendance": [{"member_id": "CAST-B1", "status": "present"}]}
    for role in ("officer", "member", "outsider"):
        response = as_role(role).post(f"/meetings/{meeting.pk}/attendance", body)
        assert response.status_code == 404, role
        assert response.json()["code"] == "not_found"
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


# --- online check-in --------------------------------------------------------------------------


def _online(cast: Cast) -> Meeting:
    return plan_meeting(
        cast.B,
        kind=MeetingKind.REGULAR,
        form=MeetingForm.ONLINE,
        on=timezone.localdate(),
        online_link="https://meet.example.vn/b",
        online_reason="Đi làm ăn xa",
        unable_in_person=2,
    )


def test_member_checks_in_to_own_meeting_and_secretary_confirms(cast: Cast, as_role: Any) -> None:
    meeting = _online(cast)
    member = as_role("member")
    _refused(member.post(f"/meetings/{meeting.pk}/check-in"), "ngoài thời gian")
    opened = as_role("secretary").post(f"/meetings/{meeting.pk}/check-in/open", {})
    assert opened.status_code == 200, opened.content
    assert opened.json()["check_in_opens_at"] is not None

    checked = member.post(f"/meetings/{meeting.pk}/check-in")
    assert checked.status_code == 200, checked.content
    mine = Invitation.objects.get(meeting=meeting, member__member_id="CAST-B1")
    assert mine.checked_in_at is not None
    entry = _audit("meeting_check_in")[0]
    assert (entry.username, entry.after["member_id"]) == ("cast.member", "CAST-B1")
    # A secretary has no member record of their own: nothing to check in.
    _refused(as_role("secretary").post(f"/meetings/{meeting.pk}/check-in"), "cast.secretary")

    confirmed = as_role("secretary").post(
        f"/meetings/{meeting.pk}/check-in/confirm",
        {"excused": [{"member_id": "CAST-B2", "reason": "Ốm"}]},
    )
    assert confirmed.status_code == 200, confirmed.content
    statuses = {i["member_id"]: i["status"] for i in confirmed.json()["invitations"]}
    assert statuses == {"CAST-B1": "present", "CAST-B2": "absent_excused"}
    assert _audit("meeting_check_in_confirm")[0].after["attendance"] == statuses


def test_member_cannot_check_in_to_another_branchs_meeting(cast: Cast, as_role: Any) -> None:
    other = plan_meeting(
        cast.units["B2"],
        kind=MeetingKind.REGULAR,
        form=MeetingForm.ONLINE,
        on=timezone.localdate(),
        online_link="https://meet.example.vn/b2",
        online_reason="Đi làm ăn xa",
        unable_in_person=1,
    )
    as_role("admin").post(f"/meetings/{other.pk}/check-in/open", {})
    response = as_role("member").post(f"/meetings/{other.pk}/check-in")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Invitation.objects.filter(checked_in_at__isnull=False).exists()
    assert as_role("member").get(f"/meetings/{other.pk}").status_code == 404


def test_check_in_window_and_confirmation_only_for_online_meetings(
    cast: Cast, as_role: Any
) -> None:
    meeting = _in_person(cast)
    api = as_role("secretary")
    _refused(api.post(f"/meetings/{meeting.pk}/check-in/open", {}), "không họp trực tuyến")
    _refused(api.post(f"/meetings/{meeting.pk}/check-in/confirm", {}), "không họp trực tuyến")
    assert set(meeting.invitations.values_list("status", flat=True)) == {"pending"}
    online = _online(cast)
    long_ago = {"at": "2024-01-01T08:00:00"}
    assert api.post(f"/meetings/{online.pk}/check-in/open", long_ago).status_code == 200
    _refused(as_role("member").post(f"/meetings/{online.pk}/check-in"), "ngoài thời gian")


# --- lists, books, records, reports ---------------------------------------------------------


def test_unit_meetings_are_paginated_filtered_and_read_in_few_queries(
    cast: Cast, as_role: Any, django_assert_max_num_queries: Any
) -> None:
    days = [dt.date(2024, m, 10) for m in range(1, 8)]
    for day in days:
        _in_person(cast, on=day)
    cancel_meeting(Meeting.objects.get(on=days[0]), reason="Trùng lịch")
    _in_person(cast, on=dt.date(2024, 3, 20), kind=MeetingKind.THEMATIC)
    api = as_role("member")
    first = api.get("/units/B/meetings", page_size=3).json()
    assert first["count"] == 8
    assert [m["on"] for m in first["items"]] == ["2024-07-10", "2024-06-10", "2024-05-10"]
    last = api.get("/units/B/meetings", page_size=3, page=3).json()
    assert [m["on"] for m in last["items"]] == ["2024-02-10", "2024-01-10"]
    within = api.get("/units/B/meetings", **{"from": "2024-03-01", "to": "2024-05-10"}).json()
    assert [m["on"] for m in within["items"]] == ["2024-04-10", "2024-03-20", "2024-03-10"]
    assert api.get("/units/B/meetings", kind="thematic").json()["count"] == 1
    assert api.get("/units/B/meetings", status="cancelled").json()["items"][0]["on"] == "2024-01-10"
    assert api.get("/units/B/meetings", status="nonsense").status_code == 422
    assert as_role("outsider").get("/units/B/meetings").status_code == 404
    token_api = as_role("officer")
    with django_assert_max_num_queries(12):
        assert len(token_api.get("/units/B/meetings", page_size=50).json()["items"]) == 8


def test_meeting_detail_reads_in_a_bounded_number_of_queries(
    cast: Cast, as_role: Any, django_assert_max_num_queries: Any
) -> None:
    meeting = _in_person(cast)
    record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "present"})
    api = as_role("secretary")
    api.post(f"/meetings/{meeting.pk}/resolutions", {"title": "NQ 1", "votes_for": 2})
    api.post(f"/meetings/{meeting.pk}/resolutions", {"title": "NQ 2", "votes_for": 2})
    with django_assert_max_num_queries(20):
        body = api.get(f"/meetings/{meeting.pk}").json()
    assert [r["label"] for r in body["resolutions"]] == ["01-NQ/2024", "02-NQ/2024"]


def test_resolution_book_by_year(cast: Cast, as_role: Any) -> None:
    for day in (dt.date(2023, 11, 10), DAY):
        meeting = _in_person(cast, on=day)
        record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "present"})
        as_role("secretary").post(
            f"/meetings/{meeting.pk}/resolutions", {"title": f"NQ {day.year}", "votes_for": 2}
        )
    api = as_role("member")
    every = api.get("/units/B/resolutions").json()
    assert [r["label"] for r in every["items"]] == ["01-NQ/2024", "01-NQ/2023"]
    assert [r["title"] for r in api.get("/units/B/resolutions", year=2023).json()["items"]] == [
        "NQ 2023"
    ]
    assert as_role("outsider").get("/units/B/resolutions").status_code == 404


def test_attendance_record_for_the_member_and_those_in_scope(cast: Cast, as_role: Any) -> None:
    for month, status in [(3, "present"), (4, "absent_unexcused"), (5, "present")]:
        meeting = _in_person(cast, on=dt.date(2024, month, 10))
        record_attendance(meeting, {"CAST-B1": status, "CAST-B2": "present"})
    period = {"from": "2024-01-01", "to": "2025-01-01"}
    mine = as_role("member").get("/members/CAST-B1/attendance", **period).json()
    assert mine["summary"] == {
        "meetings": 3,
        "present": 2,
        "absent_excused": 0,
        "absent_unexcused": 1,
        "rate": pytest.approx(2 / 3),
    }
    assert [i["status"] for i in mine["items"]] == ["present", "absent_unexcused", "present"]
    assert as_role("secretary").get("/members/CAST-B1/attendance", **period).status_code == 200
    # A plain member sees their own record, not a fellow member's.
    assert as_role("member").get("/members/CAST-B2/attendance").status_code == 404
    assert as_role("outsider").get("/members/CAST-B1/attendance").status_code == 404
    backwards = as_role("member").get(
        "/members/CAST-B1/attendance", **{"from": "2024-05-01", "to": "2024-01-01"}
    )
    assert backwards.status_code == 422


def test_activity_report_is_the_domain_report_as_json(cast: Cast, as_role: Any) -> None:
    meeting = _in_person(cast, on=dt.date(2024, 2, 10))
    record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "absent_unexcused"})
    close_meeting(meeting)
    period = {"from": "2024-01-01", "to": "2024-07-01"}
    body = as_role("officer").get("/units/C/activity-report", **period).json()
    expected = meeting_report(cast.C, dt.date(2024, 1, 1), dt.date(2024, 7, 1))
    assert (body["unit_code"], body["start"], body["end"]) == ("C", "2024-01-01", "2024-07-01")
    assert [r["code"] for r in body["rows"]] == [r.code for r in expected.rows] == ["B", "B2"]
    b = body["rows"][0]
    assert (b["regular_required"], b["regular_held"], b["expected"], b["present"]) == (6, 1, 2, 1)
    assert b["by_kind"]["regular"] == 1 and b["by_form"]["in_person"] == 1
    assert body["total"]["branches"] == expected.total.branches == 2
    assert len(body["warnings"]) == len(expected.warnings) > 0
    warnings = as_role("committee").get("/units/C/activity-warnings", **period).json()
    assert warnings["count"] == len(expected.warnings)
    kinds = {w["kind"] for w in warnings["items"]}
    assert {"no_regular", "low_attendance"} <= kinds
    # Reports are for roles on units: a plain member and the outsider get 404.
    for role in ("member", "outsider"):
        assert as_role(role).get("/units/B/activity-report").status_code == 404
        assert as_role(role).get("/units/B/activity-warnings").status_code == 404
    too_long = as_role("officer").get(
        "/units/C/activity-report", **{"from": "1990-01-01", "to": "2024-01-01"}
    )
    assert too_long.status_code == 422


def test_openapi_lists_the_meetings_operations(cast: Cast) -> None:
    paths = cast.client("member").get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/units/{code}/meetings": {"get", "post"},
        "/api/v1/meetings/{meeting_id}": {"get"},
        "/api/v1/meetings/{meeting_id}/attendance": {"post"},
        "/api/v1/meetings/{meeting_id}/minutes": {"post"},
        "/api/v1/meetings/{meeting_id}/resolutions": {"post"},
        "/api/v1/meetings/{meeting_id}/close": {"post"},
        "/api/v1/meetings/{meeting_id}/cancel": {"post"},
        "/api/v1/meetings/{meeting_id}/amendments": {"post"},
        "/api/v1/meetings/{meeting_id}/check-in/open": {"post"},
        "/api/v1/meetings/{meeting_id}/check-in": {"post"},
        "/api/v1/meetings/{meeting_id}/check-in/confirm": {"post"},
        "/api/v1/units/{code}/resolutions": {"get"},
        "/api/v1/members/{member_id}/attendance": {"get"},
        "/api/v1/units/{code}/activity-report": {"get"},
        "/api/v1/units/{code}/activity-warnings": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
        for method in methods:
            assert "meetings" in paths[path][method]["tags"]
    params = {p["name"] for p in paths["/api/v1/units/{code}/meetings"]["get"]["parameters"]}
    assert {"from", "to", "status", "kind", "page", "page_size"} <= params


def test_nul_characters_are_refused_before_the_database(cast: Cast, as_role: Any) -> None:
    """PostgreSQL can neither store nor compare text holding NUL: 422, never a server error."""
    api = as_role("secretary")
    for path in ("/units/B%00/meetings", "/units/B%00/resolutions", "/members/B1%00/attendance"):
        assert api.get(path).status_code == 422, path
    body = {"kind": "regular", "on": "2024-05-01", "place": "Hội\x00trường"}
    response = api.post("/units/B/meetings", body)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "place"
    guests = api.post("/units/B/meetings", body | {"place": "Hội trường", "guests": ["A\x00"]})
    assert guests.status_code == 422
    assert not Meeting.objects.exists()


# --- fuzzing with real objects ---------------------------------------------------------------

_fuzzed = wsgi_schema().include(tag="meetings")


@pytest.fixture
def fuzz_env(cast: Cast) -> Iterator[tuple[str, list[int]]]:
    """The secretary's token and meetings of B in every state, reached through the real WSGI
    handler (whose request signals would otherwise close the test's connection)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    planned = _in_person(cast)
    held = _in_person(cast, on=dt.date(2024, 6, 10))
    record_attendance(held, {"CAST-B1": "present", "CAST-B2": "present"})
    closed = _in_person(cast, on=dt.date(2024, 7, 10))
    record_attendance(closed, {"CAST-B1": "present", "CAST-B2": "absent_unexcused"})
    close_meeting(closed)
    online = _online(cast)
    try:
        yield cast.token("secretary"), [planned.pk, held.pk, closed.pk, online.pk]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
@_fuzzed.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_meetings_endpoints_never_answer_a_server_error_on_real_objects(
    case: Any, fuzz_env: tuple[str, list[int]]
) -> None:
    """Generated bodies and queries against B's meetings (planned, held, closed, online), as
    their secretary, so that requests get past the scope checks into the registry."""
    token, meetings = fuzz_env
    fixed = {"code": "B", "member_id": "CAST-B1"}
    pick = meetings[len(repr(case.body)) % len(meetings)]
    case.path_parameters = {
        name: pick if name == "meeting_id" else fixed.get(name, value)
        for name, value in (case.path_parameters or {}).items()
    }
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
    )
