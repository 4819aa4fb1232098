"""Pages of oversight: a unit's cases (filters), a new case, a case file (facts, items, files,
decisions, appeals), the discipline decision through the rulebook (record or propose), closing
without discipline, appeals, inspection and supervision plans.

Thin views: load through coso.oversight.access (404 outside scope), validate a form, call one
operation or `catalogue.perform`, render. A refusal (CosoError) is shown with status 422 and
nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coso.authority import catalogue
from coso.authority.scope import Action, scope_of
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.oversight import forms as of
from coso.oversight import operations as ops
from coso.oversight.access import (
    case_file_response,
    get_appeal_for_user,
    get_case_for_user,
    get_decision_for_user,
    get_plan_for_user,
    get_role_unit,
    may_manage_case,
)
from coso.oversight.acts import MEMBER_DISCIPLINE, UNIT_DISCIPLINE
from coso.oversight.models import (
    AppealOutcome,
    CaseSource,
    CaseStatus,
    DecisionStatus,
    DisciplineDecision,
    ViolationCase,
)
from coso.oversight.queries import case_record, cases_in_subtree, plans_of
from coso.units.models import UnitSpan

ALLOWED = ["GET", "HEAD", "POST"]


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, refused: bool = False
) -> HttpResponse:
    failed = refused or any(
        getattr(v, "errors", None) for v in context.values() if hasattr(v, "is_bound")
    )
    status = 422 if request.method == "POST" and failed else 200
    return render(request, f"oversight/{template}", context, status=status)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if 1930 <= year <= 2100 else None


# --------------------------------------------------------------------------------------------
# A unit's cases and plans


@login_required
@require_GET
def unit_cases(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code)
    status = request.GET.get("status", "")
    source = request.GET.get("source", "")
    status = status if status in CaseStatus.values else ""
    source = source if source in CaseSource.values else ""
    year = _year(request.GET.get("year"))
    found = cases_in_subtree(
        unit, status=status, source=source, year=year, page=request.GET.get("page")
    )
    return render(
        request,
        "oversight/unit_cases.html",
        {
            "unit": unit,
            "cases": found,
            "page": found.page,
            "status": status,
            "source": source,
            "year": year or "",
            "statuses": CaseStatus.choices,
            "sources": CaseSource.choices,
            "can_open": scope_of(request.user).can(Action.MANAGE_CASES, unit, by_role=True),
        },
    )


@login_required
@require_http_methods(ALLOWED)
def case_new(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code, Action.MANAGE_CASES)
    form = of.CaseForm(_posted(request), user=request.user, subject=unit)
    if request.method != "POST":
        form.initial = {"opened_on": today()}
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = ops.open_case(
                subject=data["subject"],
                handling_unit=unit,
                source=data["source"],
                title=data["title"],
                facts=data["facts"],
                violated_on=data["violated_on"],
                opened_on=data["opened_on"],
                items=form.chosen_items(),
                plan=data["plan_obj"],
                actor=request,
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Đã mở hồ sơ vụ việc số %(n)s.") % {"n": case.pk})
            return redirect("oversight:case", case.pk)
    return _render(
        request,
        "case_new.html",
        {"unit": unit, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


@login_required
@require_http_methods(ALLOWED)
def unit_plans(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code)
    can_add = scope_of(request.user).can(Action.MANAGE_CASES, unit, by_role=True)
    if request.method == "POST" and not can_add:
        raise Http404(_("Không tìm thấy."))
    form = of.PlanForm(_posted(request), user=request.user, subject=unit)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ops.add_inspection_plan(
                unit,
                kind=data["kind"],
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                targets=data["targets"],
                actor=request,
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            return redirect("oversight:plans", unit.code)
    return _render(
        request,
        "plans.html",
        {
            "unit": unit,
            "plans": plans_of(unit),
            "form": form if can_add else None,
            "refusal": refusal,
        },
        refused=bool(refusal),
    )


@login_required
@require_http_methods(ALLOWED)
def plan_result(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, Action.MANAGE_CASES)
    form = of.PlanResultForm(_posted(request), user=request.user, subject=plan.unit)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            ops.record_plan_result(
                plan, result=form.cleaned_data["result"], on=form.cleaned_data["on"], actor=request
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            return redirect("oversight:plans", plan.unit.code)
    return _render(
        request,
        "plan_result.html",
        {"plan": plan, "unit": plan.unit, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


# --------------------------------------------------------------------------------------------
# A case


def _forms_offered(user: Any, case: ViolationCase) -> list[tuple[str, Any, catalogue.Route]]:
    """The discipline forms `user` may decide or propose on the case, with the route."""
    if case.status != CaseStatus.OPEN:
        return []
    subject = case.member if case.member_id else case.unit
    table = MEMBER_DISCIPLINE if case.member_id else UNIT_DISCIPLINE
    assert subject is not None
    routes = catalogue.routes_for(user, list(table.values()), subject)
    return [
        (str(kind), act.title, route[0])
        for kind, act in table.items()
        if (route := routes[act.slug]) is not None
    ]


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    record = case_record(case)
    manage = may_manage_case(request.user, case)
    return render(
        request,
        "oversight/case.html",
        {
            **record,
            "manage": manage,
            "offered": _forms_offered(request.user, case) if manage else [],
            "in_force": DecisionStatus.IN_FORCE,
            "pending": AppealOutcome.PENDING,
        },
    )


@login_required
@require_http_methods(ALLOWED)
def case_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, Action.MANAGE_CASES)
    form = of.FileForm(_posted(request), request.FILES if request.method == "POST" else None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            ops.attach_case_file(case, name=upload.name, data=upload.read(), actor=request)
        except CosoError as exc:
            refusal = str(exc)
        else:
            return redirect("oversight:case", case.pk)
    return _render(
        request,
        "case_file.html",
        {"case": case, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


@login_required
@require_GET
def case_file(request: HttpRequest, pk: int) -> FileResponse:
    return case_file_response(request.user, pk)


@login_required
@require_http_methods(ALLOWED)
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, Action.MANAGE_CASES)
    form = of.CloseForm(_posted(request), user=request.user, subject=case.handling_unit)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            ops.close_case(
                case,
                on=form.cleaned_data["on"],
                conclusion=form.cleaned_data["conclusion"],
                actor=request,
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            return redirect("oversight:case", case.pk)
    return _render(
        request,
        "case_close.html",
        {"case": case, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


@login_required
@require_http_methods(ALLOWED)
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The discipline decision: choose the form, then record it (the body that decides) or
    propose it (the branch) through the catalogue; the rule set names who does which."""
    case = get_case_for_user(request.user, pk, Action.MANAGE_CASES)
    offered = _forms_offered(request.user, case)
    if not offered:
        raise Http404(_("Không tìm thấy."))
    routes = {kind: route for kind, _title, route in offered}
    kind = request.POST.get("form") if request.method == "POST" else request.GET.get("form")
    kind = kind if kind in routes else offered[0][0]
    table = MEMBER_DISCIPLINE if case.member_id else UNIT_DISCIPLINE
    act = table[kind]  # type: ignore[index]
    subject = case.member if case.member_id else case.unit
    assert subject is not None
    data = _posted(request)
    form = catalogue.bind(act, data, user=request.user, subject=subject, route=routes[kind])
    if data is None:
        form.initial = {"on": today(), "case": case.pk}
    refusal = ""
    if data is not None:
        posted = data.copy()
        posted["case"] = str(case.pk)
        try:
            outcome = catalogue.perform(act, subject, posted, user=request.user, actor=request)
        except catalogue.ActInvalid as invalid:
            form = invalid.form
        except PermissionError:
            raise Http404(_("Không tìm thấy.")) from None
        except CosoError as exc:
            refusal = str(exc)
        else:
            if outcome.proposed:
                return redirect("authority:proposal", outcome.proposal.pk)
            return redirect("oversight:case", case.pk)
    return _render(
        request,
        "case_decide.html",
        {
            "case": case,
            "form": form,
            "kind": kind,
            "offered": offered,
            "proposing": routes[kind] == catalogue.Route.PROPOSE,
            "refusal": refusal,
        },
        refused=bool(refusal),
    )


@login_required
@require_http_methods(ALLOWED)
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_decision_for_user(request.user, pk, Action.MANAGE_CASES)
    form = of.AppealForm(_posted(request), user=request.user, subject=decision.case)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            ops.lodge_appeal(
                decision,
                lodged_on=form.cleaned_data["lodged_on"],
                grounds=form.cleaned_data["grounds"],
                actor=request,
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            return redirect("oversight:case", decision.case_id)
    return _render(
        request,
        "appeal.html",
        {"decision": decision, "case": decision.case, "form": form, "refusal": refusal},
        refused=bool(refusal),
    )


def _may_decide_appeal(user: Any, decision: DisciplineDecision) -> bool:
    """Whether `user` decides for some unit above the decision's deciding body."""
    span = UnitSpan.objects.filter(unit=decision.body).order_by("-valid_from").first()
    parent = span.parent if span is not None else None
    return parent is not None and scope_of(user).can(Action.DECIDE, parent)


@login_required
@require_http_methods(ALLOWED)
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_appeal_for_user(request.user, pk)
    decision = appeal.decision
    if not _may_decide_appeal(request.user, decision):
        raise Http404(_("Không tìm thấy."))
    form = of.AppealDecisionForm(_posted(request), user=request.user, subject=decision)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ops.decide_appeal(
                appeal,
                outcome=data["outcome"],
                on=data["on"],
                decided_by=data["decided_by"],
                decision=get_decision(data["decision_number"], data["on"]),
                new_form=data.get("new_form") or "",
                reason=data.get("reason") or "",
                actor=request,
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            return redirect("oversight:case", decision.case_id)
    return _render(
        request,
        "appeal_decide.html",
        {
            "appeal": appeal,
            "decision": decision,
            "case": decision.case,
            "form": form,
            "refusal": refusal,
        },
        refused=bool(refusal),
    )
