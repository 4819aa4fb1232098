"""Planning, holding, recording and closing meetings. Every function is one transaction.

Who is invited comes from the registry on the meeting day: the branch's member spans valid then,
participations in the branch valid then, and guests named by the planner. Exempt members are
invited but stay outside the attendance denominator (HD 12-HD/BTCTW).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.dates import fmt
from coso.core.errors import CosoError
from coso.core.rules import rule
from coso.meetings.activity import refresh_branches
from coso.meetings.ics import expiry_conditions
from coso.meetings.models import (
    Amendment,
    AttendanceStatus,
    CalendarToken,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingStatus,
    OnlineGround,
    Resolution,
    SpecialCircumstance,
)
from coso.members.models import Member, MemberSpan, Participation, ParticipationKind
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan
from coso.units.queries import span_on

P = ParamSpec("P")
R = TypeVar("R")


def _keeps_activity(func: Callable[P, R]) -> Callable[P, R]:
    """One transaction, at whose end the branch activity rows (coso.meetings.activity) of the
    meeting's unit are recomputed: the warnings and the report read them."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic():
            result = func(*args, **kwargs)
            touched = [*args, *kwargs.values(), result]
            units = {a.unit_id for a in touched if isinstance(a, Meeting)}
            units |= {a.pk for a in touched if isinstance(a, Unit)}
            refresh_branches(units)
        return result

    return wrapper


BRANCH_MEETING_KINDS = (MeetingKind.REGULAR, MeetingKind.THEMATIC, MeetingKind.EXTRAORDINARY)
# Units with a committee of their own; a branch's committee (when elected) meets too.
COMMITTEE_UNIT_KINDS = tuple(k for k in UnitKind.values if k != UnitKind.GROUP)
MINUTES_FIELDS = ("review", "tasks_ahead", "discussion", "political_news", "dues_collected_vnd")
AMENDABLE_FIELDS = (*MINUTES_FIELDS, "place", "agenda", "title", "starts_at")


def _label(meeting: Meeting) -> str:
    return (
        f"«{meeting.get_kind_display().lower()}» của «{meeting.unit.code}» ngày {fmt(meeting.on)}"
    )


def _fraction(name: str, on: dt.date) -> tuple[int, int]:
    numerator, denominator = rule(name, on)
    return int(numerator), int(denominator)


# --------------------------------------------------------------------------------------------
# Who belongs to a branch on a day


@dataclass(frozen=True)
class Expected:
    """Who a branch meeting calls on a day, with their place in the denominator."""

    member_id: int
    role: str
    counted: bool
    exempt: bool


def expected_attendees(unit: Unit, on: dt.date, group: Unit | None = None) -> list[Expected]:
    """Members homed in `unit` on `on` (only `group`'s when given) and those taking part there."""
    spans = MemberSpan.objects.filter(unit=unit, valid_from__lte=on, valid_to__gt=on)
    if group is not None:
        spans = spans.filter(group=group)
    rows = list(spans.values_list("member_id", "exempt", "in_transit"))
    away = set(
        Participation.objects.filter(
            member_id__in=[r[0] for r in rows],
            kind=ParticipationKind.TEMPORARY,
            valid_from__lte=on,
            valid_to__gt=on,
        ).values_list("member_id", flat=True)
    )
    result: list[Expected] = []
    for member_id, exempt, in_transit in rows:
        # In transit or temporarily elsewhere: still on the roll here, but they meet elsewhere.
        counted = not exempt and not in_transit and member_id not in away
        result.append(Expected(member_id, InviteeRole.MEMBER, counted, exempt))
    if group is None:
        seen = {e.member_id for e in result}
        for member_id, kind in Participation.objects.filter(
            unit=unit, valid_from__lte=on, valid_to__gt=on
        ).values_list("member_id", "kind"):
            if member_id in seen or kind == ParticipationKind.RESIDENCE:
                continue
            seen.add(member_id)
            temporary = kind == ParticipationKind.TEMPORARY
            role = InviteeRole.TEMPORARY if temporary else InviteeRole.PARTICIPANT
            result.append(Expected(member_id, role, temporary, False))
    return result


# --------------------------------------------------------------------------------------------
# Online eligibility (HD 03-HD/TW)


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    ground: str
    explanation: str


def online_eligibility(
    unit: Unit, on: dt.date, *, unable_in_person: int | None = None
) -> Eligibility:
    """Whether `unit` may meet online on `on`, and on which ground (the first that holds)."""
    span = span_on(unit, on)
    special = set(rule("meetings.online_special_categories", on)) & set(span.tag_list)
    if special:
        return Eligibility(
            True,
            OnlineGround.SPECIAL_CATEGORY,
            _("Đơn vị đặc thù: %(tags)s.") % {"tags": ", ".join(sorted(special))},
        )
    circumstance = _circumstance_for(span, on)
    if circumstance is not None:
        return Eligibility(
            True,
            OnlineGround.SPECIAL_CIRCUMSTANCE,
            _("Trường hợp đặc biệt từ %(day)s: %(reason)s")
            % {"day": fmt(circumstance.valid_from), "reason": circumstance.reason},
        )
    denominator = sum(1 for e in expected_attendees(unit, on) if e.counted)
    numerator, parts = _fraction("meetings.online_unable_more_than", on)
    unable = unable_in_person or 0
    if denominator and unable * parts > numerator * denominator:
        return Eligibility(
            True,
            OnlineGround.UNABLE_MAJORITY,
            _("%(unable)s/%(total)s đảng viên không thể sinh hoạt trực tiếp.")
            % {"unable": unable, "total": denominator},
        )
    return Eligibility(
        False,
        "",
        _(
            "Chi bộ «%(code)s» không đủ điều kiện sinh hoạt trực tuyến ngày %(day)s: "
            "%(unable)s/%(total)s đảng viên (không tính người được miễn) không thể sinh hoạt "
            "trực tiếp, cần quá %(numerator)s/%(parts)s; đơn vị không thuộc loại đặc thù và cấp "
            "trên không công bố trường hợp đặc biệt."
        )
        % {
            "code": unit.code,
            "day": fmt(on),
            "unable": unable,
            "total": denominator,
            "numerator": numerator,
            "parts": parts,
        },
    )


def _circumstance_for(span: UnitSpan, on: dt.date) -> SpecialCircumstance | None:
    """A circumstance declared on the unit or any unit above it, in force on `on`."""
    ancestors = [int(part) for part in span.path.strip("/").split("/") if part]
    return (
        SpecialCircumstance.objects.filter(
            unit_id__in=ancestors, valid_from__lte=on, valid_to__gt=on
        )
        .order_by("valid_from")
        .first()
    )


@transaction.atomic
def declare_special_circumstance(
    unit: Unit,
    *,
    valid_from: dt.date,
    valid_to: dt.date,
    reason: str,
    declared_by: str = "",
) -> SpecialCircumstance:
    """The superior allows online meetings in `unit`'s subtree for a period (disaster, epidemic)."""
    span_on(unit, valid_from)
    if not reason.strip():
        raise CosoError(f"Trường hợp đặc biệt của «{unit.code}» cần lý do.")
    if valid_to <= valid_from:
        raise CosoError(
            f"Trường hợp đặc biệt của «{unit.code}»: ngày kết thúc {fmt(valid_to)} phải sau "
            f"ngày bắt đầu {fmt(valid_from)}."
        )
    return SpecialCircumstance.objects.create(
        unit=unit,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason.strip(),
        declared_by=declared_by.strip(),
    )


# --------------------------------------------------------------------------------------------
# Planning


def _check_unit_kind(unit: Unit, kind: str, span: UnitSpan) -> None:
    if kind not in MeetingKind.values:
        raise CosoError(
            f"Loại cuộc họp «{kind}» không hợp lệ (dùng: {', '.join(MeetingKind.values)})."
        )
    if kind in BRANCH_MEETING_KINDS and span.kind not in HOME_KINDS:
        raise CosoError(
            f"«{unit.code}» ({span.get_kind_display()}) không phải chi bộ: không tổ chức "
            "sinh hoạt chi bộ."
        )
    if kind == MeetingKind.COMMITTEE and span.kind not in COMMITTEE_UNIT_KINDS:
        raise CosoError(f"«{unit.code}» ({span.get_kind_display()}) không có cấp ủy để họp.")


def _create_invitations(meeting: Meeting, expected: Iterable[Expected]) -> None:
    Invitation.objects.bulk_create(
        [
            Invitation(
                meeting=meeting,
                member_id=e.member_id,
                role=e.role,
                counted=e.counted,
                exempt=e.exempt,
            )
            for e in expected
        ]
    )


def _expected_now(meeting: Meeting) -> list[Expected] | None:
    """Who the meeting should call according to the registry as it stands now (None: a
    by-group part without a party group, whose members were split by hand)."""
    if meeting.kind == MeetingKind.COMMITTEE:
        return _committee_attendees(meeting.unit, meeting.on)
    if meeting.parent_id is not None:
        if meeting.group is None:
            return None
        return expected_attendees(meeting.unit, meeting.on, meeting.group)
    return expected_attendees(meeting.unit, meeting.on)


def refresh_invitations(meeting: Meeting) -> tuple[int, int]:
    """Bring an open meeting's list in line with the registry for its day: members admitted or
    received since it was planned are added, those who left (and were not yet marked) are
    removed, and unmarked invitations take the member's current exempt state. Guests and
    anything already recorded stay as they are. Returns (added, removed)."""
    expected = _expected_now(meeting)
    if expected is None or meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.HELD):
        return 0, 0
    by_member = {e.member_id: e for e in expected}
    current = {inv.member_id: inv for inv in meeting.invitations.all()}
    _create_invitations(meeting, [e for m, e in by_member.items() if m not in current])
    untouched = [
        inv
        for inv in current.values()
        if inv.status == AttendanceStatus.PENDING
        and inv.checked_in_at is None
        and inv.role != InviteeRole.GUEST
    ]
    gone = [inv.pk for inv in untouched if inv.member_id not in by_member]
    Invitation.objects.filter(pk__in=gone).delete()
    changed = []
    for inv in untouched:
        e = by_member.get(inv.member_id)
        if e is not None and (inv.counted, inv.exempt) != (e.counted, e.exempt):
            inv.counted, inv.exempt = e.counted, e.exempt
            changed.append(inv)
    Invitation.objects.bulk_update(changed, ["counted", "exempt"])
    return len(by_member.keys() - current.keys()), len(gone)


def _committee_attendees(unit: Unit, on: dt.date) -> list[Expected]:
    from coso.members.models import Position

    ids = Position.objects.filter(unit=unit, valid_from__lte=on, valid_to__gt=on).values_list(
        "member_id", flat=True
    )
    return [Expected(m, InviteeRole.MEMBER, True, False) for m in sorted(set(ids))]


@_keeps_activity
def plan_meeting(
    unit: Unit,
    *,
    kind: str,
    on: dt.date,
    form: str = MeetingForm.IN_PERSON,
    starts_at: dt.time | None = None,
    title: str = "",
    place: str = "",
    online_link: str = "",
    online_platform: str = "",
    online_reason: str = "",
    unable_in_person: int | None = None,
    agenda: str = "",
    guests: Iterable[Member] = (),
) -> Meeting:
    """Plan a meeting and invite the branch's members on `on` (exempt ones outside the count)."""
    span = span_on(unit, on)
    _check_unit_kind(unit, kind, span)
    if form not in MeetingForm.values:
        raise CosoError(f"Hình thức «{form}» không hợp lệ (dùng: {', '.join(MeetingForm.values)}).")
    ground = ""
    if form == MeetingForm.ONLINE:
        if not online_link.strip():
            raise CosoError(
                f"Cuộc họp trực tuyến của «{unit.code}» ngày {fmt(on)} cần đường liên kết."
            )
        if not online_reason.strip():
            raise CosoError(f"Cuộc họp trực tuyến của «{unit.code}» ngày {fmt(on)} cần ghi lý do.")
        verdict = online_eligibility(unit, on, unable_in_person=unable_in_person)
        if not verdict.allowed:
            raise CosoError(verdict.explanation)
        ground = verdict.ground
    elif not place.strip() and form == MeetingForm.IN_PERSON:
        raise CosoError(f"Cuộc họp trực tiếp của «{unit.code}» ngày {fmt(on)} cần địa điểm.")
    if form == MeetingForm.BY_GROUP and kind == MeetingKind.COMMITTEE:
        raise CosoError(f"Họp cấp ủy của «{unit.code}» không tổ chức theo tổ đảng.")
    meeting = Meeting.objects.create(
        unit=unit,
        kind=kind,
        form=form,
        on=on,
        starts_at=starts_at,
        title=title.strip(),
        place=place.strip(),
        online_link=online_link.strip(),
        online_platform=online_platform.strip(),
        online_ground=ground,
        online_reason=online_reason.strip(),
        unable_in_person=unable_in_person,
        agenda=agenda,
    )
    if kind == MeetingKind.COMMITTEE:
        expected = _committee_attendees(unit, on)
    else:
        expected = expected_attendees(unit, on)
    _create_invitations(meeting, expected)
    if guests:
        invite_guests(meeting, guests)
    if form == MeetingForm.BY_GROUP:
        _plan_group_meetings(meeting, span)
    return meeting


def _plan_group_meetings(meeting: Meeting, span: UnitSpan) -> None:
    groups = UnitSpan.objects.filter(
        parent=meeting.unit,
        kind=UnitKind.GROUP,
        valid_from__lte=meeting.on,
        valid_to__gt=meeting.on,
    ).select_related("unit")
    if not groups:
        raise CosoError(
            f"Chi bộ «{meeting.unit.code}» không có tổ đảng vào ngày {fmt(meeting.on)}: "
            "không sinh hoạt theo tổ được."
        )
    for group_span in groups:
        sub = Meeting.objects.create(
            unit=meeting.unit,
            kind=meeting.kind,
            form=MeetingForm.IN_PERSON,
            on=meeting.on,
            starts_at=meeting.starts_at,
            title=f"{group_span.name}",
            place=meeting.place,
            agenda=meeting.agenda,
            parent=meeting,
            group=group_span.unit,
        )
        _create_invitations(sub, expected_attendees(meeting.unit, meeting.on, group_span.unit))


@_keeps_activity
def invite_guests(meeting: Meeting, guests: Iterable[Member]) -> int:
    """Members of the committee above (or anyone) attending as guests, outside the count."""
    _require_open(meeting)
    already = set(meeting.invitations.values_list("member_id", flat=True))
    new = [g for g in guests if g.pk not in already]
    Invitation.objects.bulk_create(
        [Invitation(meeting=meeting, member=g, role=InviteeRole.GUEST, counted=False) for g in new]
    )
    return len(new)


def _require_open(meeting: Meeting) -> None:
    meeting.refresh_from_db(fields=["status"])
    if meeting.status == MeetingStatus.CLOSED:
        raise CosoError(
            f"Cuộc họp {_label(meeting)} đã khóa sổ: không sửa trực tiếp, hãy ghi đính chính."
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise CosoError(f"Cuộc họp {_label(meeting)} đã bị hủy.")


@_keeps_activity
def cancel_meeting(meeting: Meeting, *, reason: str) -> Meeting:
    _require_open(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise CosoError(f"Cuộc họp {_label(meeting)} đã họp: không hủy được.")
    if not reason.strip():
        raise CosoError(f"Hủy cuộc họp {_label(meeting)} cần lý do.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason.strip()
    meeting.save(update_fields=["status", "cancel_reason"])
    return meeting


# --------------------------------------------------------------------------------------------
# Attendance


def _invitations_by_member_id(meeting: Meeting) -> dict[str, Invitation]:
    return {inv.member.member_id: inv for inv in meeting.invitations.select_related("member")}


@_keeps_activity
def record_attendance(
    meeting: Meeting,
    statuses: Mapping[str, str],
    *,
    reasons: Mapping[str, str] | None = None,
) -> Meeting:
    """Mark each invited member (by member id) present / absent with or without reason."""
    _require_open(meeting)
    refresh_invitations(meeting)
    invitations = _invitations_by_member_id(meeting)
    reasons = reasons or {}
    changed: list[Invitation] = []
    for member_id, status in statuses.items():
        inv = invitations.get(member_id)
        if inv is None:
            raise CosoError(
                f"Đảng viên «{member_id}» không có trong danh sách mời họp {_label(meeting)}."
            )
        if status not in AttendanceStatus.values or status == AttendanceStatus.PENDING:
            raise CosoError(f"Trạng thái dự họp «{status}» của «{member_id}» không hợp lệ.")
        reason = reasons.get(member_id, "").strip()
        if status == AttendanceStatus.ABSENT_EXCUSED and not reason:
            raise CosoError(
                f"Đảng viên «{member_id}» vắng có lý do trong cuộc họp {_label(meeting)}: "
                "cần ghi lý do."
            )
        inv.status = status
        inv.reason = reason
        changed.append(inv)
    Invitation.objects.bulk_update(changed, ["status", "reason"])
    _mark_held(meeting)
    return meeting


def _mark_held(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status"])


@_keeps_activity
def consolidate_group_meetings(meeting: Meeting) -> Meeting:
    """The branch record takes each member's attendance from their party group's meeting."""
    _require_open(meeting)
    if meeting.form != MeetingForm.BY_GROUP:
        raise CosoError(f"Cuộc họp {_label(meeting)} không sinh hoạt theo tổ đảng.")
    from_groups = {
        inv.member_id: inv
        for inv in Invitation.objects.filter(meeting__parent=meeting).exclude(
            status=AttendanceStatus.PENDING
        )
    }
    changed = []
    for inv in meeting.invitations.all():
        source = from_groups.get(inv.member_id)
        if source is not None:
            inv.status, inv.reason = source.status, source.reason
            changed.append(inv)
    Invitation.objects.bulk_update(changed, ["status", "reason"])
    if changed:
        _mark_held(meeting)
    return meeting


@dataclass(frozen=True)
class Quorum:
    expected: int
    present: int
    required: int

    @property
    def met(self) -> bool:
        return self.present >= self.required

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


def quorum(meeting: Meeting) -> Quorum:
    """Present counted members against the rule's fraction of those counted (exempt excluded)."""
    counted = meeting.invitations.filter(counted=True)
    expected = counted.count()
    present = counted.filter(status=AttendanceStatus.PRESENT).count()
    numerator, denominator = _fraction("meetings.quorum_at_least", meeting.on)
    required = -(-expected * numerator // denominator)  # ceiling
    return Quorum(expected, present, required)


# --------------------------------------------------------------------------------------------
# Online check-in


@_keeps_activity
def open_check_in(meeting: Meeting, *, at: dt.datetime) -> Meeting:
    _require_open(meeting)
    if meeting.form != MeetingForm.ONLINE:
        raise CosoError(f"Cuộc họp {_label(meeting)} không họp trực tuyến: không mở điểm danh.")
    refresh_invitations(meeting)  # whoever joined the branch since planning can check in
    minutes = int(rule("meetings.check_in_window_minutes", meeting.on))
    meeting.check_in_opens_at = at
    meeting.check_in_closes_at = at + dt.timedelta(minutes=minutes)
    meeting.save(update_fields=["check_in_opens_at", "check_in_closes_at"])
    return meeting


@_keeps_activity
def check_in(member: Member, meeting: Meeting, at: dt.datetime) -> Invitation:
    """A member checks in to an online meeting from their own page, inside the window."""
    _require_open(meeting)
    opens, closes = meeting.check_in_opens_at, meeting.check_in_closes_at
    if opens is None or closes is None or not (opens <= at < closes):
        when = timezone.localtime(at).strftime("%H:%M %d/%m/%Y")
        raise CosoError(
            f"Đảng viên «{member.member_id}»: điểm danh cuộc họp {_label(meeting)} lúc {when} "
            "ngoài thời gian mở điểm danh."
        )
    inv = meeting.invitations.filter(member=member).first()
    if inv is None:
        raise CosoError(f"Đảng viên «{member.member_id}» không được mời họp {_label(meeting)}.")
    if inv.checked_in_at is None:
        inv.checked_in_at = at
        inv.save(update_fields=["checked_in_at"])
    return inv


@_keeps_activity
def confirm_check_ins(meeting: Meeting, *, excused: Mapping[str, str] | None = None) -> Meeting:
    """The secretary's final word: checked-in members present; the others absent (with the
    reasons given, else without reason)."""
    _require_open(meeting)
    if meeting.form != MeetingForm.ONLINE:
        # Nobody checks in to a meeting in a hall: confirming would mark everyone absent.
        raise CosoError(
            f"Cuộc họp {_label(meeting)} không họp trực tuyến: ghi điểm danh từng người."
        )
    excused = excused or {}
    statuses: dict[str, str] = {}
    for member_id, inv in _invitations_by_member_id(meeting).items():
        if inv.checked_in_at is not None:
            statuses[member_id] = AttendanceStatus.PRESENT
        elif member_id in excused:
            statuses[member_id] = AttendanceStatus.ABSENT_EXCUSED
        else:
            statuses[member_id] = AttendanceStatus.ABSENT_UNEXCUSED
    return record_attendance(meeting, statuses, reasons=excused)


# --------------------------------------------------------------------------------------------
# Minutes, resolutions, closing, amendments


@transaction.atomic
def write_minutes(meeting: Meeting, **fields: Any) -> Meeting:
    _require_open(meeting)
    unknown = set(fields) - set(MINUTES_FIELDS)
    if unknown:
        raise CosoError(f"Biên bản không có mục: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.save(update_fields=list(fields))
    return meeting


@transaction.atomic
def adopt_resolution(
    meeting: Meeting,
    *,
    title: str,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    text: str = "",
) -> Resolution:
    """Write an adopted resolution into the unit's book, numbered per unit and year."""
    _require_open(meeting)
    if meeting.parent_id is not None:
        # The book is the branch's: a party group discusses, the branch meeting resolves.
        raise CosoError(
            f"Cuộc họp {_label(meeting)} là buổi sinh hoạt của một tổ đảng: nghị quyết được ghi "
            f"vào sổ tại cuộc họp của chi bộ (#{meeting.parent_id}) sau khi tổng hợp các tổ."
        )
    if not title.strip():
        raise CosoError(f"Nghị quyết của cuộc họp {_label(meeting)} cần tiêu đề.")
    if min(votes_for, votes_against, votes_abstain) < 0:
        raise CosoError(f"Số phiếu của nghị quyết cuộc họp {_label(meeting)} không được âm.")
    present = meeting.invitations.filter(counted=True, status=AttendanceStatus.PRESENT).count()
    cast = votes_for + votes_against + votes_abstain
    if cast > present:
        raise CosoError(
            f"Cuộc họp {_label(meeting)}: {cast} phiếu biểu quyết nhưng chỉ {present} đảng viên "
            "có mặt (ghi điểm danh trước)."
        )
    if votes_for * 2 <= present:
        raise CosoError(
            f"Cuộc họp {_label(meeting)}: {votes_for}/{present} tán thành, chưa quá nửa số đảng "
            "viên có mặt: nghị quyết không được thông qua."
        )
    # Lock the book's rows for the year so two secretaries cannot take the same number.
    year = meeting.on.year
    book = Resolution.objects.select_for_update().filter(unit=meeting.unit, year=year)
    number = (book.aggregate(n=Max("number"))["n"] or 0) + 1
    _mark_held(meeting)
    return Resolution.objects.create(
        meeting=meeting,
        unit=meeting.unit,
        year=year,
        number=number,
        title=title.strip(),
        text=text,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        adopted_on=meeting.on,
    )


@_keeps_activity
def close_meeting(meeting: Meeting, *, by: Any = None) -> Meeting:
    """Lock the meeting: attendance must be recorded for everyone counted."""
    _require_open(meeting)
    refresh_invitations(meeting)
    invitations = meeting.invitations
    pending = list(
        invitations.filter(status=AttendanceStatus.PENDING, counted=True).values_list(
            "member__member_id", flat=True
        )[:5]
    )
    recorded = invitations.exclude(status=AttendanceStatus.PENDING).exists()
    if not recorded or pending:
        who = f" (chưa ghi: {', '.join(pending)}…)" if pending else ""
        raise CosoError(f"Không thể khóa sổ cuộc họp {_label(meeting)}: chưa ghi điểm danh{who}.")
    result = quorum(meeting)
    meeting.expected_count = result.expected
    meeting.present_count = result.present
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = timezone.now()
    meeting.closed_by = by
    meeting.save(
        update_fields=["expected_count", "present_count", "status", "closed_at", "closed_by"]
    )
    return meeting


@_keeps_activity
def amend_meeting(
    meeting: Meeting, *, field: str, value: Any, reason: str, by: Any = None
) -> Amendment:
    """Correct a closed meeting. `field` is a minutes field or `attendance:<member id>`."""
    meeting.refresh_from_db()
    if meeting.status != MeetingStatus.CLOSED:
        raise CosoError(f"Cuộc họp {_label(meeting)} chưa khóa sổ: sửa trực tiếp.")
    if not reason.strip():
        raise CosoError(f"Đính chính cuộc họp {_label(meeting)} cần lý do.")
    if field.startswith("attendance:"):
        member_id = field.partition(":")[2]
        inv = meeting.invitations.filter(member__member_id=member_id).first()
        if inv is None:
            raise CosoError(
                f"Đảng viên «{member_id}» không có trong danh sách mời họp {_label(meeting)}."
            )
        if value not in AttendanceStatus.values or value == AttendanceStatus.PENDING:
            raise CosoError(f"Trạng thái dự họp «{value}» của «{member_id}» không hợp lệ.")
        before = inv.status
        inv.status = value
        inv._amending = True  # type: ignore[attr-defined]
        inv.save(update_fields=["status"])
        meeting.present_count = meeting.invitations.filter(
            counted=True, status=AttendanceStatus.PRESENT
        ).count()
        meeting._amending = True  # type: ignore[attr-defined]
        meeting.save(update_fields=["present_count"])
    elif field in AMENDABLE_FIELDS:
        before = getattr(meeting, field)
        try:  # the column's own checks (type, length, sign), not a database error later
            column = Meeting._meta.get_field(field)
            assert isinstance(column, models.Field)
            value = column.clean(value, meeting)
        except ValidationError as exc:
            raise CosoError(
                f"Giá trị đính chính «{field}» của cuộc họp {_label(meeting)} không hợp lệ: "
                + "; ".join(str(m) for m in exc.messages)
            ) from None
        setattr(meeting, field, value)
        meeting._amending = True  # type: ignore[attr-defined]
        meeting.save(update_fields=[field])
    else:
        raise CosoError(f"Không đính chính được mục «{field}» của cuộc họp {_label(meeting)}.")
    return Amendment.objects.create(
        meeting=meeting,
        field=field,
        before="" if before is None else str(before),
        after="" if value is None else str(value),
        reason=reason.strip(),
        by=by,
    )


def resolution_book(unit: Unit, year: int) -> list[Resolution]:
    return list(Resolution.objects.filter(unit=unit, year=year).order_by("number"))


# --------------------------------------------------------------------------------------------
# Calendar addresses (a daily job of the scheduler)

TOKEN_REASONS = {
    "left_party": "đảng viên không còn trong Đảng",
    "no_account": "đảng viên không còn tài khoản đang dùng",
    "unused": "địa chỉ lâu không dùng",
}


def prune_calendar_tokens(day: dt.date) -> str:
    """Revoke the calendar addresses expired on `day` and delete those revoked long ago.

    Expired (coso.meetings.ics.expiry_conditions): the member is no longer in the Party, has no
    active account, or has not read the address for COSO_CALENDAR_TOKEN_IDLE_DAYS; the feed
    already refuses them, so revoking only makes the member's page say so. Revoked addresses
    are deleted COSO_CALENDAR_TOKENS_KEEP_DAYS after their revocation. Each revocation is
    audited on the member, as the member's own is; deleting dead rows is not. One transaction;
    a second run for the same day changes nothing."""
    now = timezone.now()
    keep = max(int(settings.COSO_CALENDAR_TOKENS_KEEP_DAYS), 0)
    before = dt.datetime.combine(
        day - dt.timedelta(days=keep), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    revoked: dict[str, int] = {}
    with transaction.atomic():
        for reason, condition in expiry_conditions(day).items():
            tokens = CalendarToken.objects.filter(condition, revoked_at__isnull=True)
            by_member: dict[int, int] = {}
            for member_id in tokens.values_list("member_id", flat=True):
                by_member[member_id] = by_member.get(member_id, 0) + 1
            revoked[reason] = tokens.update(revoked_at=now)
            ids = sorted(by_member)
            for start in range(0, len(ids), 500):  # a bounded IN list, whatever the database
                chunk = Member.objects.filter(pk__in=ids[start : start + 500])
                for member in chunk.select_related("home_unit"):
                    record_write(
                        Actor.cli(),
                        AuditAction.CALENDAR_TOKEN_REVOKE,
                        member,
                        None,
                        {"revoked": by_member[member.pk], "reason": TOKEN_REASONS[reason]},
                    )
        deleted, _ = CalendarToken.objects.filter(revoked_at__lt=before).delete()
    parts = ", ".join(f"{n} vì {TOKEN_REASONS[r]}" for r, n in revoked.items() if n)
    return (
        f"Địa chỉ lịch ngày {fmt(day)}: thu hồi {sum(revoked.values())}"
        f"{f' ({parts})' if parts else ''}, xóa {deleted} đã thu hồi quá {keep} ngày."
    )
