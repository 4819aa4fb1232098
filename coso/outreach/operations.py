"""Writes of outreach: each a typed, verb-first function, one transaction, its audit entry.

Refusals raise CosoError with a Vietnamese message naming the field or the object and the date.
Audit entries of petitions never carry the petitioner's name or contact: the audit log is read
by officers of the unit's subtree, who are not all in the handling line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.dates import FAR_FUTURE, fmt, today
from coso.core.errors import CosoError
from coso.core.rules import rule
from coso.members.models import Member, MemberStatus
from coso.outreach import tally
from coso.outreach.models import (
    Assignment,
    AssignmentReport,
    Household,
    HouseholdResponsibility,
    Petition,
    PetitionCase,
    PetitionCategory,
    PetitionKind,
    PetitionStatus,
    PetitionStep,
    Satisfaction,
    StepKind,
    Visit,
)
from coso.oversight.models import ViolationCase
from coso.units.models import Unit, UnitSpan

IN_PARTY = (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL)


def _user(actor: Any) -> Any:
    found = Actor.of(actor) if actor is not None else None
    return found.user if found is not None and found.authenticated else None


def _text(value: str | None, field: str, *, required: bool = True, limit: int = 0) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise CosoError(f"{field}: bắt buộc.")
    if limit and len(clean) > limit:
        raise CosoError(f"{field}: tối đa {limit} ký tự.")
    return clean


def _not_future(day: dt.date, field: str) -> None:
    if day > today():
        raise CosoError(f"{field}: ngày {fmt(day)} sau hôm nay.")


def _alive(unit: Unit, day: dt.date, field: str) -> UnitSpan:
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        raise CosoError(f"{field}: đơn vị «{unit.code}» không tồn tại vào ngày {fmt(day)}.")
    return span


def _in_party(member: Member, field: str) -> None:
    if member.status not in IN_PARTY:
        raise CosoError(f"{field}: {member.full_name} ({member.member_id}) không còn là đảng viên.")


# --- households ------------------------------------------------------------------------------


def _household_facts(h: Household) -> dict[str, Any]:
    return {
        "code": h.code,
        "head_name": h.head_name,
        "area": h.area.code,
        "size": h.size,
        "poor": h.poor,
        "near_poor": h.near_poor,
        "policy_family": h.policy_family,
        "valid_from": h.valid_from,
    }


@transaction.atomic
def register_household(
    *,
    code: str,
    head_name: str,
    address: str,
    area: Unit,
    on: dt.date,
    area_name: str = "",
    size: int = 1,
    poor: bool = False,
    near_poor: bool = False,
    policy_family: bool = False,
    actor: Any = None,
) -> Household:
    """Add a household to the register from `on`, in the village or residential area `area`."""
    code = _text(code, "Số hộ", limit=40)
    if Household.objects.filter(code=code).exists():
        raise CosoError(f"Số hộ: «{code}» đã có trong sổ.")
    if size < 1 or size > 50:
        raise CosoError(f"Số nhân khẩu: {size} không hợp lệ (1–50).")
    if poor and near_poor:
        raise CosoError("Hộ nghèo và hộ cận nghèo: chỉ chọn một.")
    _not_future(on, "Ngày đăng ký")
    _alive(area, on, "Thôn, tổ dân phố")
    household = Household.objects.create(
        code=code,
        head_name=_text(head_name, "Chủ hộ", limit=200),
        address=_text(address, "Địa chỉ", limit=300),
        area=area,
        area_name=_text(area_name, "Tên thôn, tổ dân phố", required=False, limit=200),
        size=size,
        poor=poor,
        near_poor=near_poor,
        policy_family=policy_family,
        valid_from=on,
    )
    tally.household_added(household.pk)
    record_write(
        actor, AuditAction.HOUSEHOLD_REGISTER, household, None, _household_facts(household), area
    )
    return household


@transaction.atomic
def assign_household(
    household: Household, member: Member | None, *, on: dt.date, note: str = "", actor: Any = None
) -> HouseholdResponsibility | None:
    """Make `member` responsible for `household` from `on` (None: nobody from `on`).

    The responsibility valid on `on` is closed that day and a new one opened: history is kept.
    One that itself starts on `on` is corrected in place (same day). Changes dated before the
    latest responsibility's start are refused (history is appended in date order).
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not household.valid_from <= on < household.valid_to:
        raise CosoError(
            f"Hộ {household.code}: không có trong sổ vào ngày {fmt(on)} "
            f"(từ {fmt(household.valid_from)})."
        )
    _not_future(on, "Ngày phân công")
    if member is not None:
        _in_party(member, "Đảng viên phụ trách")
    latest = household.responsibilities.order_by("-valid_from").first()
    if latest is not None and latest.valid_from > on:
        raise CosoError(
            f"Hộ {household.code}: đã có phân công từ {fmt(latest.valid_from)}, "
            f"không ghi được thay đổi ngày {fmt(on)}."
        )
    current = household.responsibilities.filter(valid_from__lte=on, valid_to__gt=on).first()
    before = {"member": current.member.member_id} if current is not None else None
    if current is not None and current.member_id == getattr(member, "pk", None):
        raise CosoError(f"Hộ {household.code}: {member.full_name} đang phụ trách hộ này.")  # type: ignore[union-attr]
    new: HouseholdResponsibility | None = None
    members = [current.member_id if current is not None else None, getattr(member, "pk", None)]
    with tally.households_in_step(household.pk):
        if current is not None and current.valid_from == on:
            if member is None:
                current.delete()
            else:
                current.member = member
                current.note = note.strip()[:300]
                current.save(update_fields=["member", "note"])
                new = current
        else:
            if current is not None:
                current.valid_to = on
                current.save(update_fields=["valid_to"])
            if member is not None:
                new = HouseholdResponsibility.objects.create(
                    household=household, member=member, valid_from=on, note=note.strip()[:300]
                )
    tally.refresh_members(m for m in members if m is not None)
    record_write(
        actor,
        AuditAction.HOUSEHOLD_ASSIGN,
        household,
        before,
        {"member": member.member_id if member else None, "from": on},
        household.area,
    )
    return new


@transaction.atomic
def record_visit(
    household: Household, member: Member, *, on: dt.date, note: str = "", actor: Any = None
) -> Visit:
    """A visit by the member responsible for the household on `on`."""
    _not_future(on, "Ngày thăm")
    responsible = household.responsibilities.filter(
        member=member, valid_from__lte=on, valid_to__gt=on
    ).exists()
    if not responsible:
        raise CosoError(
            f"Đảng viên thăm hộ: {member.full_name} không phụ trách hộ {household.code} "
            f"vào ngày {fmt(on)}."
        )
    with tally.households_in_step(household.pk):
        visit = Visit.objects.create(
            household=household, member=member, on=on, note=_text(note, "Ghi chú", required=False)
        )
    record_write(
        actor,
        AuditAction.HOUSEHOLD_VISIT,
        household,
        None,
        {"member": member.member_id, "on": on},
        household.area,
    )
    return visit


# --- assignments of committee members --------------------------------------------------------


@transaction.atomic
def assign_cadre(
    *,
    member: Member,
    unit: Unit,
    assigned_by: Unit,
    on: dt.date,
    until: dt.date | None = None,
    area: str = "",
    decision: str = "",
    report_every_months: int | None = None,
    actor: Any = None,
) -> Assignment:
    """Assign `member` (of the committee `assigned_by`) to follow `unit`, which lies in the
    committee's subtree, over [on, until)."""
    _in_party(member, "Cấp ủy viên được phân công")
    end = until or FAR_FUTURE
    if end <= on:
        raise CosoError(f"Hết nhiệm kỳ: ngày {fmt(end)} phải sau ngày bắt đầu {fmt(on)}.")
    top = _alive(assigned_by, on, "Cấp ủy phân công")
    followed = _alive(unit, on, "Đơn vị theo dõi")
    if not followed.path.startswith(top.path) or unit.pk == assigned_by.pk:
        raise CosoError(
            f"Đơn vị theo dõi: «{unit.code}» không trực thuộc «{assigned_by.code}» "
            f"vào ngày {fmt(on)}."
        )
    every = report_every_months or int(rule("households.assignment_report_every_months", on))
    if every < 1 or every > 12:
        raise CosoError(f"Kỳ báo cáo: {every} tháng không hợp lệ (1–12).")
    assignment = Assignment.objects.create(
        member=member,
        unit=unit,
        assigned_by=assigned_by,
        area=_text(area, "Lĩnh vực, địa bàn", required=False, limit=300),
        valid_from=on,
        valid_to=end,
        report_every_months=every,
        decision=_text(decision, "Số quyết định", required=False, limit=100),
    )
    record_write(
        actor,
        AuditAction.ASSIGNMENT_CREATE,
        assignment,
        None,
        {
            "member": member.member_id,
            "unit": unit.code,
            "assigned_by": assigned_by.code,
            "from": on,
            "to": end,
        },
        assigned_by,
    )
    return assignment


@transaction.atomic
def end_assignment(assignment: Assignment, *, on: dt.date, actor: Any = None) -> Assignment:
    if not assignment.valid_from < on < assignment.valid_to:
        raise CosoError(
            f"Ngày kết thúc: {fmt(on)} phải sau ngày bắt đầu {fmt(assignment.valid_from)} và "
            f"trước {fmt(assignment.valid_to)}."
        )
    before = {"to": assignment.valid_to}
    assignment.valid_to = on
    assignment.save(update_fields=["valid_to"])
    record_write(
        actor, AuditAction.ASSIGNMENT_END, assignment, before, {"to": on}, assignment.assigned_by
    )
    return assignment


@transaction.atomic
def file_assignment_report(
    assignment: Assignment,
    *,
    period_end: dt.date,
    text: str,
    on: dt.date | None = None,
    actor: Any = None,
) -> AssignmentReport:
    """The assignee's report for the period ending `period_end`, filed on `on` (today)."""
    filed = on or today()
    _not_future(filed, "Ngày báo cáo")
    if not assignment.valid_from < period_end <= min(assignment.valid_to, filed):
        raise CosoError(
            f"Kỳ báo cáo: ngày {fmt(period_end)} phải trong nhiệm kỳ phân công "
            f"(từ {fmt(assignment.valid_from)}) và không sau ngày báo cáo."
        )
    if AssignmentReport.objects.filter(assignment=assignment, period_end=period_end).exists():
        raise CosoError(f"Kỳ báo cáo: đã có báo cáo kỳ đến ngày {fmt(period_end)}.")
    report = AssignmentReport.objects.create(
        assignment=assignment,
        period_end=period_end,
        filed_on=filed,
        text=_text(text, "Nội dung báo cáo"),
        filed_by=_user(actor),
    )
    record_write(
        actor,
        AuditAction.ASSIGNMENT_REPORT,
        assignment,
        None,
        {"period_end": period_end, "filed_on": filed},
        assignment.unit,
    )
    return report


# --- citizens' petitions ---------------------------------------------------------------------


def petition_due(kind: str, received_on: dt.date) -> dt.date:
    """The deadline of a first handling from the `petitions` rule set in force on receipt."""
    return received_on + dt.timedelta(days=int(rule(f"petitions.{kind}_days", received_on)))


def _petition_facts(p: Petition) -> dict[str, Any]:
    # Never the petitioner's name or contact (see the module's docstring).
    return {
        "kind": p.kind,
        "category": p.category,
        "received_on": p.received_on,
        "handling_unit": p.handling_unit.code,
        "handler": p.handler.member_id if p.handler else None,
        "subject_member": p.subject_member.member_id if p.subject_member else None,
        "due_on": p.due_on,
    }


@transaction.atomic
def receive_petition(
    *,
    kind: str,
    category: str,
    received_on: dt.date,
    petitioner_name: str,
    petitioner_contact: str = "",
    summary: str,
    place: str,
    handling_unit: Unit,
    place_unit: Unit | None = None,
    subject_member: Member | None = None,
    handler: Member | None = None,
    due_on: dt.date | None = None,
    actor: Any = None,
) -> Petition:
    """Register a petition received on `received_on` at `handling_unit`; its deadline is the
    rule set's unless given."""
    if kind not in PetitionKind.values:
        raise CosoError(f"Loại đơn: «{kind}» không hợp lệ.")
    if category not in PetitionCategory.values:
        raise CosoError(f"Lĩnh vực: «{category}» không hợp lệ.")
    _not_future(received_on, "Ngày nhận đơn")
    _alive(handling_unit, received_on, "Đơn vị giải quyết")
    if place_unit is not None:
        _alive(place_unit, received_on, "Nơi xảy ra")
    if handler is not None:
        _in_party(handler, "Người giải quyết")
        if subject_member is not None and handler.pk == subject_member.pk:
            raise CosoError("Người giải quyết: không được là người bị phản ánh, khiếu nại.")
    due = due_on or petition_due(kind, received_on)
    if due < received_on:
        raise CosoError(f"Hạn giải quyết: {fmt(due)} trước ngày nhận đơn {fmt(received_on)}.")
    petition = Petition.objects.create(
        kind=kind,
        category=category,
        received_on=received_on,
        petitioner_name=_text(petitioner_name, "Người gửi đơn", limit=200),
        petitioner_contact=_text(petitioner_contact, "Liên hệ", required=False, limit=300),
        summary=_text(summary, "Nội dung"),
        place=_text(place, "Nơi xảy ra", limit=300),
        place_unit=place_unit,
        subject_member=subject_member,
        handling_unit=handling_unit,
        handler=handler,
        due_on=due,
        recorded_by=_user(actor),
    )
    PetitionStep.objects.create(
        petition=petition,
        kind=StepKind.INTAKE,
        on=received_on,
        unit=handling_unit,
        due_on=due,
        recorded_by=_user(actor),
    )
    record_write(
        actor,
        AuditAction.PETITION_RECEIVE,
        petition,
        None,
        _petition_facts(petition),
        handling_unit,
    )
    return petition


def _open(petition: Petition) -> Petition:
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if locked.status != PetitionStatus.OPEN:
        raise CosoError(f"Đơn #{locked.pk}: đã giải quyết xong ngày {fmt(locked.resolved_on)}.")
    return locked


def _step_day(petition: Petition, on: dt.date) -> None:
    _not_future(on, "Ngày")
    last = petition.steps.order_by("-on").values_list("on", flat=True).first()
    if last is not None and on < last:
        raise CosoError(f"Ngày: {fmt(on)} trước bước xử lý gần nhất ({fmt(last)}).")


@transaction.atomic
def record_petition_step(
    petition: Petition,
    *,
    on: dt.date,
    text: str,
    handler: Member | None = None,
    actor: Any = None,
) -> PetitionStep:
    """A step taken (appended); `handler` names a new person handling it."""
    petition = _open(petition)
    _step_day(petition, on)
    clean = _text(text, "Nội dung xử lý")
    if handler is not None:
        _in_party(handler, "Người giải quyết")
        if petition.subject_member_id == handler.pk:
            raise CosoError("Người giải quyết: không được là người bị phản ánh, khiếu nại.")
        petition.handler = handler
        petition.save(update_fields=["handler"])
    step = PetitionStep.objects.create(
        petition=petition,
        kind=StepKind.ACTION,
        on=on,
        text=clean,
        unit=petition.handling_unit,
        recorded_by=_user(actor),
    )
    record_write(
        actor,
        AuditAction.PETITION_STEP,
        petition,
        None,
        {"on": on, "handler": handler.member_id if handler else None},
        petition.handling_unit,
    )
    return step


@transaction.atomic
def escalate_petition(
    petition: Petition, *, to: Unit, on: dt.date, reason: str, actor: Any = None
) -> Petition:
    """Pass the petition to a unit above its handling unit on `on`; the new deadline is the rule
    set's for escalated petitions. The unit it came from is kept in the step."""
    petition = _open(petition)
    _step_day(petition, on)
    clean = _text(reason, "Lý do chuyển")
    here = _alive(petition.handling_unit, on, "Đơn vị giải quyết")
    there = _alive(to, on, "Cấp trên nhận đơn")
    if to.pk == petition.handling_unit_id or not here.path.startswith(there.path):
        raise CosoError(
            f"Cấp trên nhận đơn: «{to.code}» không phải cấp trên của "
            f"«{petition.handling_unit.code}» vào ngày {fmt(on)}."
        )
    came_from = petition.handling_unit
    due = on + dt.timedelta(days=int(rule("petitions.escalated_days", on)))
    petition.handling_unit = to
    petition.handler = None
    petition.due_on = max(due, petition.received_on)
    petition.escalations += 1
    petition.save(update_fields=["handling_unit", "handler", "due_on", "escalations"])
    PetitionStep.objects.create(
        petition=petition,
        kind=StepKind.ESCALATION,
        on=on,
        text=clean,
        unit=to,
        from_unit=came_from,
        due_on=petition.due_on,
        recorded_by=_user(actor),
    )
    record_write(
        actor,
        AuditAction.PETITION_ESCALATE,
        petition,
        {"handling_unit": came_from.code},
        {"handling_unit": to.code, "on": on, "due_on": petition.due_on},
        to,
    )
    return petition


@transaction.atomic
def resolve_petition(
    petition: Petition,
    *,
    on: dt.date,
    resolution: str,
    satisfaction: str = Satisfaction.UNKNOWN,
    actor: Any = None,
) -> Petition:
    """Close the petition with its resolution and the petitioner's satisfaction."""
    petition = _open(petition)
    _step_day(petition, on)
    if on < petition.received_on:
        raise CosoError(f"Ngày giải quyết: {fmt(on)} trước ngày nhận đơn.")
    if satisfaction not in Satisfaction.values:
        raise CosoError(f"Ý kiến người gửi đơn: «{satisfaction}» không hợp lệ.")
    petition.resolution = _text(resolution, "Kết quả giải quyết")
    petition.satisfaction = satisfaction
    petition.status = PetitionStatus.RESOLVED
    petition.resolved_on = on
    petition.save(update_fields=["resolution", "satisfaction", "status", "resolved_on"])
    PetitionStep.objects.create(
        petition=petition,
        kind=StepKind.RESOLUTION,
        on=on,
        text=petition.resolution,
        unit=petition.handling_unit,
        recorded_by=_user(actor),
    )
    record_write(
        actor,
        AuditAction.PETITION_RESOLVE,
        petition,
        {"status": PetitionStatus.OPEN},
        {
            "status": PetitionStatus.RESOLVED,
            "on": on,
            "satisfaction": satisfaction,
            "late": on > petition.due_on,
        },
        petition.handling_unit,
    )
    return petition


@transaction.atomic
def link_case(petition: Petition, case: ViolationCase, *, actor: Any = None) -> PetitionCase:
    """Link a violation case to the petition it came from: both handled on one line of the
    tree today (the case by the petition's handling unit, one above it or one below it)."""
    day = today()
    here = _alive(petition.handling_unit, day, "Đơn vị giải quyết đơn")
    there = _alive(case.handling_unit, day, "Đơn vị xử lý vụ việc")
    if not (here.path.startswith(there.path) or there.path.startswith(here.path)):
        raise CosoError(
            f"Vụ việc số {case.pk}: do «{case.handling_unit.code}» xử lý, không cùng tuyến với "
            f"«{petition.handling_unit.code}» đang giải quyết đơn."
        )
    if PetitionCase.objects.filter(petition=petition, case=case).exists():
        raise CosoError(f"Vụ việc số {case.pk} đã được liên kết với đơn này.")
    link = PetitionCase.objects.create(petition=petition, case=case, linked_by=_user(actor))
    record_write(
        actor,
        AuditAction.PETITION_LINK_CASE,
        petition,
        None,
        {"case": case.pk, "case_unit": case.handling_unit.code},
        petition.handling_unit,
    )
    return link
