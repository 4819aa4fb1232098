"""API of violations, inspection and discipline (same scopes as the pages, coso.oversight.access).

A case is read by the handling body and those above it (and by the member it is about); a
unit's case list by roles over the unit. Opening a case, plans and appeals need MANAGE_CASES
on the handling unit. The discipline decision goes through the catalogue like any governed act:
200 with the decision where the caller acts for the deciding body, 202 `{"proposal": id}` where
the caller's body only proposes. Refusals answer 409 `refused`; out of scope is 404.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema, Status
from ninja.params.functions import Query
from pydantic import Field

from coso.api.acts import ActIn, ProposedOut, _data, _perform, _proposed
from coso.api.common import Day, caller
from coso.api.schemas import ErrorOut
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user, scope_of
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.oversight import operations as ops
from coso.oversight.access import (
    get_appeal_for_user,
    get_case_for_user,
    get_decision_for_user,
    get_role_unit,
)
from coso.oversight.acts import act_for
from coso.oversight.models import (
    Appeal,
    AppealOutcome,
    CaseSource,
    CaseStatus,
    DisciplineDecision,
    DisciplineForm,
    InspectionPlan,
    PlanKind,
    ViolationCase,
    ViolationItem,
)
from coso.oversight.queries import case_record, cases_in_subtree, catalogue_items, plans_of

router = Router(tags=["oversight"])

ObjectId = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00]+$")]
LongText = Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"^[^\x00]+$")]
OptionalText = Annotated[str, Field(max_length=5_000, pattern=r"^[^\x00]*$")]

READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class AppealOut(Schema):
    id: int
    lodged_on: dt.date
    grounds: str
    outcome: AppealOutcome
    decided_on: dt.date | None
    decided_by: str | None
    decision_number: str | None
    new_decision: int | None


class DecisionOut(Schema):
    id: int
    case: int
    form: DisciplineForm
    body: str = Field(description="code of the deciding body")
    decision_number: str | None
    decided_on: dt.date
    status: str
    limitation_years: int | None
    limitation_from: dt.date
    limitation_ends: dt.date | None
    statute_expired: bool
    override_reason: str
    replaces: int | None
    appeals: list[AppealOut] = []


class DecisionBriefOut(Schema):
    id: int
    form: DisciplineForm
    decided_on: dt.date
    status: str


class CaseOut(Schema):
    id: int
    member: str | None = Field(description="member id of the subject, if a member")
    unit: str | None = Field(description="code of the subject, if an organization")
    handling_unit: str
    source: CaseSource
    title: str
    violated_on: dt.date
    opened_on: dt.date
    status: CaseStatus
    closed_on: dt.date | None
    decisions: list[DecisionBriefOut] = []


class CaseDetailOut(CaseOut):
    decisions: list[DecisionOut] = []  # type: ignore[assignment]
    facts: str
    conclusion: str
    items: list[dict[str, str]]
    files: list[dict[str, Any]]


class CaseListOut(Schema):
    unit: str
    count: int
    limit: int = Field(description="cases on a page")
    page: int
    pages: int
    items: list[CaseOut]


class CaseFilter(Schema):
    status: CaseStatus | None = None
    source: CaseSource | None = None
    year: int | None = Field(None, ge=1930, le=2100)
    page: int = Field(1, ge=1, le=1_000_000, description="newest first; past the last: the last")


class CaseIn(Schema):
    member_id: str | None = Field(None, max_length=40)
    unit_code: str | None = Field(None, max_length=60)
    source: CaseSource
    items: list[Annotated[str, Field(max_length=20)]] = Field(
        [], max_length=40, description="codes of Regulation 37 items (Đ1…Đ19)"
    )
    title: Text
    facts: LongText
    violated_on: Day
    opened_on: Day
    plan: int | None = Field(None, ge=1, le=2**62)


class DisciplineIn(ActIn):
    form: DisciplineForm
    position: int | None = Field(None, ge=1, le=2**62)
    override_reason: OptionalText = ""
    note: OptionalText = ""


class AppealIn(Schema):
    lodged_on: Day
    grounds: LongText


class AppealDecisionIn(Schema):
    outcome: AppealOutcome
    decided_by: Annotated[str, Field(min_length=1, max_length=60)]
    on: Day
    decision_number: Annotated[str, Field(min_length=1, max_length=120)]
    new_form: DisciplineForm | None = None
    reason: OptionalText = ""


class PlanOut(Schema):
    id: int
    unit: str
    kind: PlanKind
    title: str
    period_start: dt.date
    period_end: dt.date
    targets: str
    result: str
    result_on: dt.date | None


class PlanIn(Schema):
    kind: PlanKind
    title: Text
    period_start: Day
    period_end: Day
    targets: LongText


# --- shaping --------------------------------------------------------------------------------


def _appeal(a: Appeal) -> dict[str, Any]:
    return {
        "id": a.pk,
        "lodged_on": a.lodged_on,
        "grounds": a.grounds,
        "outcome": a.outcome,
        "decided_on": a.decided_on,
        "decided_by": a.decided_by.code if a.decided_by else None,
        "decision_number": a.outcome_decision.number if a.outcome_decision else None,
        "new_decision": a.new_decision_id,
    }


def _decision(d: DisciplineDecision, *, appeals: bool = False) -> dict[str, Any]:
    return {
        "id": d.pk,
        "case": d.case_id,
        "form": d.form,
        "body": d.body.code,
        "decision_number": d.decision.number if d.decision else None,
        "decided_on": d.decided_on,
        "status": d.status,
        "limitation_years": d.limitation_years,
        "limitation_from": d.limitation_from,
        "limitation_ends": d.limitation_ends,
        "statute_expired": d.statute_expired,
        "override_reason": d.override_reason,
        "replaces": d.replaces_id,
        "appeals": [_appeal(a) for a in d.appeals.all()] if appeals else [],
    }


def _case(c: ViolationCase, decisions: list[DisciplineDecision] | None = None) -> dict[str, Any]:
    return {
        "id": c.pk,
        "member": c.member.member_id if c.member else None,
        "unit": c.unit.code if c.unit else None,
        "handling_unit": c.handling_unit.code,
        "source": c.source,
        "title": c.title,
        "violated_on": c.violated_on,
        "opened_on": c.opened_on,
        "status": c.status,
        "closed_on": c.closed_on,
        "decisions": [
            {"id": d.pk, "form": d.form, "decided_on": d.decided_on, "status": d.status}
            for d in (decisions if decisions is not None else c.decisions.all())
        ],
    }


def _plan(p: InspectionPlan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "unit": p.unit.code,
        "kind": p.kind,
        "title": p.title,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "targets": p.targets,
        "result": p.result,
        "result_on": p.result_on,
    }


def _detail(case: ViolationCase) -> dict[str, Any]:
    record = case_record(case)
    return {
        **_case(case, []),
        "decisions": [_decision(d, appeals=True) for d in record["decisions"]],
        "facts": case.facts,
        "conclusion": case.conclusion,
        "items": [
            {"code": i.code, "description": i.description, "reference": i.reference}
            for i in record["items"]
        ],
        "files": [
            {"id": f.pk, "name": f.name, "file_type": f.file_type, "size": f.size}
            for f in record["files"]
        ],
    }


# --- cases ----------------------------------------------------------------------------------


@router.get(
    "/units/{code}/cases",
    response={200: CaseListOut, **READ_ERRORS},
    summary="Cases handled in the unit's subtree, newest first (roles over the unit)",
)
def list_cases(request: HttpRequest, code: str, filters: CaseFilter = Query(...)) -> dict[str, Any]:
    unit = get_role_unit(caller(request), code)
    found = cases_in_subtree(
        unit,
        status=filters.status or "",
        source=filters.source or "",
        year=filters.year,
        page=filters.page,
    )
    return {
        "unit": unit.code,
        "count": found.count,
        "limit": found.page.paginator.per_page,
        "page": found.page.number,
        "pages": found.page.paginator.num_pages,
        "items": [_case(c) for c in found.rows],
    }


@router.post(
    "/units/{code}/cases",
    response={201: CaseDetailOut, **WRITE_ERRORS},
    summary="Open a case handled by the unit (MANAGE_CASES on it)",
)
def open_case(request: HttpRequest, code: str, payload: CaseIn) -> Status[dict[str, Any]]:
    user = caller(request)
    unit = get_role_unit(user, code, Action.MANAGE_CASES)
    if bool(payload.member_id) == bool(payload.unit_code):
        raise CosoError("Ghi mã đảng viên hoặc mã tổ chức đảng vi phạm (một trong hai).")
    try:
        subject: Any = (
            get_member_for_user(user, payload.member_id)
            if payload.member_id
            else get_unit_for_user(user, payload.unit_code or "")
        )
    except Http404:
        raise CosoError(
            f"Không có đối tượng «{payload.member_id or payload.unit_code}» trong phạm vi."
        ) from None
    known = {i.code: i for i in catalogue_items(payload.opened_on)}
    unknown = [c for c in payload.items if c not in known]
    if unknown:
        raise CosoError(f"Không có điều «{', '.join(unknown)}» trong Quy định 37-QĐ/TW.")
    plan = None
    if payload.plan:
        plan = InspectionPlan.objects.filter(pk=payload.plan, unit=unit).first()
        if plan is None:
            raise CosoError(f"Đơn vị «{unit.code}» không có kế hoạch số {payload.plan}.")
    items: list[ViolationItem] = [known[c] for c in payload.items]
    case = ops.open_case(
        subject=subject,
        handling_unit=unit,
        source=payload.source,
        title=payload.title,
        facts=payload.facts,
        violated_on=payload.violated_on,
        opened_on=payload.opened_on,
        items=items,
        plan=plan,
        actor=request,
    )
    return Status(201, _detail(get_case_for_user(user, case.pk)))


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, **READ_ERRORS},
    summary="A case file: facts, items, files, decisions and appeals (handling body and above)",
)
def get_case(request: HttpRequest, case_id: ObjectId) -> dict[str, Any]:
    return _detail(get_case_for_user(caller(request), case_id))


@router.post(
    "/cases/{case_id}/discipline",
    response={200: DecisionOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="Decide a discipline form on the case (200) or propose it (202), per the rule set",
)
def decide_discipline(request: HttpRequest, case_id: ObjectId, payload: DisciplineIn) -> Any:
    case = get_case_for_user(caller(request), case_id, Action.MANAGE_CASES)
    act = act_for(case, payload.form)
    data = _data(payload)
    data.pop("form", None)
    data["case"] = case.pk
    subject: Any = case.member if case.member_id else case.unit
    outcome = _perform(request, act, subject, data)
    if outcome.proposed:
        return _proposed(outcome)
    return _decision(outcome.result)


@router.post(
    "/discipline/{decision_id}/appeals",
    response={201: AppealOut, **WRITE_ERRORS},
    summary="Record an appeal against a decision in force",
)
def lodge_appeal(
    request: HttpRequest, decision_id: ObjectId, payload: AppealIn
) -> Status[dict[str, Any]]:
    decision = get_decision_for_user(caller(request), decision_id, Action.MANAGE_CASES)
    appeal = ops.lodge_appeal(
        decision, lodged_on=payload.lodged_on, grounds=payload.grounds, actor=request
    )
    return Status(201, _appeal(appeal))


@router.post(
    "/appeals/{appeal_id}/decision",
    response={200: AppealOut, **WRITE_ERRORS},
    summary="Decide an appeal (the level above the deciding body): upheld, reduced, annulled",
)
def decide_appeal(
    request: HttpRequest, appeal_id: ObjectId, payload: AppealDecisionIn
) -> dict[str, Any]:
    user = caller(request)
    appeal = get_appeal_for_user(user, appeal_id)
    body = scope_of(user).unit_by_code(payload.decided_by, Action.DECIDE)
    if body is None:
        raise Http404("Không tìm thấy.")
    done = ops.decide_appeal(
        appeal,
        outcome=payload.outcome,
        on=payload.on,
        decided_by=body,
        decision=get_decision(payload.decision_number, payload.on),
        new_form=payload.new_form or "",
        reason=payload.reason,
        actor=request,
    )
    return _appeal(done)


# --- plans ----------------------------------------------------------------------------------


@router.get(
    "/units/{code}/inspection-plans",
    response={200: list[PlanOut], **READ_ERRORS},
    summary="The unit's inspection and supervision plans (roles over the unit)",
)
def list_plans(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    unit = get_role_unit(caller(request), code)
    return [_plan(p) for p in plans_of(unit)]


@router.post(
    "/units/{code}/inspection-plans",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Add an inspection or supervision plan of the unit (MANAGE_CASES on it)",
)
def add_plan(request: HttpRequest, code: str, payload: PlanIn) -> Status[dict[str, Any]]:
    unit = get_role_unit(caller(request), code, Action.MANAGE_CASES)
    plan = ops.add_inspection_plan(
        unit,
        kind=payload.kind,
        title=payload.title,
        period_start=payload.period_start,
        period_end=payload.period_end,
        targets=payload.targets,
        actor=request,
    )
    return Status(201, _plan(plan))
