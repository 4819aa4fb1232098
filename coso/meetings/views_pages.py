"""Pages where a branch secretary (or committee member) plans, holds and records meetings.

Thin views, as in coso/web/forms_views.py: load the unit or meeting through the one scoping
mechanism (get_unit_for_user / get_meeting_for_user, 404 outside scope), validate a form, call
ONE domain function of coso.meetings.operations or .documents, record the write in the audit
trail in the same transaction, render. A refusal (CosoError) is shown on the form with status
422 and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from coso.audit.log import AuditAction, record_write
from coso.authority.scope import Action, get_unit_for_user, invitable_guests, scope_of
from coso.core.dates import fmt, today
from coso.core.errors import CosoError
from coso.meetings import forms as mf
from coso.meetings import operations as ops
from coso.meetings.access import get_meeting_for_user, visible_reasons
from coso.meetings.documents import document_response, store_document
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingStatus,
)
from coso.meetings.queries import resolutions_of, unit_meetings
from coso.members.models import Member, Position
from coso.units.models import HOME_KINDS, Unit, UnitSpan

OPEN_STATUSES = (MeetingStatus.PLANNED, MeetingStatus.HELD)


# --------------------------------------------------------------------------------------------
# Helpers


def _may_manage(user: Any, unit: Unit) -> bool:
    return scope_of(user).can(Action.MANAGE_ACTIVITIES, unit)


def _facts(meeting: Meeting) -> dict[str, Any]:
    """What the audit trail keeps of a meeting before and after a write."""
    return {
        "unit": meeting.unit.code,
        "kind": meeting.kind,
        "form": meeting.form,
        "on": meeting.on,
        "status": meeting.status,
    }


def _write(
    request: HttpRequest,
    meeting: Meeting,
    action: AuditAction,
    run: Callable[[], Any],
    extra: Callable[[Any], dict[str, Any]] | None = None,
) -> Any:
    """Run one domain write and its audit entry in one transaction (CosoError: nothing kept)."""
    with transaction.atomic():
        before = _facts(meeting)
        result = run()
        meeting.refresh_from_db()
        after = _facts(meeting) | (extra(result) if extra else {})
        record_write(request, action, meeting, before, after, meeting.unit)
    return result


def _confirmed(
    request: HttpRequest,
    meeting: Meeting,
    action: AuditAction,
    run: Callable[[], Any],
    done: str,
    extra: Callable[[Any], dict[str, Any]] | None = None,
) -> tuple[HttpResponse | None, str]:
    """A confirmation page's POST: (redirect to the meeting, "") once written, (None, refusal)
    when the registry refuses; (None, "") on GET."""
    if request.method != "POST":
        return None, ""
    try:
        _write(request, meeting, action, run, extra)
    except CosoError as exc:
        return None, str(exc)
    messages.success(request, done)
    return _detail(meeting), ""


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, refused: bool = False
) -> HttpResponse:
    failed = refused or any(
        getattr(v, "errors", None) for v in context.values() if hasattr(v, "is_bound")
    )
    status = 422 if request.method == "POST" and failed else 200
    return render(request, f"meetings/{template}", context, status=status)


def _posted(request: HttpRequest) -> Any:
    """The form data on POST (even an empty body binds the form, so it answers with errors)."""
    return request.POST if request.method == "POST" else None


def _files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def _detail(meeting: Meeting) -> HttpResponse:
    return redirect("meetings:detail", meeting.pk)


def _label(meeting: Meeting) -> str:
    return _("%(kind)s ngày %(day)s") % {
        "kind": meeting.get_kind_display(),
        "day": fmt(meeting.on),
    }


def _invitations(meeting: Meeting) -> list[Invitation]:
    """Those called to the meeting: counted first, then exempt, then guests and participants;
    each group by given name in Vietnamese order (Member.sort_key is
    coso.core.names.vietnamese_sort_key of the name)."""
    return list(
        meeting.invitations.select_related("member").order_by(
            "-counted", "exempt", "member__sort_key", "member__member_id"
        )
    )


def _context(meeting: Meeting, **more: Any) -> dict[str, Any]:
    return {"meeting": meeting, "unit": meeting.unit, "label": _label(meeting), **more}


# --------------------------------------------------------------------------------------------
# A unit's meetings and resolution book


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today().year
    return year if 1945 <= year <= 9998 else today().year


@login_required
def unit_meetings_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    year = _year(request)
    day = today()
    rows = list(unit_meetings(unit, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)))
    upcoming = sorted(
        (m for m in rows if m.on >= day), key=lambda m: (m.on, m.starts_at or dt.time(), m.pk)
    )
    past = [m for m in rows if m.on < day]
    context = {
        "unit": unit,
        "name": _unit_name(unit, day),
        "year": year,
        "upcoming": upcoming,
        "past": past,
        "manager": _may_manage(request.user, unit),
    }
    return render(request, "meetings/unit_meetings.html", context)


def _unit_name(unit: Unit, day: dt.date) -> str:
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day).order_by("-valid_from").first()
    return span.name if span is not None else unit.code


@login_required
def resolution_book_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    year = _year(request)
    context = {
        "unit": unit,
        "name": _unit_name(unit, today()),
        "year": year,
        "resolutions": list(resolutions_of(unit, year=year).order_by("number")),
    }
    return render(request, "meetings/resolution_book.html", context)


# --------------------------------------------------------------------------------------------
# Planning


def _guest_choices(unit: Unit, day: dt.date) -> list[tuple[int, str]]:
    """Who may attend as guests (the one rule, coso.authority.scope.invitable_guests), labelled
    with their post."""
    guests = invitable_guests(unit, day).values("pk")
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    positions = (
        Position.objects.filter(
            member__in=guests,
            unit_id=span.parent_id if span else None,
            valid_from__lte=day,
            valid_to__gt=day,
        )
        .select_related("member")
        .order_by("member__sort_key", "member__member_id")
    )
    seen: dict[int, str] = {}
    for p in positions:
        seen.setdefault(p.member_id, f"{p.member.full_name} ({p.get_role_display()})")
    return list(seen.items())


def _eligibility(unit: Unit, on: dt.date, unable: int | None) -> ops.Eligibility | None:
    try:
        return ops.online_eligibility(unit, on, unable_in_person=unable)
    except CosoError:
        return None  # the unit did not exist on that day: planning itself will say so


@login_required
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code, Action.MANAGE_ACTIVITIES)
    day = today()
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    home = span is not None and span.kind in HOME_KINDS
    guests = _guest_choices(unit, day)
    initial: dict[str, Any] = {
        "kind": MeetingKind.REGULAR if home else MeetingKind.COMMITTEE,
        "form": MeetingForm.IN_PERSON,
        "on": day + dt.timedelta(days=1),
        "starts_at": dt.time(8, 0),
    }
    form = mf.PlanForm(_posted(request), initial=initial, guests=guests)
    refusal = ""
    on: dt.date = initial["on"]
    unable: int | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        on, unable = data["on"], data["unable_in_person"]
        chosen = set(form.guest_ids())
        try:
            with transaction.atomic():
                meeting = ops.plan_meeting(
                    unit,
                    kind=data["kind"],
                    on=data["on"],
                    form=data["form"],
                    starts_at=data["starts_at"],
                    title=data["title"],
                    place=data["place"],
                    online_link=data["online_link"],
                    online_platform=data["online_platform"],
                    online_reason=data["online_reason"],
                    unable_in_person=data["unable_in_person"],
                    agenda=data["agenda"],
                    guests=list(
                        Member.objects.filter(pk__in=[g for g, _l in guests if g in chosen])
                    ),
                )
                after = _facts(meeting) | {
                    "invited": meeting.invitations.count(),
                    "online_ground": meeting.online_ground,
                }
                record_write(request, AuditAction.MEETING_PLAN, meeting, None, after, unit)
            messages.success(request, _("Đã lên kế hoạch: %(m)s.") % {"m": _label(meeting)})
            return _detail(meeting)
        except CosoError as exc:
            refusal = str(exc)
    context = {
        "unit": unit,
        "name": span.name if span else unit.code,
        "form": form,
        "refusal": refusal,
        "eligibility": _eligibility(unit, on, unable),
        "eligibility_day": on,
    }
    return _render(request, "plan.html", context, refused=bool(refusal))


# --------------------------------------------------------------------------------------------
# The meeting


@login_required
def detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    invitations = _invitations(meeting)
    reasons = visible_reasons(
        request.user, invitations, who=request, target=meeting, unit=meeting.unit
    )
    for inv in invitations:
        inv.shown_reason = reasons.get(inv.pk, "")  # type: ignore[attr-defined]
    counted = [i for i in invitations if i.counted]
    exempt = [i for i in invitations if not i.counted and i.exempt]
    others = [i for i in invitations if not i.counted and not i.exempt]
    groups = list(
        meeting.group_meetings.select_related("group").annotate(
            invited=Count("invitations"),
            present=Count("invitations", filter=Q(invitations__status=AttendanceStatus.PRESENT)),
            pending=Count("invitations", filter=Q(invitations__status=AttendanceStatus.PENDING)),
        )
    )
    context = _context(
        meeting,
        manager=_may_manage(request.user, meeting.unit),
        counted=counted,
        exempt=exempt,
        others=others,
        quorum=ops.quorum(meeting),
        documents=list(meeting.documents.order_by("uploaded_at", "pk")),
        resolutions=list(meeting.resolutions.order_by("number")),
        amendments=list(meeting.amendments.select_related("by")),
        groups=groups,
        is_open=meeting.status in OPEN_STATUSES,
        checked_in=sum(1 for i in invitations if i.checked_in_at is not None),
        now=timezone.now(),
    )
    return render(request, "meetings/detail.html", context)


def _managed(request: HttpRequest, pk: int) -> Meeting:
    return get_meeting_for_user(request.user, pk, Action.MANAGE_ACTIVITIES)


@login_required
def attendance_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    invitations = _invitations(meeting)
    refusal = ""
    if request.method != "POST":
        # The form shows the reasons recorded so far (a manager's read).
        visible_reasons(request.user, invitations, who=request, target=meeting, unit=meeting.unit)
    if request.method == "POST":
        statuses: dict[str, str] = {}
        reasons: dict[str, str] = {}
        allowed = {value for value, _l in mf.ATTENDANCE_CHOICES}
        for inv in invitations:
            value = request.POST.get(f"status_{inv.pk}", "")
            reason = request.POST.get(f"reason_{inv.pk}", "").strip()[:300]
            # What the form shows goes back into it when the write is refused.
            inv.status = value if value in allowed else inv.status
            inv.reason = reason
            if value:
                if value not in allowed:
                    refusal = _("Tình trạng dự họp «%(v)s» của «%(id)s» không hợp lệ.") % {
                        "v": value,
                        "id": inv.member.member_id,
                    }
                statuses[inv.member.member_id] = value
                reasons[inv.member.member_id] = reason
        fill = request.POST.get("fill") == AttendanceStatus.PRESENT
        if fill and not refusal:
            # «All present» without JavaScript: the form comes back with everyone who must
            # attend and is still unmarked marked present; nothing is written yet.
            filled = _fill_present(invitations)
            messages.info(request, _filled_text() % {"n": filled})
        elif not refusal and not statuses:
            refusal = _("Chưa chọn tình trạng dự họp của ai.")
        if not fill and not refusal:
            try:
                _write(
                    request,
                    meeting,
                    AuditAction.MEETING_ATTENDANCE,
                    lambda: ops.record_attendance(meeting, statuses, reasons=reasons),
                    lambda _r: {"attendance": statuses},
                )
                messages.success(request, _("Đã ghi điểm danh: %(m)s.") % {"m": _label(meeting)})
                return _detail(meeting)
            except CosoError as exc:
                refusal = str(exc)
    context = _context(
        meeting,
        counted=[i for i in invitations if i.counted],
        exempt=[i for i in invitations if not i.counted and i.exempt],
        others=[i for i in invitations if not i.counted and not i.exempt],
        choices=mf.ATTENDANCE_CHOICES,
        refusal=refusal,
        filled_text=_filled_text(),
    )
    return _render(request, "attendance.html", context, refused=bool(refusal))


def _filled_text() -> str:
    """One message, said by the server (no JavaScript) and by meetings.js."""
    return _("Đã chọn «Có mặt» cho %(n)s người; chọn lại người vắng rồi bấm «Ghi điểm danh».")


def _fill_present(invitations: list[Invitation]) -> int:
    """Mark present, in the form shown (not stored), every member who must attend and has no
    status yet; how many."""
    filled = 0
    for inv in invitations:
        if inv.counted and inv.status == AttendanceStatus.PENDING:
            inv.status = AttendanceStatus.PRESENT
            filled += 1
    return filled


def _form_page(
    request: HttpRequest,
    meeting: Meeting,
    template: str,
    form: Any,
    action: AuditAction,
    run: Callable[[Any], Any],
    done: Callable[[Any], str],
    extra: Callable[[Any], dict[str, Any]] | None = None,
    **more: Any,
) -> HttpResponse:
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            result = _write(request, meeting, action, lambda: run(form.cleaned_data), extra)
            messages.success(request, done(result))
            return _detail(meeting)
        except CosoError as exc:
            refusal = str(exc)
    context = _context(meeting, form=form, refusal=refusal, **more)
    return _render(request, template, context, refused=bool(refusal))


@login_required
def minutes_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    initial = {name: getattr(meeting, name) for name in ops.MINUTES_FIELDS}
    form = mf.MinutesForm(_posted(request), initial=initial)
    return _form_page(
        request,
        meeting,
        "minutes.html",
        form,
        AuditAction.MEETING_MINUTES,
        lambda d: ops.write_minutes(meeting, **{k: d[k] for k in ops.MINUTES_FIELDS}),
        lambda _r: _("Đã ghi biên bản: %(m)s.") % {"m": _label(meeting)},
        lambda _r: {"fields": [k for k in ops.MINUTES_FIELDS if form.cleaned_data.get(k)]},
    )


@login_required
def resolution_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    form = mf.ResolutionForm(_posted(request))
    present = meeting.invitations.filter(counted=True, status=AttendanceStatus.PRESENT).count()
    return _form_page(
        request,
        meeting,
        "resolution.html",
        form,
        AuditAction.MEETING_RESOLUTION,
        lambda d: ops.adopt_resolution(
            meeting,
            title=d["title"],
            text=d["text"],
            votes_for=d["votes_for"],
            votes_against=d["votes_against"] or 0,
            votes_abstain=d["votes_abstain"] or 0,
        ),
        lambda r: _("Đã ghi nghị quyết số %(n)s vào sổ nghị quyết.") % {"n": r.label},
        lambda r: {"resolution": r.label, "title": r.title},
        present=present,
    )


@login_required
def cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    form = mf.CancelForm(_posted(request))
    return _form_page(
        request,
        meeting,
        "cancel.html",
        form,
        AuditAction.MEETING_CANCEL,
        lambda d: ops.cancel_meeting(meeting, reason=d["reason"]),
        lambda _r: _("Đã hủy cuộc họp %(m)s.") % {"m": _label(meeting)},
        lambda _r: {"reason": form.cleaned_data["reason"]},
    )


@login_required
def close_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    written, refusal = _confirmed(
        request,
        meeting,
        AuditAction.MEETING_CLOSE,
        lambda: ops.close_meeting(meeting, by=request.user),
        _("Đã khóa sổ cuộc họp %(m)s.") % {"m": _label(meeting)},
        lambda m: {"expected": m.expected_count, "present": m.present_count},
    )
    if written is not None:
        return written
    counted = meeting.invitations.filter(counted=True)
    context = _context(
        meeting,
        quorum=ops.quorum(meeting),
        pending=counted.filter(status=AttendanceStatus.PENDING).count(),
        excused=counted.filter(status=AttendanceStatus.ABSENT_EXCUSED).count(),
        unexcused=counted.filter(status=AttendanceStatus.ABSENT_UNEXCUSED).count(),
        resolutions=meeting.resolutions.count(),
        refusal=refusal,
    )
    return _render(request, "close.html", context, refused=bool(refusal))


@login_required
def amend_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    invitations = _invitations(meeting)
    form = mf.AmendForm(_posted(request), invitations=invitations)
    return _form_page(
        request,
        meeting,
        "amend.html",
        form,
        AuditAction.MEETING_AMEND,
        lambda d: ops.amend_meeting(
            meeting, field=d["field"], value=d["new_value"], reason=d["reason"], by=request.user
        ),
        lambda a: _("Đã ghi đính chính: %(f)s.") % {"f": a.field},
        lambda a: {"field": a.field, "before": a.before, "value": a.after, "reason": a.reason},
        amendments=list(meeting.amendments.select_related("by")),
    )


@login_required
def consolidate_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    written, refusal = _confirmed(
        request,
        meeting,
        AuditAction.MEETING_CONSOLIDATE,
        lambda: ops.consolidate_group_meetings(meeting),
        _("Đã tổng hợp điểm danh từ các tổ đảng: %(m)s.") % {"m": _label(meeting)},
    )
    if written is not None:
        return written
    groups = list(
        meeting.group_meetings.select_related("group").annotate(
            invited=Count("invitations"),
            pending=Count("invitations", filter=Q(invitations__status=AttendanceStatus.PENDING)),
        )
    )
    context = _context(meeting, groups=groups, refusal=refusal)
    return _render(request, "consolidate.html", context, refused=bool(refusal))


# --------------------------------------------------------------------------------------------
# Online check-in


@login_required
def check_in_open_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    written, refusal = _confirmed(
        request,
        meeting,
        AuditAction.MEETING_CHECK_IN_OPEN,
        lambda: ops.open_check_in(meeting, at=timezone.now()),
        _("Đã mở điểm danh trực tuyến."),
        lambda m: {"opens": m.check_in_opens_at, "closes": m.check_in_closes_at},
    )
    if written is not None:
        return written
    context = _context(meeting, refusal=refusal)
    return _render(request, "check_in_open.html", context, refused=bool(refusal))


@login_required
def check_in_confirm_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _managed(request, pk)
    invitations = _invitations(meeting)
    form = mf.ConfirmCheckInForm(_posted(request), invitations=invitations)
    rows = [
        (inv, form[f"reason_{inv.pk}"] if inv.checked_in_at is None else None)
        for inv in invitations
    ]
    return _form_page(
        request,
        meeting,
        "check_in_confirm.html",
        form,
        AuditAction.MEETING_CHECK_IN_CONFIRM,
        lambda _d: ops.confirm_check_ins(meeting, excused=form.excused(invitations)),
        lambda _r: _("Đã xác nhận điểm danh cuối cùng: %(m)s.") % {"m": _label(meeting)},
        lambda _r: {"checked_in": sum(1 for i in invitations if i.checked_in_at is not None)},
        rows=rows,
    )


# --------------------------------------------------------------------------------------------
# Documents


class _NamesAsSentParser(MultiPartParser):
    """Notes each uploaded file's name as the browser sent it (path parts included).

    Django cuts "../../x.pdf" down to "x.pdf" (here and again in UploadedFile) and would store
    it silently; handing the name as sent to store_document lets it refuse and say why. The name
    is only ever a label: files are stored under random names.
    """

    def __init__(self, *args: Any, sent: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent = sent

    def sanitize_file_name(self, file_name: str) -> str | None:
        self.sent.append("".join(ch for ch in html.unescape(file_name) if ch.isprintable()))
        return super().sanitize_file_name(file_name)


def _parse_names_as_sent(request: HttpRequest) -> list[str]:
    """Make the coming parse of `request`'s body note the file names as sent; the list fills
    when the body is read."""
    sent: list[str] = []

    def parse(meta: Any, post_data: Any) -> Any:
        parser = _NamesAsSentParser(
            meta, post_data, request.upload_handlers, request.encoding, sent=sent
        )
        return parser.parse()

    request.parse_file_upload = parse  # type: ignore[method-assign,assignment]
    return sent


@login_required
def _upload(request: HttpRequest, pk: int, sent: list[str]) -> HttpResponse:
    meeting = _managed(request, pk)
    form = mf.UploadForm(_posted(request), _files(request))
    refusal = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = sent[0] if len(sent) == 1 else upload.name
        try:
            document = _write(
                request,
                meeting,
                AuditAction.MEETING_DOCUMENT,
                lambda: store_document(meeting, name=name, data=upload.read(), by=request.user),
                lambda d: {"document": d.name, "size": d.size, "sha256": d.sha256},
            )
            messages.success(request, _("Đã tải lên tài liệu «%(n)s».") % {"n": document.name})
            return _detail(meeting)
        except CosoError as exc:
            refusal = str(exc)
    context = _context(
        meeting,
        form=form,
        refusal=refusal,
        documents=list(meeting.documents.order_by("uploaded_at", "pk")),
    )
    return _render(request, "upload.html", context, refused=bool(refusal))


@csrf_exempt
def upload_page(request: HttpRequest, pk: int) -> HttpResponse:
    # The CSRF check (csrf_protect below) reads the body, so the parser is chosen before it.
    sent = _parse_names_as_sent(request) if request.method == "POST" else []
    return csrf_protect(_upload)(request, pk, sent)


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    return document_response(request.user, pk)
