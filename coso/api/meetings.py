"""API of branch activities: meetings, attendance, check-in, resolutions (same scopes as pages).

Meetings are loaded only through `get_meeting_for_user` (viewing: the unit's scope or an
invitation; writing: MANAGE_ACTIVITIES on the unit), units through `get_unit_for_user` and
members through `get_member_for_user`: anything out of scope answers 404. The rules live in
coso.meetings.operations; their refusals answer 409 `refused`. Every write records an audit
entry in the same transaction.
"""

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.params.functions import File, Query

from coso.api.common import MAX_PAGE_SIZE, PAGE_SIZE, Pages, caller, require_manager, scope
from coso.api.errors import ApiError, field_error
from coso.api.schemas import ErrorOut
from coso.api.schemas_meetings import (
    DUES_MAX,
    TEXT_MAX,
    AmendmentIn,
    AttendanceIn,
    AttendanceRecordOut,
    CancelIn,
    CheckInOpenIn,
    ConfirmIn,
    DocumentOut,
    MeetingDetailOut,
    MeetingFilter,
    MeetingOut,
    MinutesIn,
    MyMeetingsOut,
    PeriodFilter,
    PlanIn,
    ReportOut,
    ReportPeriodFilter,
    ResolutionIn,
    ResolutionOut,
    WarningOut,
    label,
)
from coso.audit.log import AuditAction, record_write
from coso.authority.scope import (
    Action,
    get_member_for_user,
    get_unit_for_user,
    invitable_guests,
)
from coso.core.dates import fmt, today
from coso.core.errors import CosoError
from coso.core.files import too_large
from coso.core.rules import rule
from coso.meetings import operations as ops
from coso.meetings.access import get_meeting_for_user, visible_reasons
from coso.meetings.activity import SubtreeWarnings, report_window
from coso.meetings.documents import document_response, store_document
from coso.meetings.models import (
    AttendanceStatus,
    Document,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingStatus,
    Resolution,
)
from coso.meetings.queries import MeetingCard, attendance_record, member_meetings, resolutions_of
from coso.meetings.reports import ReportRow, activity_answer
from coso.meetings.warnings import ActivityWarning
from coso.members.models import Member
from coso.units.models import Unit

router = Router(tags=["meetings"])

# A meeting's number in the path; beyond the column's range nothing can be found (and SQLite
# would overflow on the lookup).
MeetingId = Annotated[int, Path(ge=1, le=2**63 - 1)]
DocumentId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Codes and member ids in the path: PostgreSQL cannot even compare a text holding NUL.
UnitCode = Annotated[str, Path(max_length=40, pattern=r"^[^\x00]+$")]
MemberKey = Annotated[str, Path(max_length=40, pattern=r"^[^\x00]+$")]

READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
# Reports and warnings walk every month of the period for every branch below the unit.
MAX_PERIOD_DAYS = 10 * 366
# The report lists the first warnings and the most warned branches; every warning is in the
# pages of /activity-warnings (the country has millions).
REPORT_WARNINGS = 200
REPORT_WARNED_BRANCHES = 50


# --- shaping --------------------------------------------------------------------------------


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "unit": meeting.unit.code,
        "kind": meeting.kind,
        "kind_label": label(MeetingKind, meeting.kind),
        "form": meeting.form,
        "form_label": label(MeetingForm, meeting.form),
        "status": meeting.status,
        "status_label": label(MeetingStatus, meeting.status),
        "title": meeting.title,
        "on": meeting.on,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "online_link": meeting.online_link,
        "online_platform": meeting.online_platform,
        "online_ground": meeting.online_ground,
        "online_reason": meeting.online_reason,
        "agenda": meeting.agenda,
        "check_in_opens_at": meeting.check_in_opens_at,
        "check_in_closes_at": meeting.check_in_closes_at,
        "expected_count": meeting.expected_count,
        "present_count": meeting.present_count,
        "cancel_reason": meeting.cancel_reason,
        "closed_at": meeting.closed_at,
    }


def resolution_out(resolution: Resolution) -> dict[str, Any]:
    return {
        "id": resolution.pk,
        "label": resolution.label,
        "unit": resolution.unit.code,
        "year": resolution.year,
        "number": resolution.number,
        "meeting_id": resolution.meeting_id,
        "title": resolution.title,
        "text": resolution.text,
        "votes_for": resolution.votes_for,
        "votes_against": resolution.votes_against,
        "votes_abstain": resolution.votes_abstain,
        "adopted_on": resolution.adopted_on,
    }


def document_out(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.name,
        "file_type": document.file_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.uploaded_at,
        "url": reverse("api:get_document", kwargs={"document_id": document.pk}),
    }


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def meeting_detail(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    """The meeting as stored now, with who was invited and came, and everything recorded.

    Absence reasons only as the caller may read them (coso.meetings.access.visible_reasons).
    """
    meeting = Meeting.objects.select_related("unit", "group", "closed_by").get(pk=meeting_id)
    result = ops.quorum(meeting)
    rows = list(
        meeting.invitations.select_related("member").order_by(
            "member__sort_key", "member__member_id"
        )
    )
    reasons = visible_reasons(caller(request), rows, who=request, target=meeting, unit=meeting.unit)
    invitations = [
        {
            "member_id": inv.member.member_id,
            "full_name": inv.member.full_name,
            "role": inv.role,
            "role_label": label(InviteeRole, inv.role),
            "counted": inv.counted,
            "exempt": inv.exempt,
            "status": inv.status,
            "status_label": label(AttendanceStatus, inv.status),
            "reason": reasons.get(inv.pk),
            "checked_in_at": inv.checked_in_at,
        }
        for inv in rows
    ]
    return {
        **meeting_out(meeting),
        "unable_in_person": meeting.unable_in_person,
        "parent": meeting.parent_id,
        "group": meeting.group.code if meeting.group is not None else None,
        "closed_by": _username(meeting.closed_by),
        "minutes": {name: getattr(meeting, name) for name in ops.MINUTES_FIELDS},
        "quorum": {
            "expected": result.expected,
            "present": result.present,
            "required": result.required,
            "met": result.met,
            "rate": result.rate,
        },
        "invitations": invitations,
        "resolutions": [
            resolution_out(r)
            for r in meeting.resolutions.select_related("unit").order_by("year", "number")
        ],
        "amendments": [
            {
                "field": a.field,
                "before": a.before,
                "after": a.after,
                "reason": a.reason,
                "by": _username(a.by),
                "at": a.at,
            }
            for a in meeting.amendments.select_related("by")
        ],
        "documents": [document_out(d) for d in meeting.documents.order_by("uploaded_at", "id")],
        "group_meetings": [
            {
                "id": g.pk,
                "group": g.group.code if g.group is not None else None,
                "title": g.title,
                "status": g.status,
            }
            for g in meeting.group_meetings.select_related("group").order_by("id")
        ],
    }


def meeting_facts(meeting: Meeting) -> dict[str, Any]:
    """The snapshot an audit entry keeps before and after a write on a meeting."""
    meeting = Meeting.objects.get(pk=meeting.pk)
    return {
        "status": meeting.status,
        "kind": meeting.kind,
        "form": meeting.form,
        "on": meeting.on,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "online_ground": meeting.online_ground,
        "check_in_opens_at": meeting.check_in_opens_at,
        "check_in_closes_at": meeting.check_in_closes_at,
        "expected_count": meeting.expected_count,
        "present_count": meeting.present_count,
        "cancel_reason": meeting.cancel_reason,
    }


def _attendance_of(meeting: Meeting) -> dict[str, str]:
    return dict(meeting.invitations.values_list("member__member_id", "status"))


class _Page:
    """A lazily sliced queryset shaped item by item (only the page asked is read)."""

    def __init__(self, rows: QuerySet[Any], shape: Any) -> None:
        self.rows = rows
        self.shape = shape

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.shape(row) for row in self.rows[item]]


def _report_period(filters: ReportPeriodFilter) -> tuple[dt.date, dt.date]:
    """[from, to), by default this year to date (the report page's default, which the
    precomputed rows hold: coso.meetings.activity.report_window)."""
    if filters.start is None and filters.end is None:
        return report_window(today())
    return _period(filters)  # type: ignore[arg-type]


def _period(filters: PeriodFilter) -> tuple[dt.date, dt.date]:
    """[from, to), by default the twelve months up to and including today."""
    end = filters.end or today() + dt.timedelta(days=1)
    start = filters.start or end - dt.timedelta(days=366)
    if start >= end:
        raise field_error("to", f"Ngày kết thúc {fmt(end)} phải sau ngày bắt đầu {fmt(start)}.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise field_error("to", "Khoảng thời gian tối đa 10 năm.")
    return start, end


# --- a unit's meetings ----------------------------------------------------------------------


@router.get(
    "/units/{code}/meetings",
    response={200: list[MeetingOut], **READ_ERRORS},
    summary="Meetings of a unit (newest first; party groups' meetings are in the detail)",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_meetings(
    request: HttpRequest,
    code: UnitCode,
    filters: MeetingFilter = Query(...),
) -> Any:
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    rows = Meeting.objects.filter(unit=unit, parent__isnull=True)
    if filters.start:
        rows = rows.filter(on__gte=filters.start)
    if filters.end:
        rows = rows.filter(on__lt=filters.end)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return _Page(rows.select_related("unit").order_by("-on", "-id"), meeting_out)


def _guests(unit: Unit, on: dt.date, member_ids: list[str]) -> list[Member]:
    """Guests named by member id, by the one rule the plan page offers them by
    (coso.authority.scope.invitable_guests); anyone else is "not found" (422)."""
    wanted = [m.strip() for m in member_ids]
    found = {m.member_id: m for m in invitable_guests(unit, on).filter(member_id__in=wanted)}
    for number, member_id in enumerate(wanted):
        if member_id not in found:
            raise field_error(f"guests.{number}", f"Không tìm thấy đảng viên «{member_id}».")
    return [found[m] for m in dict.fromkeys(wanted)]


@router.post(
    "/units/{code}/meetings",
    response={201: MeetingDetailOut, **WRITE_ERRORS},
    summary="Plan a meeting of a unit and invite its members on the day",
)
def plan(request: HttpRequest, code: UnitCode, payload: PlanIn) -> Status[dict[str, Any]]:
    unit = get_unit_for_user(caller(request), code, Action.MANAGE_ACTIVITIES)
    guests = _guests(unit, payload.on, payload.guests)
    with transaction.atomic():
        meeting = ops.plan_meeting(
            unit,
            kind=payload.kind,
            form=payload.form,
            on=payload.on,
            starts_at=payload.starts_at,
            title=payload.title,
            place=payload.place,
            online_link=payload.online_link,
            online_platform=payload.online_platform,
            online_reason=payload.online_reason,
            unable_in_person=payload.unable_in_person,
            agenda=payload.agenda,
            guests=guests,
        )
        record_write(request, AuditAction.MEETING_PLAN, meeting, None, meeting_facts(meeting), unit)
    return Status(201, meeting_detail(request, meeting.pk))


# --- one meeting ----------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, **READ_ERRORS},
    summary="A meeting with invitations and attendance, quorum, minutes, resolutions, "
    "amendments and documents (metadata)",
)
def get_meeting(request: HttpRequest, meeting_id: MeetingId) -> dict[str, Any]:
    meeting = get_meeting_for_user(caller(request), meeting_id, Action.VIEW)
    return meeting_detail(request, meeting.pk)


def _managed(request: HttpRequest, meeting_id: int) -> Meeting:
    return get_meeting_for_user(caller(request), meeting_id, Action.MANAGE_ACTIVITIES)


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Record attendance: each invited member present, absent with or without reason",
)
def post_attendance(
    request: HttpRequest, meeting_id: MeetingId, payload: AttendanceIn
) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    statuses = {row.member_id.strip(): row.status for row in payload.attendance}
    reasons = {row.member_id.strip(): row.reason for row in payload.attendance}
    with transaction.atomic():
        before = _attendance_of(meeting)
        ops.record_attendance(meeting, statuses, reasons=reasons)
        record_write(
            request,
            AuditAction.MEETING_ATTENDANCE,
            meeting,
            {"status": meeting_facts(meeting)["status"], "attendance": before},
            {"status": meeting.status, "attendance": _attendance_of(meeting)},
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/consolidate",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="A by-group meeting: take each member's attendance from their party group's meeting",
)
def consolidate(request: HttpRequest, meeting_id: MeetingId) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    with transaction.atomic():
        before = _attendance_of(meeting)
        ops.consolidate_group_meetings(meeting)
        record_write(
            request,
            AuditAction.MEETING_CONSOLIDATE,
            meeting,
            {"attendance": before},
            {"status": meeting.status, "attendance": _attendance_of(meeting)},
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/minutes",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Write the structured minutes (only the sections sent)",
)
def post_minutes(request: HttpRequest, meeting_id: MeetingId, payload: MinutesIn) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    fields = payload.dict(exclude_unset=True)
    for name, value in list(fields.items()):
        if value is None and name != "dues_collected_vnd":
            fields[name] = ""  # a cleared section is empty text, never null
    with transaction.atomic():
        before = {name: getattr(meeting, name) for name in fields}
        ops.write_minutes(meeting, **fields)
        record_write(request, AuditAction.MEETING_MINUTES, meeting, before, fields, meeting.unit)
    return meeting_detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/resolutions",
    response={201: ResolutionOut, **WRITE_ERRORS},
    summary="Adopt a resolution: written into the unit's book with the next number of the year",
)
def post_resolution(
    request: HttpRequest, meeting_id: MeetingId, payload: ResolutionIn
) -> Status[dict[str, Any]]:
    meeting = _managed(request, meeting_id)
    with transaction.atomic():
        resolution = ops.adopt_resolution(
            meeting,
            title=payload.title,
            text=payload.text,
            votes_for=payload.votes_for,
            votes_against=payload.votes_against,
            votes_abstain=payload.votes_abstain,
        )
        out = resolution_out(resolution)
        record_write(
            request,
            AuditAction.MEETING_RESOLUTION,
            meeting,
            None,
            {k: v for k, v in out.items() if k != "text"},
            meeting.unit,
        )
    return Status(201, out)


@router.post(
    "/meetings/{meeting_id}/close",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Close (lock) the meeting; attendance must be recorded for everyone counted",
)
def close(request: HttpRequest, meeting_id: MeetingId) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    with transaction.atomic():
        before = meeting_facts(meeting)
        ops.close_meeting(meeting, by=caller(request))
        record_write(
            request,
            AuditAction.MEETING_CLOSE,
            meeting,
            before,
            meeting_facts(meeting),
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/cancel",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Cancel a planned meeting, with the reason",
)
def cancel(request: HttpRequest, meeting_id: MeetingId, payload: CancelIn) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    with transaction.atomic():
        before = meeting_facts(meeting)
        ops.cancel_meeting(meeting, reason=payload.reason)
        record_write(
            request,
            AuditAction.MEETING_CANCEL,
            meeting,
            before,
            meeting_facts(meeting),
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


_TEXT_FIELDS = {"review", "tasks_ahead", "discussion", "political_news", "agenda"}
_SHORT_FIELDS = {"place", "title"}


def _amended_value(field: str, value: str | int | None) -> Any:
    """The value in the column's type; a value the column cannot hold is a 422 on `value`."""
    if field == "dues_collected_vnd":
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise field_error("value", "Số tiền đảng phí phải là số nguyên.") from None
        if not 0 <= number <= DUES_MAX:
            raise field_error("value", "Số tiền đảng phí không hợp lệ.")
        return number
    if field == "starts_at":
        if value is None or value == "":
            return None
        try:
            moment = dt.time.fromisoformat(str(value))
        except ValueError:
            raise field_error("value", "Giờ họp phải có dạng HH:MM.") from None
        if moment.tzinfo is not None:
            raise field_error("value", "Giờ họp không kèm múi giờ (dạng HH:MM).")
        return moment
    if field in _TEXT_FIELDS | _SHORT_FIELDS or field.startswith("attendance:"):
        if isinstance(value, int):
            raise field_error("value", f"Mục «{field}» cần giá trị dạng chữ.")
        text = value or ""
        limit = 300 if field in _SHORT_FIELDS else TEXT_MAX
        if len(text) > limit:
            raise field_error("value", f"Mục «{field}» dài quá {limit} ký tự.")
        return text
    return value  # an unknown field: the registry refuses it


@router.post(
    "/meetings/{meeting_id}/amendments",
    response={201: MeetingDetailOut, **WRITE_ERRORS},
    summary="Correct a closed meeting (a minutes field or `attendance:<member id>`), with reason",
)
def post_amendment(
    request: HttpRequest, meeting_id: MeetingId, payload: AmendmentIn
) -> Status[dict[str, Any]]:
    meeting = _managed(request, meeting_id)
    field = payload.field.strip()
    value = _amended_value(field, payload.value)
    with transaction.atomic():
        amendment = ops.amend_meeting(
            meeting, field=field, value=value, reason=payload.reason, by=caller(request)
        )
        record_write(
            request,
            AuditAction.MEETING_AMEND,
            meeting,
            {field: amendment.before},
            {field: amendment.after, "reason": amendment.reason},
            meeting.unit,
        )
    return Status(201, meeting_detail(request, meeting.pk))


@router.post(
    "/meetings/{meeting_id}/documents",
    response={201: DocumentOut, 413: ErrorOut, **WRITE_ERRORS},
    summary="Attach a document (pdf, docx, xlsx, images within the rule set's size limit)",
)
def post_document(
    request: HttpRequest,
    meeting_id: MeetingId,
    file: UploadedFile = File(...),
) -> Status[dict[str, Any]]:
    meeting = _managed(request, meeting_id)
    limit = int(rule("meetings.upload_max_bytes", meeting.on))
    if file.size is not None and file.size > limit:
        # Refused before reading it into memory; the same message as the registry's.
        raise ApiError(413, "too_large", too_large(file.name or "", file.size, limit))
    with transaction.atomic():
        document = store_document(
            meeting, name=file.name or "", data=file.read(), by=caller(request)
        )
        out = document_out(document)
        record_write(
            request,
            AuditAction.MEETING_DOCUMENT,
            meeting,
            None,
            {"document": document.name, "size": document.size, "sha256": document.sha256},
            meeting.unit,
        )
    return Status(201, out)


@router.get(
    "/documents/{document_id}",
    response={200: None, **READ_ERRORS},
    summary="Download a meeting's document (for whoever may see the meeting)",
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as an attachment",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_document(request: HttpRequest, document_id: DocumentId) -> FileResponse:
    return document_response(caller(request), document_id)


# --- online check-in ------------------------------------------------------------------------


def _aware(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


@router.post(
    "/meetings/{meeting_id}/check-in/open",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Open the check-in window of an online meeting (for the rule set's minutes)",
)
def open_check_in(
    request: HttpRequest, meeting_id: MeetingId, payload: CheckInOpenIn
) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    at = _aware(payload.at) if payload.at is not None else timezone.now()
    with transaction.atomic():
        before = meeting_facts(meeting)
        ops.open_check_in(meeting, at=at)
        record_write(
            request,
            AuditAction.MEETING_CHECK_IN_OPEN,
            meeting,
            before,
            meeting_facts(meeting),
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/check-in",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="The caller's own member checks in to an online meeting, inside the window",
)
def check_in(request: HttpRequest, meeting_id: MeetingId) -> dict[str, Any]:
    meeting = get_meeting_for_user(caller(request), meeting_id, Action.VIEW)
    member = scope(request).own_member
    if member is None:
        raise CosoError(
            f"Tài khoản «{caller(request).get_username()}» không gắn với đảng viên nào: "
            "chỉ đảng viên tự điểm danh."
        )
    with transaction.atomic():
        invitation = ops.check_in(member, meeting, timezone.now())
        record_write(
            request,
            AuditAction.MEETING_CHECK_IN,
            meeting,
            None,
            {"member_id": member.member_id, "checked_in_at": invitation.checked_in_at},
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/check-in/confirm",
    response={200: MeetingDetailOut, **WRITE_ERRORS},
    summary="Confirm the final attendance of an online meeting from the check-ins",
)
def confirm_check_ins(
    request: HttpRequest, meeting_id: MeetingId, payload: ConfirmIn
) -> dict[str, Any]:
    meeting = _managed(request, meeting_id)
    if meeting.form != MeetingForm.ONLINE:
        # Confirming would mark everyone who did not check in absent: only online meetings.
        raise CosoError(
            f"Cuộc họp #{meeting.pk} của «{meeting.unit.code}» ngày {fmt(meeting.on)} không họp "
            "trực tuyến: ghi điểm danh trực tiếp, không xác nhận điểm danh trực tuyến."
        )
    excused = {row.member_id.strip(): row.reason for row in payload.excused}
    with transaction.atomic():
        before = _attendance_of(meeting)
        ops.confirm_check_ins(meeting, excused=excused)
        record_write(
            request,
            AuditAction.MEETING_CHECK_IN_CONFIRM,
            meeting,
            {"attendance": before},
            {"status": meeting.status, "attendance": _attendance_of(meeting)},
            meeting.unit,
        )
    return meeting_detail(request, meeting.pk)


# --- books, records, reports ----------------------------------------------------------------


@router.get(
    "/units/{code}/resolutions",
    response={200: list[ResolutionOut], **READ_ERRORS},
    summary="The unit's resolution book (newest first), for a year or all years",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_resolutions(
    request: HttpRequest,
    code: UnitCode,
    year: int | None = Query(None, ge=1900, le=2199),
) -> Any:
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    return _Page(resolutions_of(unit, year=year).select_related("unit"), resolution_out)


@router.get(
    "/me/meetings",
    response={200: MyMeetingsOut, **READ_ERRORS},
    summary="The caller's own member's coming meetings: check-in open now, then the others",
)
def my_meetings(request: HttpRequest) -> dict[str, Any]:
    """What the member's home page shows (coso.meetings.queries.member_meetings)."""
    member = scope(request).own_member
    if member is None:
        raise Http404("Tài khoản chưa được liên kết với hồ sơ đảng viên.")
    cards = member_meetings(member, today(), timezone.now())
    return {
        "member_id": member.member_id,
        "open": [_card_out(c) for c in cards.open],
        "upcoming": [_card_out(c) for c in cards.upcoming],
        "next": _card_out(cards.next) if cards.next is not None else None,
    }


def _card_out(card: MeetingCard) -> dict[str, Any]:
    group = card.group_meeting
    return {
        **meeting_out(card.meeting),
        "unit_name": card.unit_name,
        "role": card.invitation.role if card.invitation is not None else None,
        "checked_in_at": card.invitation.checked_in_at if card.invitation is not None else None,
        "check_in_open": card.check_in_open,
        "group_meeting": None
        if group is None
        else {
            "id": group.pk,
            "title": group.title,
            "starts_at": group.starts_at,
            "place": group.place,
        },
    }


@router.get(
    "/members/{member_id}/attendance",
    response={200: AttendanceRecordOut, **READ_ERRORS},
    summary="A member's attendance record over a period (branch meetings held or closed)",
)
def member_attendance(
    request: HttpRequest,
    member_id: MemberKey,
    filters: PeriodFilter = Query(...),
) -> dict[str, Any]:
    member = get_member_for_user(caller(request), member_id, Action.VIEW)
    start, end = _period(filters)
    rows, summary = attendance_record(member, start, end)
    reasons = visible_reasons(caller(request), rows, who=request, target=member)
    return {
        "member_id": member.member_id,
        "start": start,
        "end": end,
        "summary": {
            "meetings": summary.meetings,
            "present": summary.present,
            "absent_excused": summary.absent_excused,
            "absent_unexcused": summary.absent_unexcused,
            "rate": summary.rate,
        },
        "items": [_attendance_item(inv, reasons.get(inv.pk)) for inv in rows],
    }


def _attendance_item(inv: Invitation, reason: str | None) -> dict[str, Any]:
    return {
        "meeting_id": inv.meeting_id,
        "unit": inv.meeting.unit.code,
        "on": inv.meeting.on,
        "kind": inv.meeting.kind,
        "form": inv.meeting.form,
        "status": inv.status,
        "status_label": label(AttendanceStatus, inv.status),
        "reason": reason,
    }


def _warning_out(w: ActivityWarning) -> dict[str, Any]:
    return {
        "kind": w.kind,
        "label": w.label,
        "unit_code": w.unit_code,
        "period": w.period,
        "detail": w.detail,
        "member_id": w.member_id,
        "meeting_id": w.meeting_id,
    }


def _row_out(row: ReportRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "branches": row.branches,
        "regular_required": row.regular_required,
        "regular_held": row.regular_held,
        "regular_rate": row.regular_rate,
        "thematic_required": row.thematic_required,
        "thematic_held": row.thematic_held,
        "by_kind": {k: row.by_kind[k] for k in MeetingKind.values},
        "by_form": {f: row.by_form[f] for f in MeetingForm.values},
        "expected": row.expected,
        "present": row.present,
        "attendance_rate": row.attendance_rate,
        "branches_with_warnings": row.branches_with_warnings,
        "warnings": row.warnings,
    }


def _reported_unit(request: HttpRequest, code: str) -> Unit:
    # Reports and warnings (which name members absent without reason) are for roles on units,
    # as trees are; a plain member has their own record and their branch's meetings.
    require_manager(request)
    return get_unit_for_user(caller(request), code, Action.VIEW)


@router.get(
    "/units/{code}/activity-report",
    response={200: ReportOut, **READ_ERRORS},
    summary="Activity report of a unit's subtree over [from, to): meetings held against "
    "required, by kind and form, attendance, warnings; a row per child unit",
)
def activity_report(
    request: HttpRequest,
    code: UnitCode,
    filters: ReportPeriodFilter = Query(...),
) -> dict[str, Any]:
    unit = _reported_unit(request, code)
    start, end = _report_period(filters)
    answer = activity_answer(
        unit, start, end, on=today(), listed=REPORT_WARNINGS, shown=REPORT_WARNED_BRANCHES
    )
    report = answer.report
    return {
        "unit_code": report.unit_code,
        "unit_name": report.unit_name,
        "start": report.start,
        "end": report.end,
        "judged_on": report.on,
        "total": _row_out(report.total),
        "rows": [_row_out(r) for r in report.rows],
        "warnings": [_warning_out(w) for w in report.warnings],
        "warnings_total": answer.warnings_total,
        "warned_branches": [
            {
                "code": b["code"],
                "name": b["name"],
                "warnings": b["total"],
                "by_kind": {str(label): n for label, n in b["counts"]},  # type: ignore[attr-defined]
            }
            for b in answer.warned
        ],
        "warned_branches_total": answer.warned_total,
    }


class _WarningPages:
    """`SubtreeWarnings` shaped for the answer, for the paginator (its length and slices)."""

    def __init__(self, warnings: SubtreeWarnings) -> None:
        self.warnings = warnings

    def __len__(self) -> int:
        return len(self.warnings)

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [_warning_out(w) for w in self.warnings[index]]


@router.get(
    "/units/{code}/activity-warnings",
    response={200: list[WarningOut], **READ_ERRORS},
    summary="Warnings about the activity of the branches in a unit's subtree over [from, to), "
    "branch by branch in the order of the tree; a page reads only the branches it lists",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_activity_warnings(
    request: HttpRequest,
    code: UnitCode,
    filters: ReportPeriodFilter = Query(...),
) -> Any:
    unit = _reported_unit(request, code)
    start, end = _report_period(filters)
    return _WarningPages(SubtreeWarnings(unit, start, end, today()))
