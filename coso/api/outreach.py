"""API of outreach: households and their coverage, assignments, citizens' petitions (same scopes
and the same queries as the pages, coso.outreach.access and coso.outreach.queries).

The petitioner's name and contact leave the server only for the handling line (the handling
unit and those above it, the member handling it) and never for the member complained about:
for everyone else they are "***" in the body itself (`identity_hidden: true`). Out of scope:
404. Refusals of the operations answer 409 `refused`; the operations write their audit entries.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Query
from pydantic import Field

from coso.api.common import MAX_PAGE_SIZE, PAGE_SIZE, Day, Pages, caller
from coso.api.errors import field_error
from coso.api.oversight import CaseOut
from coso.api.oversight import _case as case_out
from coso.api.schemas import ErrorOut
from coso.audit.log import Actor
from coso.authority.scope import Action, get_unit_for_user, scope_of
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.members.models import Member
from coso.outreach import operations as ops
from coso.outreach import queries as q
from coso.outreach.access import (
    get_assignment_for_user,
    get_household_for_user,
    get_petition_for_user,
    get_role_unit,
    mask,
    may_report,
    present,
)
from coso.outreach.models import (
    Assignment,
    Household,
    Petition,
    PetitionCategory,
    PetitionKind,
    PetitionStatus,
    Satisfaction,
)
from coso.oversight.access import get_case_for_user, may_view_case
from coso.units.models import Unit

router = Router(tags=["outreach"])

ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
UnitCode = Annotated[str, Path(max_length=40, pattern=r"^[^\x00]+$")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00]+$")]
Text = Annotated[str, Field(max_length=300, pattern=r"^[^\x00]*$")]
Required = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00]+$")]
LongText = Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"^[^\x00]+$")]

READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class AsOf(Schema):
    as_of: Day | None = Field(None, description="default: today")


class CoverageOut(Schema):
    unit: str
    as_of: dt.date
    responsible_members: int
    households: int
    visited_this_quarter: int
    without_member: int


class ArrangementOut(Schema):
    unit: str
    as_of: dt.date
    participations: dict[str, int]
    positions: dict[str, int]
    external_roles: int
    households: CoverageOut


class HouseholdOut(Schema):
    id: int
    code: str
    head_name: str
    address: str
    area: str
    area_name: str
    size: int
    poor: bool
    near_poor: bool
    policy_family: bool
    valid_from: dt.date
    responsible: str | None = Field(None, description="registry number of the member today")


class VisitIn(Schema):
    member: Code
    on: Day
    note: Text = ""


class VisitOut(Schema):
    id: int
    household: int
    member: str
    on: dt.date


class AssignmentOut(Schema):
    id: int
    member: str
    member_name: str
    unit: str
    assigned_by: str
    area: str
    valid_from: dt.date
    valid_to: dt.date


class AssignmentIn(Schema):
    member: Code = Field(description="registry number of the committee member")
    unit: Code = Field(description="the unit followed (in the committee's subtree)")
    on: Day
    until: Day | None = None
    area: Text = ""
    decision: Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")] = ""
    report_every_months: int | None = Field(None, ge=1, le=12)


class AttendanceOut(Schema):
    meeting_id: int
    on: dt.date
    kind: str
    status: str = Field(description="the assignee's attendance; empty if not invited")


class ReportOut(Schema):
    period_end: dt.date
    filed_on: dt.date
    text: str


class AssignmentDetailOut(AssignmentOut):
    attendance: list[AttendanceOut]
    reports: list[ReportOut]


class ReportIn(Schema):
    period_end: Day
    text: LongText


class HouseholdIn(Schema):
    code: Code
    head_name: Required
    address: Required
    area: Code = Field(description="the village's or residential area's unit")
    area_name: Text = ""
    size: int = Field(1, ge=1, le=50)
    poor: bool = False
    near_poor: bool = False
    policy_family: bool = False
    on: Day


class ResponsibleIn(Schema):
    member: Code | None = Field(None, description="registry number; null: nobody from `on`")
    on: Day
    note: Text = ""


class PetitionOut(Schema):
    id: int
    kind: PetitionKind
    category: PetitionCategory
    received_on: dt.date
    petitioner_name: str = Field(description='"***" outside the handling line')
    petitioner_contact: str
    identity_hidden: bool
    summary: str
    place: str
    place_unit: str | None
    subject_member: str | None
    handling_unit: str
    handler: str | None
    due_on: dt.date
    status: PetitionStatus
    overdue: bool
    resolved_on: dt.date | None
    resolution: str
    satisfaction: str
    escalations: int


class PetitionIn(Schema):
    kind: PetitionKind
    category: PetitionCategory
    received_on: Day
    petitioner_name: Required
    petitioner_contact: Text = ""
    summary: LongText
    place: Required
    place_unit: Code | None = None
    subject_member: Code | None = None
    handler: Code | None = None


class StepIn(Schema):
    on: Day
    text: LongText
    handler: Code | None = None


class EscalateIn(Schema):
    to: Code
    on: Day
    reason: LongText


class ResolveIn(Schema):
    on: Day
    resolution: LongText
    satisfaction: Satisfaction = Satisfaction.UNKNOWN


class OverdueRowOut(Schema):
    unit: str
    name: str
    own: bool
    open: int
    overdue: int


class OverdueOut(Schema):
    unit: str
    on: dt.date
    rows: list[OverdueRowOut]
    open: int
    overdue: int


# --- shaping --------------------------------------------------------------------------------


def household_out(h: Household) -> dict[str, Any]:
    return {
        "id": h.pk,
        "code": h.code,
        "head_name": h.head_name,
        "address": h.address,
        "area": h.area.code,
        "area_name": h.area_name,
        "size": h.size,
        "poor": h.poor,
        "near_poor": h.near_poor,
        "policy_family": h.policy_family,
        "valid_from": h.valid_from,
        "responsible": getattr(h, "responsible_id", None),
    }


def petition_out(p: Petition) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "category": p.category,
        "received_on": p.received_on,
        "petitioner_name": p.petitioner_name,
        "petitioner_contact": p.petitioner_contact,
        "identity_hidden": bool(getattr(p, "identity_hidden", True)),
        "summary": p.summary,
        "place": p.place,
        "place_unit": p.place_unit.code if p.place_unit else None,
        "subject_member": p.subject_member.member_id if p.subject_member else None,
        "handling_unit": p.handling_unit.code,
        "handler": p.handler.member_id if p.handler else None,
        "due_on": p.due_on,
        "status": p.status,
        "overdue": p.overdue_on(today()),
        "resolved_on": p.resolved_on,
        "resolution": p.resolution,
        "satisfaction": p.satisfaction,
        "escalations": p.escalations,
    }


class _Page:
    """A lazily sliced queryset shaped item by item (only the page asked is read)."""

    def __init__(self, rows: Any, shape: Any, mask: Any = None) -> None:
        self.rows = rows
        self.shape = shape
        self.mask = mask

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        rows = list(self.rows[item])
        if self.mask is not None:
            rows = self.mask(rows)
        return [self.shape(row) for row in rows]


def assignment_out(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "member": a.member.member_id,
        "member_name": a.member.full_name,
        "unit": a.unit.code,
        "assigned_by": a.assigned_by.code,
        "area": a.area,
        "valid_from": a.valid_from,
        "valid_to": a.valid_to,
    }


def _member(code: str | None, user: Any, field: str, *, visible: bool = True) -> Member | None:
    if not code:
        return None
    member = Member.objects.filter(member_id=code.strip()).first()
    if member is None or (visible and not scope_of(user).can_member(Action.VIEW, member)):
        raise CosoError(f"{field}: không tìm thấy đảng viên số «{code}».")
    return member


def _unit(code: str | None, user: Any, field: str) -> Unit | None:
    if not code:
        return None
    try:
        return get_unit_for_user(user, code, Action.VIEW)
    except Http404:
        raise CosoError(f"{field}: không tìm thấy đơn vị «{code}».") from None


# --- households -----------------------------------------------------------------------------


@router.get(
    "/units/{code}/households/coverage",
    response={200: CoverageOut, **READ_ERRORS},
    summary="Members responsible for households in the unit's subtree on a day (the figures "
    "of `coso report households`)",
)
def household_coverage(request: HttpRequest, code: UnitCode, filters: AsOf = Query(...)) -> Any:
    unit = get_role_unit(caller(request), code)
    try:
        return q.household_coverage(unit, filters.as_of)
    except CosoError as exc:
        raise Http404(str(exc)) from None


@router.get(
    "/units/{code}/arrangement",
    response={200: ArrangementOut, **READ_ERRORS},
    summary="What the unit's members do outside it (taking part in branches, posts in local "
    "committees, external roles, households): the border guard's arrangement",
)
def unit_arrangement(request: HttpRequest, code: UnitCode, filters: AsOf = Query(...)) -> Any:
    unit = get_role_unit(caller(request), code)
    try:
        return q.border_arrangement(unit, filters.as_of)
    except CosoError as exc:
        raise Http404(str(exc)) from None


@router.get(
    "/units/{code}/households",
    response={200: list[HouseholdOut], **READ_ERRORS},
    summary="Households on the register today in the unit's villages and residential areas",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_households(request: HttpRequest, code: UnitCode) -> Any:
    unit = get_role_unit(caller(request), code)
    return _Page(q.households_listed(unit), household_out)


@router.get(
    "/households/{household_id}",
    response={200: HouseholdOut, **READ_ERRORS},
    summary="A household (roles over its area; the member responsible for it)",
)
def get_household(request: HttpRequest, household_id: ObjectId) -> Any:
    household = get_household_for_user(caller(request), household_id)
    day = today()
    current = household.responsibilities.filter(valid_from__lte=day, valid_to__gt=day).first()
    household.responsible_id = current.member.member_id if current else None  # type: ignore[attr-defined]
    return household_out(household)


@router.post(
    "/units/{code}/households",
    response={201: HouseholdOut, **WRITE_ERRORS},
    summary="Register a household in a village or residential area (MANAGE_ACTIVITIES)",
)
def create_household(request: HttpRequest, code: UnitCode, payload: HouseholdIn) -> Any:
    user = caller(request)
    get_role_unit(user, code, Action.MANAGE_ACTIVITIES)
    area = get_role_unit(user, payload.area, Action.MANAGE_ACTIVITIES)
    household = ops.register_household(
        code=payload.code,
        head_name=payload.head_name,
        address=payload.address,
        area=area,
        area_name=payload.area_name,
        size=payload.size,
        poor=payload.poor,
        near_poor=payload.near_poor,
        policy_family=payload.policy_family,
        on=payload.on,
        actor=Actor.of(request),
    )
    return Status(201, household_out(household))


@router.post(
    "/households/{household_id}/responsible",
    response={200: HouseholdOut, **WRITE_ERRORS},
    summary="Make a member responsible for the household from a day (the earlier one's period "
    "is closed, not overwritten); MANAGE_ACTIVITIES over its area",
)
def post_responsible(request: HttpRequest, household_id: ObjectId, payload: ResponsibleIn) -> Any:
    user = caller(request)
    household = get_household_for_user(user, household_id, Action.MANAGE_ACTIVITIES)
    if not scope_of(user).can(Action.MANAGE_ACTIVITIES, household.area, by_role=True):
        raise Http404("Không tìm thấy.")
    member = _member(payload.member, user, "member", visible=False)
    ops.assign_household(
        household, member, on=payload.on, note=payload.note, actor=Actor.of(request)
    )
    return get_household(request, household_id)


@router.post(
    "/households/{household_id}/visits",
    response={201: VisitOut, **WRITE_ERRORS},
    summary="Record a visit by the member responsible (that member, or MANAGE_ACTIVITIES over "
    "the area)",
)
def post_visit(request: HttpRequest, household_id: ObjectId, payload: VisitIn) -> Any:
    user = caller(request)
    household = get_household_for_user(user, household_id, Action.MANAGE_ACTIVITIES)
    scope = scope_of(user)
    member = _member(payload.member, user, "member", visible=False)
    assert member is not None
    if not scope.can(Action.MANAGE_ACTIVITIES, household.area, by_role=True) and (
        scope.own_member is None or scope.own_member.pk != member.pk
    ):
        raise CosoError("Đảng viên thăm hộ: chỉ ghi được lần thăm của chính mình.")
    visit = ops.record_visit(
        household, member, on=payload.on, note=payload.note, actor=Actor.of(request)
    )
    return Status(
        201, {"id": visit.pk, "household": household.pk, "member": member.member_id, "on": visit.on}
    )


# --- assignments ----------------------------------------------------------------------------


@router.get(
    "/units/{code}/assignments",
    response={200: list[AssignmentOut], **READ_ERRORS},
    summary="Committee members assigned today to follow units of the subtree, or by the unit",
)
def list_assignments(request: HttpRequest, code: UnitCode) -> Any:
    unit = get_role_unit(caller(request), code)
    return [assignment_out(a) for a in q.assignments_in(unit)]


@router.post(
    "/units/{code}/assignments",
    response={201: AssignmentDetailOut, **WRITE_ERRORS},
    summary="Assign a committee member to follow a unit of the subtree (MANAGE_ACTIVITIES)",
)
def create_assignment(request: HttpRequest, code: UnitCode, payload: AssignmentIn) -> Any:
    user = caller(request)
    unit = get_role_unit(user, code, Action.MANAGE_ACTIVITIES)
    member = _member(payload.member, user, "member")
    followed = _unit(payload.unit, user, "unit")
    assert member is not None and followed is not None
    assignment = ops.assign_cadre(
        member=member,
        unit=followed,
        assigned_by=unit,
        on=payload.on,
        until=payload.until,
        area=payload.area,
        decision=payload.decision,
        report_every_months=payload.report_every_months,
        actor=Actor.of(request),
    )
    return Status(201, assignment_detail_out(assignment))


def assignment_detail_out(a: Assignment) -> dict[str, Any]:
    return {
        **assignment_out(a),
        "attendance": [
            {"meeting_id": r.meeting_id, "on": r.on, "kind": r.kind, "status": r.status}
            for r in q.assigned_attendance(a)
        ],
        "reports": [
            {"period_end": r.period_end, "filed_on": r.filed_on, "text": r.text}
            for r in a.reports.order_by("-period_end")
        ],
    }


@router.get(
    "/assignments/{assignment_id}",
    response={200: AssignmentDetailOut, **READ_ERRORS},
    summary="An assignment with the assignee's attendance at the unit's meetings and reports",
)
def get_assignment(request: HttpRequest, assignment_id: ObjectId) -> Any:
    return assignment_detail_out(get_assignment_for_user(caller(request), assignment_id))


@router.post(
    "/assignments/{assignment_id}/reports",
    response={201: AssignmentDetailOut, **WRITE_ERRORS},
    summary="File a periodic report (the assignee, or MANAGE_ACTIVITIES over the committee)",
)
def post_assignment_report(request: HttpRequest, assignment_id: ObjectId, payload: ReportIn) -> Any:
    user = caller(request)
    assignment = get_assignment_for_user(user, assignment_id)
    if not may_report(user, assignment):
        raise Http404("Không tìm thấy.")
    ops.file_assignment_report(
        assignment, period_end=payload.period_end, text=payload.text, actor=Actor.of(request)
    )
    return Status(201, assignment_detail_out(assignment))


# --- petitions ------------------------------------------------------------------------------


@router.get(
    "/units/{code}/petitions",
    response={200: list[PetitionOut], **READ_ERRORS},
    summary="Petitions handled in the unit's subtree or about a place in it, open first by due "
    "date; the petitioner masked outside the handling line",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_petitions(request: HttpRequest, code: UnitCode) -> Any:
    user = caller(request)
    unit = get_role_unit(user, code)
    return _Page(q.petitions_in(unit), petition_out, mask=lambda rows: present(user, rows))


@router.get(
    "/units/{code}/petitions/overdue",
    response={200: OverdueOut, **READ_ERRORS},
    summary="Open and overdue petitions per child unit (its whole subtree), overdue first",
)
def petition_overdue(request: HttpRequest, code: UnitCode, filters: AsOf = Query(...)) -> Any:
    unit = get_role_unit(caller(request), code)
    try:
        view = q.overdue_view(unit, filters.as_of)
    except CosoError as exc:
        raise Http404(str(exc)) from None
    return {
        "unit": unit.code,
        "on": view.day,
        "rows": [
            {"unit": r.code, "name": r.name, "own": r.own, "open": r.open, "overdue": r.overdue}
            for r in view.rows
        ],
        "open": view.total.open,
        "overdue": view.total.overdue,
    }


@router.post(
    "/units/{code}/petitions",
    response={201: PetitionOut, **WRITE_ERRORS},
    summary="Receive a petition at the unit (MANAGE_ACTIVITIES on it); deadline from the rules",
)
def create_petition(request: HttpRequest, code: UnitCode, payload: PetitionIn) -> Any:
    user = caller(request)
    unit = get_role_unit(user, code, Action.MANAGE_ACTIVITIES)
    petition = ops.receive_petition(
        kind=payload.kind,
        category=payload.category,
        received_on=payload.received_on,
        petitioner_name=payload.petitioner_name,
        petitioner_contact=payload.petitioner_contact,
        summary=payload.summary,
        place=payload.place,
        place_unit=_unit(payload.place_unit, user, "place_unit"),
        subject_member=_member(payload.subject_member, user, "subject_member"),
        handler=_member(payload.handler, user, "handler"),
        handling_unit=unit,
        actor=Actor.of(request),
    )
    return Status(201, petition_out(get_petition_for_user(user, petition.pk)))


@router.get(
    "/petitions/{petition_id}",
    response={200: PetitionOut, **READ_ERRORS},
    summary="A petition; the petitioner masked outside the handling line",
)
def get_petition(request: HttpRequest, petition_id: ObjectId) -> Any:
    return petition_out(get_petition_for_user(caller(request), petition_id))


@router.post(
    "/petitions/{petition_id}/steps",
    response={200: PetitionOut, **WRITE_ERRORS},
    summary="Record a step taken (MANAGE_ACTIVITIES on the handling unit)",
)
def post_petition_step(request: HttpRequest, petition_id: ObjectId, payload: StepIn) -> Any:
    user = caller(request)
    petition = get_petition_for_user(user, petition_id, Action.MANAGE_ACTIVITIES)
    ops.record_petition_step(
        petition,
        on=payload.on,
        text=payload.text,
        handler=_member(payload.handler, user, "handler"),
        actor=Actor.of(request),
    )
    return petition_out(get_petition_for_user(user, petition_id))


@router.post(
    "/petitions/{petition_id}/escalate",
    response={200: PetitionOut, **WRITE_ERRORS},
    summary="Pass the petition to a unit above its handling unit (history kept)",
)
def escalate_petition(request: HttpRequest, petition_id: ObjectId, payload: EscalateIn) -> Any:
    user = caller(request)
    petition = get_petition_for_user(user, petition_id, Action.MANAGE_ACTIVITIES)
    to = Unit.objects.filter(code=payload.to.strip()).first()
    if to is None:
        raise CosoError(f"to: không tìm thấy đơn vị «{payload.to}».")
    escalated = ops.escalate_petition(
        petition, to=to, on=payload.on, reason=payload.reason, actor=Actor.of(request)
    )
    try:
        return petition_out(get_petition_for_user(user, petition_id))
    except Http404:
        # Passed above the caller's reach: what they sent, without the petitioner.
        return petition_out(mask(escalated))


@router.post(
    "/petitions/{petition_id}/resolve",
    response={200: PetitionOut, **WRITE_ERRORS},
    summary="Close the petition with its resolution and the petitioner's satisfaction",
)
def resolve_petition(request: HttpRequest, petition_id: ObjectId, payload: ResolveIn) -> Any:
    user = caller(request)
    petition = get_petition_for_user(user, petition_id, Action.MANAGE_ACTIVITIES)
    ops.resolve_petition(
        petition,
        on=payload.on,
        resolution=payload.resolution,
        satisfaction=payload.satisfaction,
        actor=Actor.of(request),
    )
    return petition_out(get_petition_for_user(user, petition_id))


# --- petition → violation cases ----------------------------------------------------------------


class LinkedCasesOut(Schema):
    petition: int
    cases: list[CaseOut] = Field(description="the linked cases the caller may see")
    restricted: int = Field(description="linked cases outside the caller's view, counted only")


class LinkCaseIn(Schema):
    case: int = Field(ge=1, description="number (id) of a violation case the caller may see")


def _linked(user: Any, petition: Petition) -> dict[str, Any]:
    cases = q.linked_cases(petition)
    seen = [c for c in cases if may_view_case(user, c)]
    return {
        "petition": petition.pk,
        "cases": [case_out(c) for c in seen],
        "restricted": len(cases) - len(seen),
    }


@router.get(
    "/petitions/{petition_id}/cases",
    response={200: LinkedCasesOut, **READ_ERRORS},
    summary="The violation cases a petition led to (those the caller may see; the rest counted)",
)
def petition_cases(request: HttpRequest, petition_id: ObjectId) -> Any:
    user = caller(request)
    return _linked(user, get_petition_for_user(user, petition_id))


@router.post(
    "/petitions/{petition_id}/cases",
    response={201: LinkedCasesOut, **WRITE_ERRORS},
    summary="Link a violation case to the petition (MANAGE_ACTIVITIES on the handling unit; the "
    "case handled on the same line of the tree)",
)
def link_petition_case(request: HttpRequest, petition_id: ObjectId, payload: LinkCaseIn) -> Any:
    user = caller(request)
    petition = get_petition_for_user(user, petition_id, Action.MANAGE_ACTIVITIES)
    try:
        case = get_case_for_user(user, payload.case)
    except Http404:
        raise field_error(
            "case", f"Không có vụ việc số {payload.case} trong phạm vi của bạn."
        ) from None
    ops.link_case(petition, case, actor=Actor.of(request))
    return Status(201, _linked(user, petition))
