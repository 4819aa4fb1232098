"""Pages of outreach: households and the members responsible for them, assignments of committee
members, citizens' petitions (intake, steps, escalation, resolution, the overdue roll-up).

Thin views: load through coso.outreach.access (404 outside scope; the petitioner masked outside
the handling line), validate a form, call one operation (which writes its own audit entry) or
one query, render. A refusal (CosoError) is shown on the form with status 422.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coso.audit.log import Actor
from coso.authority.forms import unit_typed
from coso.authority.scope import Action, scope_of
from coso.core.dates import fmt, parse_date, today
from coso.core.errors import CosoError
from coso.members.models import Member, PositionRole
from coso.outreach import forms as of
from coso.outreach import operations as ops
from coso.outreach import queries as q
from coso.outreach.access import (
    HIDDEN_LABEL,
    get_assignment_for_user,
    get_household_for_user,
    get_petition_for_user,
    get_role_unit,
    may_report,
    present,
)
from coso.outreach.models import PetitionStatus, StepKind
from coso.oversight.access import get_case_for_user, may_view_case
from coso.units.models import Unit, UnitKind

PER_PAGE = 25


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, refused: bool = False
) -> HttpResponse:
    failed = refused or any(
        getattr(v, "errors", None) for v in context.values() if hasattr(v, "is_bound")
    )
    status = 422 if request.method == "POST" and failed else 200
    return render(request, f"outreach/{template}", context, status=status)


def _posted(request: HttpRequest, action: str | None = None) -> Any:
    if request.method != "POST":
        return None
    if action is not None and request.POST.get("action") != action:
        return None
    return request.POST


def _member(code: str, field: str) -> Member:
    member = Member.objects.filter(member_id=(code or "").strip()).first()
    if member is None:
        raise CosoError(f"{field}: không tìm thấy đảng viên số «{code}».")
    return member


def _visible_member(request: HttpRequest, code: str, field: str) -> Member:
    member = _member(code, field)
    if not scope_of(request.user).can_member(Action.VIEW, member):
        raise CosoError(f"{field}: không tìm thấy đảng viên số «{code}».")
    return member


def _unit_in_scope(request: HttpRequest, code: str, action: Action, field: str) -> Unit:
    # A code, or a name unique in the scope (the picker fills in the code).
    try:
        unit = unit_typed(request.user, code, action, label=field)
    except forms.ValidationError as exc:
        raise CosoError(" ".join(exc.messages)) from None
    if unit is None:
        raise CosoError(f"{field}: không tìm thấy đơn vị «{code}».")
    return unit


def _day(request: HttpRequest) -> Any:
    raw = request.GET.get("as_of")
    if not raw:
        return today()
    try:
        return parse_date(raw)
    except ValueError:
        raise Http404(_("Ngày không hợp lệ.")) from None


# --- households ------------------------------------------------------------------------------


@login_required
@require_GET
def unit_households(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code)
    day = _day(request)
    try:
        coverage = q.household_coverage(unit, day)
        arrangement = q.border_arrangement(unit, day, coverage)
        rows = q.households_listed(unit, day)
    except CosoError as exc:
        raise Http404(str(exc)) from None
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    positions = []
    for key, n in arrangement["positions"].items():
        kind, _sep, role = key.partition(".")
        label = f"{dict(PositionRole.choices).get(role, role)} — {dict(UnitKind.choices).get(kind, kind)}"
        positions.append((label, n))
    return render(
        request,
        "outreach/households.html",
        {
            "unit": unit,
            "day": day,
            "coverage": coverage,
            "arrangement": arrangement,
            "positions": positions,
            "page": page,
            "may_manage": scope_of(request.user).can(Action.MANAGE_ACTIVITIES, unit, by_role=True),
        },
    )


@login_required
def household_new(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code, Action.MANAGE_ACTIVITIES)
    form = of.HouseholdForm(_posted(request), initial={"area": unit.code, "on": fmt(today())})
    refusal = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            area = _unit_in_scope(
                request, d["area"], Action.MANAGE_ACTIVITIES, str(form.fields["area"].label)
            )
            household = ops.register_household(
                code=d["code"],
                head_name=d["head_name"],
                address=d["address"],
                area=area,
                area_name=d["area_name"],
                size=d["size"],
                poor=d["poor"],
                near_poor=d["near_poor"],
                policy_family=d["policy_family"],
                on=d["on"],
                actor=Actor.of(request),
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Đã đăng ký hộ gia đình."))
            return redirect("outreach:household", household.pk)
    return _render(
        request,
        "household_new.html",
        {"unit": unit, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk)
    scope = scope_of(request.user)
    may_assign = scope.can(Action.MANAGE_ACTIVITIES, household.area, by_role=True)
    may_visit = may_assign or scope.own_member is not None
    if request.method == "POST":
        if request.POST.get("action") == "assign" and not may_assign:
            raise Http404(_("Không tìm thấy."))
        household = get_household_for_user(request.user, pk, Action.MANAGE_ACTIVITIES)
    assign_form = of.ResponsibleForm(
        _posted(request, "assign"), prefix="assign", initial={"on": fmt(today())}
    )
    visit_form = of.VisitForm(
        _posted(request, "visit"),
        prefix="visit",
        initial={
            "on": fmt(today()),
            "member": scope.own_member.member_id if scope.own_member else "",
        },
    )
    refusal = ""
    try:
        if request.POST.get("action") == "assign" and assign_form.is_valid():
            d = assign_form.cleaned_data
            label = str(assign_form.fields["member"].label)
            member = _member(d["member"], label) if d["member"] else None
            ops.assign_household(
                household, member, on=d["on"], note=d["note"], actor=Actor.of(request)
            )
            messages.success(request, _("Đã ghi phân công phụ trách hộ."))
            return redirect("outreach:household", household.pk)
        if request.POST.get("action") == "visit" and visit_form.is_valid():
            d = visit_form.cleaned_data
            member = _member(d["member"], str(visit_form.fields["member"].label))
            if not may_assign and (scope.own_member is None or member.pk != scope.own_member.pk):
                raise CosoError(_("Đảng viên thăm hộ: chỉ ghi được lần thăm của chính mình."))
            ops.record_visit(household, member, on=d["on"], note=d["note"], actor=Actor.of(request))
            messages.success(request, _("Đã ghi lần thăm."))
            return redirect("outreach:household", household.pk)
    except CosoError as exc:
        refusal = str(exc)
    if request.method == "POST" and request.POST.get("action") not in ("assign", "visit"):
        refusal = _("Thao tác không hợp lệ.")
    return _render(
        request,
        "household.html",
        {
            "household": household,
            **q.household_history(household),
            "assign_form": assign_form,
            "visit_form": visit_form,
            "may_assign": may_assign,
            "may_visit": may_visit,
            "refusal": refusal,
        },
        refused=bool(refusal),
    )


# --- assignments -----------------------------------------------------------------------------


@login_required
def unit_assignments(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code)
    may_manage = scope_of(request.user).can(Action.MANAGE_ACTIVITIES, unit, by_role=True)
    if request.method == "POST" and not may_manage:
        raise Http404(_("Không tìm thấy."))
    form = of.AssignmentForm(_posted(request), initial={"on": fmt(today())})
    refusal = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            member = _visible_member(request, d["member"], str(form.fields["member"].label))
            followed = _unit_in_scope(
                request, d["unit"], Action.VIEW, str(form.fields["unit"].label)
            )
            assignment = ops.assign_cadre(
                member=member,
                unit=followed,
                assigned_by=unit,
                on=d["on"],
                until=d["until"],
                area=d["area"],
                decision=d["decision"],
                report_every_months=d["report_every_months"],
                actor=Actor.of(request),
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Đã ghi phân công theo dõi."))
            return redirect("outreach:assignment", assignment.pk)
    rows = q.assignments_in(unit)
    return _render(
        request,
        "assignments.html",
        {"unit": unit, "rows": rows, "form": form, "may_manage": may_manage, "refusal": refusal},
        refused=bool(refusal),
    )


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    may_file = may_report(request.user, assignment)
    if request.method == "POST" and not may_file:
        raise Http404(_("Không tìm thấy."))
    form = of.ReportForm(_posted(request))
    refusal = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ops.file_assignment_report(
                assignment, period_end=d["period_end"], text=d["text"], actor=Actor.of(request)
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Đã gửi báo cáo."))
            return redirect("outreach:assignment", assignment.pk)
    attendance = q.assigned_attendance(assignment)
    present_n, total = q.attendance_rate(attendance)
    return _render(
        request,
        "assignment.html",
        {
            "assignment": assignment,
            "attendance": attendance,
            "present": present_n,
            "total": total,
            "reports": assignment.reports.order_by("-period_end"),
            "form": form,
            "may_file": may_file,
            "refusal": refusal,
        },
        refused=bool(refusal),
    )


# --- petitions -------------------------------------------------------------------------------


@login_required
@require_GET
def unit_petitions(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code)
    status = request.GET.get("status") or ""
    if status and status not in PetitionStatus.values:
        status = ""
    overdue = q.overdue_view(unit)
    page = Paginator(q.petitions_in(unit, status=status or None), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = present(request.user, page.object_list)
    return render(
        request,
        "outreach/petitions.html",
        {
            "unit": unit,
            "overdue": overdue,
            "page": page,
            "status": status,
            "statuses": PetitionStatus.choices,
            "today": today(),
            "hidden_label": HIDDEN_LABEL,
            "may_receive": scope_of(request.user).can(Action.MANAGE_ACTIVITIES, unit, by_role=True),
        },
    )


@login_required
def petition_new(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code, Action.MANAGE_ACTIVITIES)
    form = of.PetitionForm(_posted(request), initial={"received_on": fmt(today())})
    refusal = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def label(name: str) -> str:
            return str(form.fields[name].label)

        try:
            place_unit = (
                _unit_in_scope(request, d["place_unit"], Action.VIEW, label("place_unit"))
                if d["place_unit"]
                else None
            )
            subject = (
                _visible_member(request, d["subject_member"], label("subject_member"))
                if d["subject_member"]
                else None
            )
            handler = (
                _visible_member(request, d["handler"], label("handler")) if d["handler"] else None
            )
            petition = ops.receive_petition(
                kind=d["kind"],
                category=d["category"],
                received_on=d["received_on"],
                petitioner_name=d["petitioner_name"],
                petitioner_contact=d["petitioner_contact"],
                summary=d["summary"],
                place=d["place"],
                place_unit=place_unit,
                subject_member=subject,
                handler=handler,
                handling_unit=unit,
                actor=Actor.of(request),
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Đã tiếp nhận đơn."))
            return redirect("outreach:petition", petition.pk)
    return _render(
        request,
        "petition_new.html",
        {"unit": unit, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


@login_required
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = get_petition_for_user(request.user, pk)
    scope = scope_of(request.user)
    may_manage = petition.status == PetitionStatus.OPEN and scope.manages_petition(
        petition.handling_unit, subject_id=petition.subject_member_id
    )
    if request.method == "POST":
        petition = get_petition_for_user(request.user, pk, Action.MANAGE_ACTIVITIES)
    step_form = of.PetitionStepForm(
        _posted(request, "step"), prefix="step", initial={"on": fmt(today())}
    )
    escalate_form = of.EscalateForm(
        _posted(request, "escalate"), prefix="escalate", initial={"on": fmt(today())}
    )
    resolve_form = of.ResolveForm(
        _posted(request, "resolve"),
        prefix="resolve",
        initial={"on": fmt(today()), "satisfaction": "unknown"},
    )
    link_form = of.LinkCaseForm(_posted(request, "link"), prefix="link")
    refusal = ""
    action = request.POST.get("action") if request.method == "POST" else None
    actor = Actor.of(request)
    try:
        if action == "link" and link_form.is_valid():
            number = link_form.cleaned_data["case"]
            try:
                case = get_case_for_user(request.user, number)
            except Http404 as exc:
                raise CosoError(
                    f"{link_form.fields['case'].label}: không có vụ việc số {number} trong "
                    "phạm vi của bạn."
                ) from exc
            ops.link_case(petition, case, actor=actor)
            messages.success(request, _("Đã liên kết vụ việc với đơn."))
            return redirect("outreach:petition", petition.pk)
        if action == "step" and step_form.is_valid():
            d = step_form.cleaned_data
            handler = (
                _visible_member(request, d["handler"], str(step_form.fields["handler"].label))
                if d["handler"]
                else None
            )
            ops.record_petition_step(
                petition, on=d["on"], text=d["text"], handler=handler, actor=actor
            )
            messages.success(request, _("Đã ghi bước xử lý."))
            return redirect("outreach:petition", petition.pk)
        if action == "escalate" and escalate_form.is_valid():
            d = escalate_form.cleaned_data
            to = Unit.objects.filter(code=d["to"].strip()).first()
            if to is None:
                raise CosoError(
                    f"{escalate_form.fields['to'].label}: không tìm thấy đơn vị «{d['to']}»."
                )
            came_from = petition.handling_unit.code
            ops.escalate_petition(petition, to=to, on=d["on"], reason=d["reason"], actor=actor)
            messages.success(request, _("Đã chuyển đơn lên cấp trên."))
            if scope.sees_petition(to, petition.place_unit):
                return redirect("outreach:petition", petition.pk)
            return redirect("outreach:unit_petitions", came_from)
        if action == "resolve" and resolve_form.is_valid():
            d = resolve_form.cleaned_data
            ops.resolve_petition(
                petition,
                on=d["on"],
                resolution=d["resolution"],
                satisfaction=d["satisfaction"],
                actor=actor,
            )
            messages.success(request, _("Đã ghi kết quả giải quyết."))
            return redirect("outreach:petition", petition.pk)
    except CosoError as exc:
        refusal = str(exc)
    if action is not None and action not in ("step", "escalate", "resolve", "link"):
        refusal = _("Thao tác không hợp lệ.")
    cases = q.linked_cases(petition)
    return _render(
        request,
        "petition.html",
        {
            "petition": petition,
            "steps": q.petition_steps(petition),
            "cases": [c for c in cases if may_view_case(request.user, c)],
            "restricted_cases": sum(1 for c in cases if not may_view_case(request.user, c)),
            "link_form": link_form,
            "overdue": petition.overdue_on(today()),
            "hidden_label": HIDDEN_LABEL,
            "may_manage": may_manage,
            "step_form": step_form,
            "escalate_form": escalate_form,
            "resolve_form": resolve_form,
            "refusal": refusal,
            "StepKind": StepKind,
        },
        refused=bool(refusal),
    )
