"""Writes of oversight: cases, their files, inspection plans, discipline decisions, appeals.

Each function is one transaction and writes its audit entry, except `decide_discipline`, which
is the domain function of the discipline acts (coso.oversight.acts): the catalogue's `execute`
runs it and writes the act's entry in the same transaction (directly, or on the decision of a
proposal). Its effects go through the existing operations in that transaction: removal from
post ends the position, expulsion ends the membership, dissolution ends the unit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from coso.audit.actions import AuditAction
from coso.audit.log import Actor, record_write
from coso.core.dates import fmt, today
from coso.core.errors import CosoError
from coso.core.files import write_new
from coso.core.models import Decision
from coso.core.rules import ruleset
from coso.meetings.documents import check_upload
from coso.members import operations as mops
from coso.members.models import Member, MemberSpan, MemberStatus, Position
from coso.oversight.models import (
    Appeal,
    AppealOutcome,
    CaseFile,
    CaseSource,
    CaseStatus,
    DecisionStatus,
    DisciplineDecision,
    DisciplineForm,
    InspectionPlan,
    PlanKind,
    ViolationCase,
    ViolationItem,
)
from coso.oversight.statute import StatuteCheck, check_statute
from coso.units import operations as uops
from coso.units.models import Unit, UnitSpan

FOLDER = "cases"


def _user(actor: Any) -> Any:
    found = Actor.of(actor) if actor is not None else None
    return found.user if found is not None and found.authenticated else None


def form_label(form: str) -> str:
    try:
        return str(DisciplineForm(form).label)
    except ValueError:
        return form


def _span(unit: Unit, on: dt.date) -> UnitSpan:
    spans = UnitSpan.objects.filter(unit=unit)
    found = spans.filter(valid_from__lte=on, valid_to__gt=on).first()
    if found is None:
        found = spans.order_by("-valid_from").first()
    if found is None:
        raise CosoError(f"Đơn vị «{unit.code}» không có trong cây tổ chức.")
    return found


def subject_label(subject: Member | Unit) -> str:
    if isinstance(subject, Member):
        return f"đảng viên {subject.full_name} ({subject.member_id})"
    return f"tổ chức đảng «{subject.code}»"


def _subject_unit(subject: Member | Unit, on: dt.date) -> Unit:
    if isinstance(subject, Unit):
        return subject
    span = (
        MemberSpan.objects.filter(member=subject, valid_from__lte=on, valid_to__gt=on)
        .select_related("unit")
        .first()
    ) or MemberSpan.objects.filter(member=subject, valid_from__lte=on).order_by(
        "-valid_from"
    ).select_related("unit").first()
    if span is None:
        raise CosoError(
            f"{subject_label(subject).capitalize()} chưa là đảng viên vào ngày {fmt(on)}."
        )
    return span.unit


# --- cases ------------------------------------------------------------------------------------


@transaction.atomic
def open_case(
    *,
    subject: Member | Unit,
    handling_unit: Unit,
    source: str,
    title: str,
    facts: str,
    violated_on: dt.date,
    opened_on: dt.date,
    items: Iterable[ViolationItem] = (),
    plan: InspectionPlan | None = None,
    actor: Any = None,
) -> ViolationCase:
    """Open a violation case against a member or an organization, handled by `handling_unit`:
    the subject's own unit or one above it on `opened_on`."""
    if source not in CaseSource.values:
        raise CosoError(f"Nguồn phát hiện «{source}» không hợp lệ.")
    if not title.strip() or not facts.strip():
        raise CosoError("Cần ghi tiêu đề và nội dung vụ việc.")
    if violated_on > opened_on:
        raise CosoError(
            f"Ngày vi phạm {fmt(violated_on)} sau ngày mở hồ sơ {fmt(opened_on)}: không hợp lệ."
        )
    where = _subject_unit(subject, opened_on)
    here, handler = _span(where, opened_on), _span(handling_unit, opened_on)
    if not here.path.startswith(handler.path):
        raise CosoError(
            f"«{handling_unit.code}» không phải là tổ chức quản lý {subject_label(subject)} "
            f"(đơn vị «{where.code}») hay cấp trên của tổ chức đó vào ngày {fmt(opened_on)}."
        )
    if plan is not None and plan.unit_id != handling_unit.pk:
        raise CosoError(f"Kế hoạch kiểm tra số {plan.pk} không thuộc «{handling_unit.code}».")
    case = ViolationCase.objects.create(
        member=subject if isinstance(subject, Member) else None,
        unit=subject if isinstance(subject, Unit) else None,
        handling_unit=handling_unit,
        source=source,
        plan=plan,
        title=title.strip(),
        facts=facts.strip(),
        violated_on=violated_on,
        opened_on=opened_on,
        created_by=_user(actor),
    )
    chosen = list(items)
    case.items.set(chosen)
    record_write(
        actor,
        AuditAction.CASE_OPEN,
        case,
        None,
        {
            "subject": subject_label(subject),
            "source": source,
            "items": [i.code for i in chosen],
            "violated_on": violated_on,
            "opened_on": opened_on,
        },
        handling_unit,
    )
    return case


@transaction.atomic
def close_case(case: ViolationCase, *, on: dt.date, conclusion: str, actor: Any = None) -> None:
    """End a case without discipline (no violation found, or not to the level of discipline)."""
    case = ViolationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.OPEN:
        raise CosoError(f"Hồ sơ số {case.pk} không còn đang xem xét ({case.get_status_display()}).")
    if not conclusion.strip():
        raise CosoError(f"Hồ sơ số {case.pk}: cần ghi kết luận khi kết thúc không kỷ luật.")
    if on < case.opened_on:
        raise CosoError(f"Hồ sơ số {case.pk}: ngày kết thúc {fmt(on)} trước ngày mở hồ sơ.")
    case.status, case.closed_on, case.conclusion = CaseStatus.CLOSED, on, conclusion.strip()
    case.save(update_fields=["status", "closed_on", "conclusion"])
    record_write(
        actor,
        AuditAction.CASE_CLOSE,
        case,
        {"status": "open"},
        {"status": "closed", "on": on},
        case.handling_unit,
    )


@transaction.atomic
def attach_case_file(case: ViolationCase, *, name: str, data: bytes, actor: Any = None) -> CaseFile:
    """Check (type, size and structure, as meeting documents) and store one evidence file of
    the case under VAR_DIR/cases, outside the web root; a refusal writes nothing."""
    clean, extension = check_upload(name, data, on=today())
    path = write_new(FOLDER, extension, data)
    try:
        stored = CaseFile.objects.create(
            case=case,
            name=clean,
            stored_name=path.name,
            file_type=extension,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=_user(actor),
        )
        record_write(
            actor,
            AuditAction.CASE_FILE,
            case,
            None,
            {"file": clean, "size": len(data), "sha256": stored.sha256},
            case.handling_unit,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return stored


# --- inspection and supervision plans -----------------------------------------------------------


@transaction.atomic
def add_inspection_plan(
    unit: Unit,
    *,
    kind: str,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    targets: str,
    actor: Any = None,
) -> InspectionPlan:
    if kind not in PlanKind.values:
        raise CosoError(f"Loại kế hoạch «{kind}» không hợp lệ (inspection, supervision).")
    if period_end < period_start:
        raise CosoError(
            f"Kế hoạch «{title}»: ngày kết thúc {fmt(period_end)} trước ngày bắt đầu "
            f"{fmt(period_start)}."
        )
    if not title.strip() or not targets.strip():
        raise CosoError("Cần ghi tên kế hoạch và đối tượng, nội dung kiểm tra, giám sát.")
    plan = InspectionPlan.objects.create(
        unit=unit,
        kind=kind,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        targets=targets.strip(),
        created_by=_user(actor),
    )
    record_write(
        actor,
        AuditAction.INSPECTION_PLAN,
        plan,
        None,
        {"kind": kind, "title": plan.title, "from": period_start, "to": period_end},
        unit,
    )
    return plan


@transaction.atomic
def record_plan_result(
    plan: InspectionPlan, *, result: str, on: dt.date, actor: Any = None
) -> InspectionPlan:
    if not result.strip():
        raise CosoError(f"Kế hoạch số {plan.pk}: cần ghi kết quả.")
    if on < plan.period_start:
        raise CosoError(f"Kế hoạch số {plan.pk}: ngày kết luận {fmt(on)} trước khi bắt đầu.")
    before = {"result": plan.result, "on": plan.result_on}
    plan.result, plan.result_on = result.strip(), on
    plan.save(update_fields=["result", "result_on"])
    record_write(actor, AuditAction.INSPECTION_RESULT, plan, before, {"on": on}, plan.unit)
    return plan


# --- discipline ---------------------------------------------------------------------------------


def _forms_for(subject: Member | Unit, on: dt.date) -> tuple[list[str], str]:
    """The forms allowed for the subject on `on`, and the member's status (or "unit")."""
    values, _source = ruleset("discipline", on)
    if isinstance(subject, Unit):
        return list(values["unit_forms"]), "unit"
    span = MemberSpan.objects.filter(member=subject, valid_from__lte=on, valid_to__gt=on).first()
    if span is None:
        raise CosoError(
            f"{subject_label(subject).capitalize()} không là đảng viên vào ngày {fmt(on)}: "
            "không thể quyết định kỷ luật."
        )
    if span.status == MemberStatus.PROBATIONARY:
        return list(values["probationary_forms"]), span.status
    return list(values["member_forms"]), span.status


def _refuse_form(subject: Member | Unit, form: str, on: dt.date) -> None:
    allowed, status = _forms_for(subject, on)
    if form in allowed:
        return
    names = ", ".join(form_label(f).lower() for f in allowed)
    who = subject_label(subject).capitalize()
    if status == "unit":
        raise CosoError(
            f"{who}: hình thức «{form_label(form)}» không áp dụng cho tổ chức đảng; tổ chức đảng "
            f"chỉ bị {names} (Quy định 69-QĐ/TW)."
        )
    if status == MemberStatus.PROBATIONARY:
        raise CosoError(
            f"{who} là đảng viên dự bị: chỉ bị kỷ luật {names}, không thể "
            f"«{form_label(form).lower()}» (Quy định 69-QĐ/TW); nếu không đủ tư cách thì xóa tên "
            "khỏi danh sách đảng viên dự bị."
        )
    raise CosoError(
        f"{who}: hình thức «{form_label(form)}» chỉ áp dụng cho tổ chức đảng; đảng viên bị "
        f"{names} (Quy định 69-QĐ/TW)."
    )


def statute_for(case: ViolationCase, form: str, on: dt.date) -> StatuteCheck:
    """The statute of limitations of `form` on `case` decided on `on` (the subject's newer
    violations, from its other cases, restart the clock)."""
    others = ViolationCase.objects.exclude(pk=case.pk).filter(
        violated_on__gt=case.violated_on, violated_on__lte=on
    )
    others = others.filter(member=case.member) if case.member_id else others.filter(unit=case.unit)
    return check_statute(
        "member" if case.member_id else "unit",
        form,
        case.violated_on,
        newer_violations=list(others.values_list("violated_on", flat=True)),
        on=on,
    )


def _post_to_remove(member: Member, on: dt.date, position: Position | None) -> Position:
    held = list(
        Position.objects.filter(member=member, valid_from__lt=on, valid_to__gt=on)
        .select_related("unit")
        .order_by("valid_from")
    )
    who = subject_label(member).capitalize()
    if not held:
        raise CosoError(
            f"{who} không giữ chức vụ nào trong Đảng vào ngày {fmt(on)}: không thể cách chức."
        )
    if position is not None:
        if position.pk not in {p.pk for p in held}:
            raise CosoError(f"{who} không giữ chức vụ số {position.pk} vào ngày {fmt(on)}.")
        return position
    if len(held) > 1:
        posts = "; ".join(f"số {p.pk}: {p.get_role_display()} ở {p.unit.code}" for p in held)
        raise CosoError(f"{who} giữ nhiều chức vụ ({posts}): chọn chức vụ bị cách chức.")
    return held[0]


def decide_discipline(
    case: ViolationCase,
    *,
    form: str,
    body: Unit,
    on: dt.date,
    decision: Decision | None,
    override_reason: str = "",
    position: Position | None = None,
    note: str = "",
    user: Any = None,
) -> DisciplineDecision:
    """Decide `form` on the case's subject by `body` on `on`, with its effect.

    Refused: a case not open; a form the subject may not receive (organizations: reprimand,
    warning, dissolution; probationary members: reprimand, warning); removal from post of a
    member without a post; past the statute of limitations unless `override_reason` is given
    (it is recorded). Expulsion ends the membership (members.operations.expel_member),
    removal from post ends the position (end_position), dissolution ends the unit
    (units.operations.dissolve_unit), in the caller's transaction."""
    with transaction.atomic():
        case = (
            ViolationCase.objects.select_for_update(of=("self",))
            .select_related("member", "unit", "handling_unit")
            .get(pk=case.pk)
        )
        if form not in DisciplineForm.values:
            raise CosoError(f"Hình thức kỷ luật «{form}» không hợp lệ.")
        if case.status != CaseStatus.OPEN:
            raise CosoError(
                f"Hồ sơ số {case.pk} không còn đang xem xét ({case.get_status_display()}): "
                "không quyết định kỷ luật được."
            )
        subject: Member | Unit = case.member if case.member_id else case.unit  # type: ignore[assignment]
        if on < case.violated_on:
            raise CosoError(
                f"Hồ sơ số {case.pk}: ngày quyết định {fmt(on)} trước ngày vi phạm "
                f"{fmt(case.violated_on)}."
            )
        _refuse_form(subject, form, on)
        statute = statute_for(case, form, on)
        reason = (override_reason or "").strip()
        if statute.expired and not reason:
            assert statute.ends is not None
            restarted = " (tính lại từ vi phạm mới)" if statute.restarted else ""
            raise CosoError(
                f"Hồ sơ số {case.pk}: hết thời hiệu kỷ luật «{form_label(form).lower()}» "
                f"({statute.years} năm từ ngày vi phạm {fmt(statute.start)}{restarted}, hết ngày "
                f"{fmt(statute.ends)}); chỉ quyết định được khi ghi rõ lý do không áp dụng thời "
                "hiệu."
            )
        ended: Position | None = None
        if form == DisciplineForm.REMOVAL_FROM_POST:
            assert isinstance(subject, Member)
            ended = mops.end_position(_post_to_remove(subject, on, position), on=on)
        elif form == DisciplineForm.EXPULSION:
            assert isinstance(subject, Member)
            mops.expel_member(subject, on=on, decision=decision)
        elif form == DisciplineForm.DISSOLUTION:
            assert isinstance(subject, Unit)
            uops.dissolve_unit(subject, on=on, decision=decision)
        made = DisciplineDecision.objects.create(
            case=case,
            member=case.member,
            unit=case.unit,
            form=form,
            body=body,
            decision=decision,
            decided_on=on,
            position=ended,
            limitation_years=statute.years,
            limitation_from=statute.start,
            limitation_ends=statute.ends,
            statute_expired=statute.expired,
            override_reason=reason if statute.expired else "",
            note=(note or "").strip(),
            created_by=_user(user),
        )
        case.status = CaseStatus.DECIDED
        case.closed_on = on
        case.save(update_fields=["status", "closed_on"])
    return made


# --- appeals ------------------------------------------------------------------------------------


@transaction.atomic
def lodge_appeal(
    decision: DisciplineDecision, *, lodged_on: dt.date, grounds: str, actor: Any = None
) -> Appeal:
    """Record an appeal against a decision in force (to the level above its deciding body)."""
    current = DisciplineDecision.objects.select_for_update().get(pk=decision.pk)
    if current.status != DecisionStatus.IN_FORCE:
        raise CosoError(
            f"Quyết định kỷ luật số {current.pk} không còn hiệu lực "
            f"({current.get_status_display()}): không khiếu nại được."
        )
    if lodged_on < current.decided_on:
        raise CosoError(
            f"Ngày khiếu nại {fmt(lodged_on)} trước ngày quyết định {fmt(current.decided_on)}."
        )
    if not grounds.strip():
        raise CosoError("Cần ghi nội dung khiếu nại.")
    if Appeal.objects.filter(decision=current, outcome=AppealOutcome.PENDING).exists():
        raise CosoError(f"Quyết định kỷ luật số {current.pk} đã có khiếu nại đang xem xét.")
    appeal = Appeal.objects.create(
        decision=current, lodged_on=lodged_on, grounds=grounds.strip(), created_by=_user(actor)
    )
    record_write(
        actor,
        AuditAction.APPEAL_LODGE,
        current.case,
        None,
        {"decision": current.pk, "appeal": appeal.pk, "lodged_on": lodged_on},
        current.case.handling_unit,
    )
    return appeal


def is_above(upper: Unit, lower: Unit, on: dt.date) -> bool:
    """Whether `upper` stands strictly above `lower` in the tree on `on`."""
    top, low = _span(upper, on), _span(lower, on)
    return upper.pk != lower.pk and low.path.startswith(top.path)


@transaction.atomic
def decide_appeal(
    appeal: Appeal,
    *,
    outcome: str,
    on: dt.date,
    decided_by: Unit,
    decision: Decision | None,
    new_form: str = "",
    reason: str = "",
    actor: Any = None,
) -> Appeal:
    """The level above the deciding body decides the appeal: upheld, reduced to a lighter form
    (a new decision; the old one stays, marked reduced), or annulled (marked, never deleted).
    The effects of an annulled or reduced expulsion, removal or dissolution are not undone here:
    membership, posts and units are restored by their own operations."""
    current = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("decision__case")
        .get(pk=appeal.pk)
    )
    original = current.decision
    if current.outcome != AppealOutcome.PENDING:
        raise CosoError(f"Khiếu nại số {current.pk} đã được giải quyết.")
    if outcome not in (AppealOutcome.UPHELD, AppealOutcome.REDUCED, AppealOutcome.ANNULLED):
        raise CosoError(f"Kết quả «{outcome}» không hợp lệ (upheld, reduced, annulled).")
    if on < current.lodged_on:
        raise CosoError(f"Khiếu nại số {current.pk}: ngày giải quyết trước ngày khiếu nại.")
    if decision is None:
        raise CosoError(f"Khiếu nại số {current.pk}: cần số quyết định giải quyết khiếu nại.")
    if not is_above(decided_by, original.body, on):
        raise CosoError(
            f"Khiếu nại số {current.pk}: «{decided_by.code}» không phải cấp trên của cấp đã quyết "
            f"định kỷ luật «{original.body.code}»."
        )
    if outcome != AppealOutcome.UPHELD and not reason.strip():
        raise CosoError(f"Khiếu nại số {current.pk}: cần ghi lý do giảm hoặc hủy hình thức.")
    replacement: DisciplineDecision | None = None
    if outcome == AppealOutcome.REDUCED:
        values, _source = ruleset("discipline", on)
        order = list(values["severity"])
        if new_form not in order or order.index(new_form) >= order.index(original.form):
            raise CosoError(
                f"Khiếu nại số {current.pk}: hình thức mới phải nhẹ hơn "
                f"«{form_label(original.form).lower()}»."
            )
        subject: Member | Unit = original.member or original.unit  # type: ignore[assignment]
        allowed = values["unit_forms"] if original.unit_id else values["member_forms"]
        if new_form not in allowed:
            raise CosoError(
                f"Hình thức «{form_label(new_form)}» không áp dụng cho {subject_label(subject)}."
            )
        original.status = DecisionStatus.REDUCED
        original.save(update_fields=["status"])
        replacement = DisciplineDecision.objects.create(
            case=original.case,
            member=original.member,
            unit=original.unit,
            form=new_form,
            body=decided_by,
            decision=decision,
            decided_on=on,
            limitation_years=original.limitation_years,
            limitation_from=original.limitation_from,
            limitation_ends=original.limitation_ends,
            statute_expired=original.statute_expired,
            override_reason=original.override_reason,
            replaces=original,
            note=reason.strip(),
            created_by=_user(actor),
        )
    elif outcome == AppealOutcome.ANNULLED:
        original.status = DecisionStatus.ANNULLED
        original.save(update_fields=["status"])
    current.outcome = outcome
    current.decided_on = on
    current.decided_by = decided_by
    current.outcome_decision = decision
    current.new_decision = replacement
    current.reason = reason.strip()
    current.save()
    record_write(
        actor,
        AuditAction.APPEAL_DECIDE,
        original.case,
        {"decision": original.pk, "form": original.form},
        {
            "outcome": outcome,
            "new_form": new_form or None,
            "decision_number": decision.number,
            "on": on,
        },
        original.case.handling_unit,
    )
    return current
