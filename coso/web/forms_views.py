"""Write pages: lifecycle and reorganization forms, reorganization plans, imports.

Each view is thin: who asks (the object is loaded with get_unit_for_user / get_member_for_user
and the action the operation needs, so anything out of scope answers 404), validate with a
Django form, call ONE domain function, record the write in the audit trail, render. A refusal
(CosoError) is shown on the form and nothing is written: the whole write, the decision it
creates included, runs in one transaction.

Reorganizations are previewed first: the operation is applied inside a transaction that is
rolled back, so the consequences shown (units changed or ended, members re-homed) are exactly
what confirming will do; the same approach as `apply_plan(..., dry_run=True)` for plan files.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coso.audit.log import Actor, AuditAction, record_write
from coso.authority.scope import (
    GRANTS,
    Action,
    Scope,
    get_member_for_user,
    get_unit_for_user,
    scope_of,
)
from coso.core.dates import FAR_FUTURE, fmt, today
from coso.core.errors import CosoError, RowError, RowErrors
from coso.core.tabular import read_table
from coso.members import operations as mops
from coso.members.models import IN_PARTY, Member, MemberSpan, MemberStatus
from coso.units import operations as uops
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.plans import apply_plan
from coso.web import forms as f
from coso.web import imports
from coso.web.models import ImportJob, ImportKind

PREVIEW_LIMIT = 200  # rows listed in a preview; the counts are always complete

Runner = Callable[[Any, Any], Any]  # (form, subject) -> what the domain function returned


@dataclass(frozen=True)
class Operation:
    slug: str
    title: Any  # lazy translation
    form: type[f.OperationForm]
    run: Runner  # calls exactly one domain function
    action: Action
    preview: bool = False
    danger: bool = False


def _d(form: f.OperationForm) -> dict[str, Any]:
    return form.cleaned_data


MEMBER_OPERATIONS: list[Operation] = [
    Operation(
        "recognize",
        gettext_lazy("Công nhận đảng viên chính thức"),
        f.RecognizeForm,
        lambda fm, m: mops.recognize_member(m, decided_on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "reject_recognition",
        gettext_lazy("Không công nhận chính thức (xóa tên khỏi danh sách dự bị)"),
        f.RecognizeForm,
        lambda fm, m: mops.reject_recognition(m, decided_on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Operation(
        "transfer_out",
        gettext_lazy("Chuyển sinh hoạt đi"),
        f.TransferOutForm,
        lambda fm, m: mops.transfer_out(
            m, on=fm.day(), to_unit=_d(fm)["to_unit"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "receive",
        gettext_lazy("Tiếp nhận sinh hoạt"),
        f.ReceiveForm,
        lambda fm, m: mops.receive_member(
            m,
            on=fm.day(),
            branch=_d(fm)["branch"],
            group=_d(fm)["group"],
            decision=fm.decision(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "transfer_out_of_system",
        gettext_lazy("Chuyển ra ngoài hệ thống"),
        f.SimpleMemberForm,
        lambda fm, m: mops.transfer_out_of_system(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "temporary_start",
        gettext_lazy("Chuyển sinh hoạt tạm thời"),
        f.TemporaryStartForm,
        lambda fm, m: mops.start_temporary_transfer(
            m, on=fm.day(), host_unit=_d(fm)["host_unit"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "temporary_end",
        gettext_lazy("Kết thúc sinh hoạt tạm thời"),
        f.SimpleMemberForm,
        lambda fm, m: mops.end_temporary_transfer(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "exempt",
        gettext_lazy("Miễn công tác và sinh hoạt"),
        f.ExemptForm,
        lambda fm, m: mops.exempt_member(
            m,
            on=fm.day(),
            reason=_d(fm)["reason"],
            illness_months=_d(fm)["illness_months"],
            decision=fm.decision(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "return",
        gettext_lazy("Trở lại sinh hoạt"),
        f.SimpleMemberForm,
        lambda fm, m: mops.return_from_exemption(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "strike_off",
        gettext_lazy("Xóa tên"),
        f.StrikeOffForm,
        lambda fm, m: mops.strike_off(
            m, on=fm.day(), reason=_d(fm)["reason"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Operation(
        "expel",
        gettext_lazy("Khai trừ"),
        f.SimpleMemberForm,
        lambda fm, m: mops.expel_member(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Operation(
        "leave",
        gettext_lazy("Xin ra khỏi Đảng"),
        f.SimpleMemberForm,
        lambda fm, m: mops.record_leaving(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Operation(
        "death",
        gettext_lazy("Từ trần"),
        f.DeathForm,
        lambda fm, m: mops.record_death(m, on=fm.day()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Operation(
        "readmit",
        gettext_lazy("Kết nạp lại"),
        f.ReadmitForm,
        lambda fm, m: mops.readmit_member(
            m,
            admitted_on=fm.day(),
            branch=_d(fm)["branch"],
            ceremony_on=_d(fm)["ceremony_on"],
            group=_d(fm)["group"],
            family_hardship=_d(fm)["family_hardship"],
            decision=fm.decision(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "change_group",
        gettext_lazy("Chuyển tổ đảng"),
        f.ChangeGroupForm,
        lambda fm, m: mops.change_group(
            m, on=fm.day(), group=_d(fm)["group"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "assign_position",
        gettext_lazy("Giao chức vụ"),
        f.AssignPositionForm,
        lambda fm, m: mops.assign_position(
            m, _d(fm)["unit"], _d(fm)["role"], on=fm.day(), decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "end_position",
        gettext_lazy("Thôi giữ chức vụ"),
        f.EndPositionForm,
        lambda fm, m: mops.end_position(_d(fm)["item"], on=fm.day()),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "add_participation",
        gettext_lazy("Ghi tham gia sinh hoạt nơi khác"),
        f.ParticipationForm,
        lambda fm, m: mops.add_participation(
            m, _d(fm)["unit"], _d(fm)["kind"], on=fm.day(), note=_d(fm)["note"]
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "end_participation",
        gettext_lazy("Kết thúc tham gia sinh hoạt nơi khác"),
        f.EndParticipationForm,
        lambda fm, m: mops.end_participation(_d(fm)["item"], on=fm.day()),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "add_external_role",
        gettext_lazy("Ghi vai trò ngoài Đảng"),
        f.ExternalRoleForm,
        lambda fm, m: mops.add_external_role(
            m, title=_d(fm)["title"], body=_d(fm)["body"], unit=_d(fm)["unit"], on=fm.day()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "end_external_role",
        gettext_lazy("Kết thúc vai trò ngoài Đảng"),
        f.EndExternalRoleForm,
        lambda fm, m: mops.end_external_role(_d(fm)["item"], on=fm.day()),
        Action.MANAGE_MEMBERS,
    ),
]

UNIT_OPERATIONS: list[Operation] = [
    Operation(
        "admit",
        gettext_lazy("Kết nạp đảng viên"),
        f.AdmitForm,
        lambda fm, u: mops.admit_member(
            member_id=_d(fm)["member_id"],
            full_name=_d(fm)["full_name"],
            gender=_d(fm)["gender"],
            birth_date=_d(fm)["birth_date"],
            branch=u,
            admitted_on=fm.day(),
            ceremony_on=_d(fm)["ceremony_on"],
            group=_d(fm)["group"],
            introducers=_d(fm)["introducers"],
            introduced_by_youth_union=_d(fm)["introduced_by_youth_union"],
            decision=fm.decision(),
            **fm.profile(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Operation(
        "create",
        gettext_lazy("Thành lập đơn vị trực thuộc"),
        f.CreateUnitForm,
        lambda fm, u: uops.create_unit(
            code=_d(fm)["code"],
            name=_d(fm)["name"],
            kind=_d(fm)["kind"],
            parent=u,
            on=fm.day(),
            tags=_d(fm)["tags"],
            decision=fm.decision(),
        ),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Operation(
        "rename",
        gettext_lazy("Đổi tên"),
        f.RenameUnitForm,
        lambda fm, u: uops.rename_unit(u, name=_d(fm)["name"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Operation(
        "retype",
        gettext_lazy("Đổi loại hình"),
        f.RetypeUnitForm,
        lambda fm, u: uops.retype_unit(u, kind=_d(fm)["kind"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Operation(
        "retag",
        gettext_lazy("Đổi phân loại"),
        f.RetagUnitForm,
        lambda fm, u: uops.retag_unit(u, tags=_d(fm)["tags"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Operation(
        "move",
        gettext_lazy("Chuyển trực thuộc"),
        f.MoveUnitForm,
        lambda fm, u: uops.move_unit(
            u, parent=_d(fm)["parent"], on=fm.day(), decision=fm.decision()
        ),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Operation(
        "merge",
        gettext_lazy("Sáp nhập vào đơn vị khác"),
        f.MergeUnitForm,
        lambda fm, u: uops.merge_units(u, into=_d(fm)["into"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
        danger=True,
    ),
    Operation(
        "dissolve",
        gettext_lazy("Giải thể"),
        f.DissolveUnitForm,
        lambda fm, u: uops.dissolve_unit(u, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
        danger=True,
    ),
]

MEMBER_OPS = {op.slug: op for op in MEMBER_OPERATIONS}
UNIT_OPS = {op.slug: op for op in UNIT_OPERATIONS}


def can_anywhere(scope: Scope, action: Action) -> bool:
    """Whether some role of the user grants `action` (on any unit)."""
    return scope.is_admin or any(action in GRANTS[r.kind] for r in scope.reaches)


def unit_operations_for(user: Any, unit: Unit, span: UnitSpan | None = None) -> list[Operation]:
    """The operations the user may open on `unit`'s page (`span`: the one the page shows)."""
    scope = scope_of(user)
    day = today()
    if unit.valid_to <= day:
        return []
    if span is None or not (span.unit_id == unit.pk and span.valid_from <= day < span.valid_to):
        span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        return []
    current: UnitSpan = span

    def can(action: Action) -> bool:
        # Scope.can, on the span already at hand (the unit page must not cost more queries).
        return scope.is_admin or any(
            action in GRANTS[r.kind]
            and r.valid_from <= day < r.valid_to
            and current.path.startswith(r.path)
            for r in scope.reaches
        )

    allowed = {a: can(a) for a in (Action.MANAGE_MEMBERS, Action.MANAGE_UNITS)}
    return [
        op
        for op in UNIT_OPERATIONS
        if allowed[op.action] and (op.slug != "admit" or current.kind in HOME_KINDS)
    ]


def _relevant(op: Operation, member: Member) -> bool:
    """Whether the button makes sense for the member as they stand today (the forms still
    accept any operation: the domain decides, on the date typed)."""
    if op.slug == "readmit":
        return member.status in mops.READMITTABLE
    if member.status not in IN_PARTY:
        return False
    if op.slug in ("recognize", "reject_recognition"):
        return member.status == MemberStatus.PROBATIONARY
    if op.slug in ("receive", "transfer_out"):
        return member.in_transit == (op.slug == "receive")
    if op.slug in ("return", "exempt"):
        return member.exempt == (op.slug == "return")
    return True


def member_operations_for(user: Any, member: Member) -> list[Operation]:
    if not scope_of(user).can_member(Action.MANAGE_MEMBERS, member):
        return []
    return [op for op in MEMBER_OPERATIONS if _relevant(op, member)]


# --------------------------------------------------------------------------------------------
# What was written: facts for the audit trail


def member_facts(member: Member) -> dict[str, Any]:
    member.refresh_from_db()
    return {
        "status": member.status,
        "home_unit": member.home_unit.code if member.home_unit else None,
        "in_transit": member.in_transit,
        "exempt": member.exempt,
        "ended_on": member.ended_on,
    }


def unit_facts(unit: Unit, on: dt.date) -> dict[str, Any]:
    span = (
        UnitSpan.objects.filter(unit=unit, valid_from__lte=on, valid_to__gt=on)
        .select_related("parent")
        .first()
    )
    if span is None:
        unit.refresh_from_db()
        return {"ended_on": unit.valid_to if unit.valid_to < FAR_FUTURE else None}
    return {
        "name": span.name,
        "kind": span.kind,
        "parent": span.parent.code if span.parent else None,
        "tags": span.tag_list,
    }


def _result_facts(result: Any) -> dict[str, Any]:
    """What the domain function returned, when it is not the subject itself."""
    if isinstance(result, Member | Unit) or result is None:
        return {}
    facts: dict[str, Any] = {"record": f"{result._meta.label_lower}:{result.pk}"}
    for name in ("kind", "role", "title", "valid_from", "valid_to", "details"):
        if hasattr(result, name):
            facts[name] = getattr(result, name)
    return facts


# --------------------------------------------------------------------------------------------
# Preview of consequences


@dataclass
class Consequences:
    units: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, change
    ended: list[tuple[str, str]] = field(default_factory=list)  # code, name
    members: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, name, from, to
    unit_count: int = 0
    ended_count: int = 0
    member_count: int = 0


def _describe_change(old: UnitSpan | None, new: UnitSpan) -> str:
    if old is None:
        parent = new.parent.code if new.parent else _("gốc")
        return _("thành lập, trực thuộc %(parent)s") % {"parent": parent}
    changes = []
    if old.name != new.name:
        changes.append(_("đổi tên từ «%(old)s»") % {"old": old.name})
    if old.kind != new.kind:
        changes.append(_("đổi loại từ %(old)s sang %(new)s") % {"old": old.kind, "new": new.kind})
    if old.parent_id != new.parent_id:
        changes.append(
            _("chuyển từ %(old)s sang %(new)s")
            % {
                "old": old.parent.code if old.parent else _("gốc"),
                "new": new.parent.code if new.parent else _("gốc"),
            }
        )
    elif old.path != new.path:
        changes.append(_("chuyển theo đơn vị cấp trên"))
    if old.tags != new.tags:
        changes.append(_("đổi phân loại"))
    return "; ".join(changes) or _("cập nhật")


def preview_consequences(apply: Callable[[], Any], on: dt.date) -> Consequences:
    """Apply, read what changed on `on`, roll back. CosoError propagates (nothing written)."""
    top_unit_span = UnitSpan.objects.aggregate(top=Max("pk"))["top"] or 0
    top_member_span = MemberSpan.objects.aggregate(top=Max("pk"))["top"] or 0
    ended_before = set(Unit.objects.filter(valid_to=on).values_list("pk", flat=True))
    result = Consequences()
    with transaction.atomic():
        try:
            apply()
            new_spans = list(
                UnitSpan.objects.filter(pk__gt=top_unit_span)
                .select_related("unit", "parent")
                .order_by("path")
            )
            old_spans = {
                s.unit_id: s
                for s in UnitSpan.objects.filter(
                    unit_id__in=[s.unit_id for s in new_spans], valid_to=on
                ).select_related("parent")
            }
            result.unit_count = len(new_spans)
            result.units = [
                (s.unit.code, s.name, _describe_change(old_spans.get(s.unit_id), s))
                for s in new_spans[:PREVIEW_LIMIT]
            ]
            ended = Unit.objects.filter(valid_to=on).exclude(pk__in=ended_before)
            result.ended_count = ended.count()
            for unit in ended.order_by("code")[:PREVIEW_LIMIT]:
                last = unit.spans.order_by("-valid_from").first()
                result.ended.append((unit.code, last.name if last else ""))
            new_member_spans = list(
                MemberSpan.objects.filter(pk__gt=top_member_span, valid_from=on).values_list(
                    "member_id", "unit_id"
                )
            )
            before = dict(
                MemberSpan.objects.filter(
                    member_id__in=[m for m, _u in new_member_spans], valid_to=on
                ).values_list("member_id", "unit_id")
            )
            moved = [
                (m, before[m], u) for m, u in new_member_spans if m in before and before[m] != u
            ]
            result.member_count = len(moved)
            shown = moved[:PREVIEW_LIMIT]
            names = dict(
                Member.objects.filter(pk__in=[m for m, _a, _b in shown]).values_list(
                    "pk", "member_id"
                )
            )
            full = dict(
                Member.objects.filter(pk__in=[m for m, _a, _b in shown]).values_list(
                    "pk", "full_name"
                )
            )
            codes = dict(
                Unit.objects.filter(
                    pk__in={a for _m, a, _b in shown} | {b for _m, _a, b in shown}
                ).values_list("pk", "code")
            )
            result.members = [(names[m], full[m], codes[a], codes[b]) for m, a, b in shown]
        finally:
            transaction.set_rollback(True)
    return result


# --------------------------------------------------------------------------------------------
# Operation pages


def _operation_page(
    request: HttpRequest, op: Operation, subject: Any, back: str, heading: str
) -> HttpResponse:
    form = op.form(request.POST or None, user=request.user, subject=subject)
    context: dict[str, Any] = {"op": op, "form": form, "back": back, "heading": heading}
    if request.method == "POST" and form.is_valid():
        on = form.day()
        confirming = not op.preview or request.POST.get("confirm") == "1"
        try:
            if not confirming:
                context["consequences"] = preview_consequences(lambda: op.run(form, subject), on)
                context["preview"] = True
                return render(request, "web/forms/operation.html", context)
            return _apply(request, op, form, subject, on)
        except CosoError as exc:
            context["refusal"] = str(exc)
    status = 200 if request.method == "GET" or "refusal" not in context else 422
    if request.method == "POST" and not form.is_valid():
        status = 422
    return render(request, "web/forms/operation.html", context, status=status)


def _apply(
    request: HttpRequest, op: Operation, form: f.OperationForm, subject: Any, on: dt.date
) -> HttpResponse:
    with transaction.atomic():
        if isinstance(subject, Member):
            before = member_facts(subject)
            result = op.run(form, subject)
            target: Any = subject
            after = member_facts(subject) | _result_facts(result)
            unit = subject.home_unit
            location = reverse("web:member", args=[subject.member_id])
        elif op.slug == "admit":
            before = None
            result = op.run(form, subject)
            target, after, unit = result, member_facts(result), subject
            location = reverse("web:member", args=[result.member_id])
        elif op.slug == "create":
            before = None
            result = op.run(form, subject)
            target, after, unit = result, unit_facts(result, on), result
            location = reverse("web:unit", args=[result.code])
        else:
            before = unit_facts(subject, on)
            result = op.run(form, subject)
            target, unit = subject, subject
            after = unit_facts(subject, on) | _result_facts(result)
            location = reverse("web:unit", args=[subject.code])
        if form.cleaned_data.get("decision_number"):
            after["decision"] = form.cleaned_data["decision_number"]
        after["on"] = on
        record_write(request, AuditAction(op.slug), target, before, after, unit)
    messages.success(request, _("Đã ghi: %(op)s, ngày %(day)s.") % {"op": op.title, "day": fmt(on)})
    return redirect(location)


@login_required
def member_operation(request: HttpRequest, member_id: str, op: str) -> HttpResponse:
    operation = MEMBER_OPS[op]
    member = get_member_for_user(request.user, member_id, operation.action)
    back = reverse("web:member", args=[member.member_id])
    return _operation_page(
        request, operation, member, back, f"{member.full_name} ({member.member_id})"
    )


@login_required
def unit_operation(request: HttpRequest, code: str, op: str) -> HttpResponse:
    operation = UNIT_OPS[op]
    unit = get_unit_for_user(request.user, code, operation.action)
    span = UnitSpan.objects.filter(unit=unit).order_by("-valid_from").first()
    if operation.slug == "admit" and (span is None or span.kind not in HOME_KINDS):
        raise Http404(_("Chỉ kết nạp vào chi bộ."))
    back = reverse("web:unit", args=[unit.code])
    return _operation_page(
        request, operation, unit, back, f"{span.name if span else unit.code} ({unit.code})"
    )


# --------------------------------------------------------------------------------------------
# Reorganization plans


def _plans_dir() -> Path:
    return Path(settings.VAR_DIR) / "plans"


def plan_scope_errors(user: Any, file: Path) -> list[RowError]:
    """Rows naming existing units outside the user's MANAGE_UNITS scope."""
    scope = scope_of(user)
    if scope.is_admin:
        return []
    table = read_table(file)
    created = {
        r.values.get("unit", "").strip()
        for r in table.rows
        if r.values.get("op", "").strip().lower() == "create"
    }
    wanted = {r.values.get(c, "").strip() for r in table.rows for c in ("unit", "into")}
    allowed = set(
        scope.units(Action.MANAGE_UNITS).filter(code__in=wanted).values_list("code", flat=True)
    )
    errors = []
    for row in table.rows:
        op = row.values.get("op", "").strip().lower()
        for column in ("unit", "into"):
            code = row.values.get(column, "").strip()
            if column == "unit" and op == "create":
                if not row.values.get("into", "").strip():
                    errors.append(
                        RowError(
                            table.name,
                            row.line,
                            "into",
                            "chỉ quản trị hệ thống được tạo đơn vị gốc",
                        )
                    )
                continue
            if code and code not in allowed and code not in created:
                errors.append(
                    RowError(
                        table.name,
                        row.line,
                        column,
                        f"không có đơn vị mã «{code}» trong phạm vi được giao",
                    )
                )
    return errors


def _run_plan(user: Any, file: Path, form: Any, dry_run: bool, actor: Actor | None = None) -> Any:
    errors = plan_scope_errors(user, file)
    if errors:
        raise RowErrors(errors)
    return apply_plan(
        file,
        on=form.cleaned_data["on"],
        decision_number=form.cleaned_data["decision_number"],
        decision_date=form.cleaned_data.get("decision_date"),
        dry_run=dry_run,
        progress=False,
        actor=actor,
    )


@login_required
def reorg_plan(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not can_anywhere(scope, Action.MANAGE_UNITS):
        raise Http404(_("Không tìm thấy trang."))
    kept: dict[str, str] = request.session.get("coso_plans", {})
    context: dict[str, Any] = {}
    if request.method == "POST" and "token" in request.POST:
        confirm = f.PlanConfirmForm(request.POST, user=request.user)
        if not confirm.is_valid() or str(confirm.cleaned_data["token"]) not in kept:
            messages.error(request, _("Phiên xem trước đã hết hạn; hãy tải tệp lên lại."))
            return redirect("web:reorg_plan")
        token = str(confirm.cleaned_data["token"])
        file = Path(kept[token])
        try:
            actor = Actor.of(request, unit=scope.home_unit())
            report = _run_plan(request.user, file, confirm, dry_run=False, actor=actor)
        except RowErrors as exc:
            context["row_errors"] = exc.errors
        except CosoError as exc:
            context["refusal"] = str(exc)
        else:
            kept.pop(token, None)
            request.session["coso_plans"] = kept
            file.unlink(missing_ok=True)
            messages.success(request, report.summary())
            return redirect("web:tree")
        form = f.PlanUploadForm(user=request.user)
    else:
        form = f.PlanUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            token = str(uuid.uuid4())
            folder = _plans_dir() / token
            folder.mkdir(parents=True, exist_ok=True)
            upload = form.cleaned_data["file"]
            file = folder / Path(upload.name).name
            with file.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                context["report"] = _run_plan(request.user, file, form, dry_run=True)
            except RowErrors as exc:
                context["row_errors"] = exc.errors
            except CosoError as exc:
                context["refusal"] = str(exc)
            else:
                kept[token] = str(file)
                request.session["coso_plans"] = kept
                context["confirm"] = f.PlanConfirmForm(
                    initial={
                        "token": token,
                        "on": form.cleaned_data["on"].strftime("%d/%m/%Y"),
                        "decision_number": form.cleaned_data["decision_number"],
                        "decision_date": (
                            form.cleaned_data["decision_date"].strftime("%d/%m/%Y")
                            if form.cleaned_data.get("decision_date")
                            else ""
                        ),
                    },
                    user=request.user,
                )
    context["form"] = form
    status = 422 if ("row_errors" in context or "refusal" in context) else 200
    return render(request, "web/forms/plan.html", context, status=status)


# --------------------------------------------------------------------------------------------
# Imports


def _import_kinds(scope: Scope) -> list[tuple[str, Any]]:
    kinds = []
    if can_anywhere(scope, Action.MANAGE_UNITS):
        kinds.append((ImportKind.UNITS.value, ImportKind.UNITS.label))
    if can_anywhere(scope, Action.MANAGE_MEMBERS):
        kinds.append((ImportKind.MEMBERS.value, ImportKind.MEMBERS.label))
    return kinds


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    kinds = _import_kinds(scope)
    if not kinds:
        raise Http404(_("Không tìm thấy trang."))
    form = f.ImportUploadForm(
        request.POST or None, request.FILES or None, user=request.user, kinds=kinds
    )
    if request.method == "POST" and form.is_valid():
        job = imports.start_import(
            request.user, form.cleaned_data["kind"], form.cleaned_data["file"]
        )
        return redirect("web:import_job", token=job.token)
    jobs = ImportJob.objects.filter(user_id=int(request.user.pk or 0))[:20]
    return render(
        request,
        "web/forms/imports.html",
        {"form": form, "jobs": jobs, "kinds": kinds},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    kinds = dict(_import_kinds(scope_of(request.user)))
    if kind not in kinds:
        raise Http404(_("Không tìm thấy trang."))
    response = HttpResponse(
        imports.template_xlsx(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}.xlsx"'
    return response


def _job_for(request: HttpRequest, token: uuid.UUID) -> ImportJob:
    job = ImportJob.objects.filter(token=token).first()
    if job is None or (job.user_id != request.user.pk and not scope_of(request.user).is_admin):
        raise Http404(_("Không tìm thấy trang."))
    return job


def _job_context(job: ImportJob) -> dict[str, Any]:
    done, total = imports.read_progress(job)
    percent = int(100 * done / total) if total else (100 if job.finished else 0)
    return {"job": job, "done": done, "total": total, "percent": percent}


@login_required
def import_job(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = _job_for(request, token)
    return render(request, "web/forms/import_job.html", _job_context(job))


@login_required
def import_progress(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = _job_for(request, token)
    return render(request, "web/forms/_import_progress.html", _job_context(job))


@login_required
def import_errors(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = _job_for(request, token)
    response = HttpResponse(
        imports.errors_xlsx(job),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stem = Path(job.file_name).stem or "tep"
    response["Content-Disposition"] = f'attachment; filename="loi-{stem}.xlsx"'
    return response


def _member_route(op: Operation) -> URLPattern:
    return path(
        f"members/<str:member_id>/do/{op.slug}/",
        member_operation,
        {"op": op.slug},
        name=f"member_{op.slug}",
    )


def _unit_route(op: Operation) -> URLPattern:
    return path(
        f"units/<str:code>/do/{op.slug}/", unit_operation, {"op": op.slug}, name=f"unit_{op.slug}"
    )


# Added to coso.web.urls (namespace `web`).
form_urlpatterns: list[URLPattern] = [
    *[_member_route(op) for op in MEMBER_OPERATIONS],
    *[_unit_route(op) for op in UNIT_OPERATIONS],
    path("reorg/plan/", reorg_plan, name="reorg_plan"),
    path("imports/", import_start, name="imports"),
    path("imports/template/<str:kind>/", import_template, name="import_template"),
    path("imports/<uuid:token>/", import_job, name="import_job"),
    path("imports/<uuid:token>/progress/", import_progress, name="import_progress"),
    path("imports/<uuid:token>/errors.xlsx", import_errors, name="import_errors"),
]
