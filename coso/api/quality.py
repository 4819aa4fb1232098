"""API of assessment and quality classification (coso.quality), with the pages' scopes.

Criteria sets are read by anyone holding a role; a new version is added by the officers of the
unit that issued the set (administrators for a national set). A unit's assessments and the
classification summary are read with a role that views the unit (404 otherwise); a member's
yearly review and ratings by whoever may see the member. The decisions (`assessment`,
`classify_unit`, `classify_member`) go through the authority catalogue as on the pages:
202 `{"proposal": id}` where the caller only proposes, 200 where they decide. Refusals by the
rules answer 409 `refused` with the rule's message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from ninja.params.functions import Query
from pydantic import BaseModel, Field

from coso.api.acts import ActIn, ProposedOut, _data, _invalid, _perform, _proposed
from coso.api.common import caller, require_manager, scope
from coso.api.schemas import ErrorOut
from coso.authority.catalogue import ActInvalid
from coso.authority.rules import authority_for
from coso.authority.scope import Action, get_member_for_user
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.quality import operations as ops
from coso.quality import queries
from coso.quality.access import (
    get_assessment_for_user,
    get_criteria_for_user,
    get_quality_unit,
    may_edit_criteria,
)
from coso.quality.acts import ASSESSMENT, CLASSIFY_MEMBER, CLASSIFY_UNIT
from coso.quality.models import Assessment, Classification, CriteriaSet

router = Router(tags=["quality"])

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}


class CriteriaOut(Schema):
    id: int
    family: str
    version: int
    name: str
    unit_kinds: list[str]
    categories: list[str]
    effective_from: dt.date
    source: str
    template: bool
    owner: str | None
    note: str
    content: dict[str, Any]


def _criteria(c: CriteriaSet) -> dict[str, Any]:
    return {
        "id": c.pk,
        "family": c.family,
        "version": c.version,
        "name": c.name,
        "unit_kinds": c.unit_kinds,
        "categories": c.categories,
        "effective_from": c.effective_from,
        "source": c.source,
        "template": c.template,
        "owner": c.owner.code if c.owner else None,
        "note": c.note,
        "content": c.content,
    }


class CriteriaVersionIn(BaseModel):
    name: str = Field(..., max_length=200)
    unit_kinds: list[str] = Field(..., max_length=20)
    categories: list[str] = Field(default_factory=list, max_length=20)
    effective_from: dt.date
    source: str = Field(..., max_length=300)
    template: bool = False
    note: str = Field("", max_length=5000)
    content: dict[str, Any]


@router.get(
    "/quality/criteria",
    response={200: list[CriteriaOut], **READ_ERRORS},
    summary="Every version of every criteria set",
)
def list_criteria(request: HttpRequest) -> list[dict[str, Any]]:
    require_manager(request)
    return [_criteria(c) for c in queries.criteria_versions()]


@router.get(
    "/quality/criteria/{criteria_id}",
    response={200: CriteriaOut, **READ_ERRORS},
    summary="One version of a criteria set",
)
def criteria_detail(request: HttpRequest, criteria_id: int) -> dict[str, Any]:
    return _criteria(get_criteria_for_user(caller(request), criteria_id))


@router.post(
    "/quality/criteria/{criteria_id}/versions",
    response={201: CriteriaOut, **WRITE_ERRORS},
    summary="A new version of the criteria set (earlier versions stay as assessments used them)",
)
def new_criteria_version(
    request: HttpRequest, criteria_id: int, payload: CriteriaVersionIn
) -> Status[dict[str, Any]]:
    criteria = get_criteria_for_user(caller(request), criteria_id)
    if not may_edit_criteria(caller(request), criteria):
        raise Http404("Không tìm thấy.")
    created = ops.save_criteria_set(
        family=criteria.family,
        name=payload.name,
        unit_kinds=payload.unit_kinds,
        categories=payload.categories,
        effective_from=payload.effective_from,
        source=payload.source,
        content=payload.content,
        template=payload.template,
        note=payload.note,
        owner=criteria.owner,
        user=caller(request),
        actor=request,
    )
    return Status(201, _criteria(created))


class AssessmentOut(Schema):
    id: int
    unit: str
    criteria_set: int
    criteria_name: str
    period_start: dt.date
    period_end: dt.date
    label: str
    status: str
    scores: dict[str, int]
    breaches: list[str]
    self_total: int
    evidence: list[dict[str, Any]]
    review_total: int | None
    review_breaches: list[str] | None
    review_note: str
    proposal: int | None
    decided_total: int | None
    decided_breaches: list[str] | None
    passed: bool | None
    decision: str | None
    decided_on: dt.date | None


def _assessment(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "unit": a.unit.code,
        "criteria_set": a.criteria_set_id,
        "criteria_name": a.criteria_set.name,
        "period_start": a.period_start,
        "period_end": a.period_end,
        "label": a.label,
        "status": a.status,
        "scores": a.scores,
        "breaches": a.breaches,
        "self_total": a.self_total,
        "evidence": a.evidence,
        "review_total": a.review_total,
        "review_breaches": a.review_breaches,
        "review_note": a.review_note,
        "proposal": a.proposal_id,
        "decided_total": a.decided_total,
        "decided_breaches": a.decided_breaches,
        "passed": a.passed,
        "decision": a.decision.number if a.decision else None,
        "decided_on": a.decided_on,
    }


class StartIn(BaseModel):
    criteria_set: int
    year: int = Field(..., ge=2000, le=2100)


class ScoresIn(BaseModel):
    scores: dict[str, int] = Field(..., max_length=200)
    breaches: list[str] = Field(default_factory=list, max_length=50)
    note: str = Field("", max_length=5000)
    refresh_evidence: bool = False


class ReviewIn(BaseModel):
    total: int = Field(..., ge=0, le=10_000)
    breaches: list[str] = Field(default_factory=list, max_length=50)
    note: str = Field("", max_length=5000)


@router.get(
    "/units/{code}/assessments",
    response={200: list[AssessmentOut], **READ_ERRORS},
    summary="The unit's assessments against criteria sets",
)
def unit_assessments(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    unit = get_quality_unit(caller(request), code)
    return [_assessment(a) for a in queries.assessments_of(unit)]


@router.post(
    "/units/{code}/assessments",
    response={201: AssessmentOut, **WRITE_ERRORS},
    summary="Start the unit's self-assessment for a year (evidence prefilled from the data)",
)
def start_assessment(request: HttpRequest, code: str, payload: StartIn) -> Status[dict[str, Any]]:
    unit = get_quality_unit(caller(request), code)
    if not scope(request).can(Action.MANAGE_ACTIVITIES, unit):
        raise Http404("Không tìm thấy.")
    criteria = CriteriaSet.objects.filter(pk=payload.criteria_set).first()
    if criteria is None:
        raise CosoError(f"Không có bộ tiêu chí số {payload.criteria_set}.")
    assessment = ops.start_assessment(
        unit,
        criteria,
        start=dt.date(payload.year, 1, 1),
        end=dt.date(payload.year + 1, 1, 1),
        label=str(payload.year),
        user=caller(request),
        actor=request,
    )
    return Status(201, _assessment(assessment))


@router.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, **READ_ERRORS},
    summary="An assessment with its evidence, review and decision",
)
def assessment_detail(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    return _assessment(get_assessment_for_user(caller(request), assessment_id))


@router.post(
    "/assessments/{assessment_id}/scores",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="The unit's own scores (while not proposed, or after being sent back)",
)
def save_scores(request: HttpRequest, assessment_id: int, payload: ScoresIn) -> dict[str, Any]:
    assessment = get_assessment_for_user(caller(request), assessment_id)
    if not scope(request).can(Action.MANAGE_ACTIVITIES, assessment.unit):
        raise Http404("Không tìm thấy.")
    ops.save_self_assessment(
        assessment,
        scores=dict(payload.scores),
        breaches=list(payload.breaches),
        note=payload.note,
        refresh_evidence=payload.refresh_evidence,
        user=caller(request),
        actor=request,
    )
    return _assessment(assessment)


class DoneOut(Schema):
    act: str
    subject: str
    record: int | None = None


@router.post(
    "/assessments/{assessment_id}/submit",
    response={200: DoneOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="Send the self-assessment up: a proposal (202), or the decision when the caller "
    "decides for the competent committee (200)",
)
def submit_assessment(request: HttpRequest, assessment_id: int, payload: ActIn) -> Any:
    assessment = get_assessment_for_user(caller(request), assessment_id)
    try:
        outcome = ops.submit_assessment(
            assessment, _data(payload), user=caller(request), actor=request, channel="api"
        )
    except PermissionError:
        raise Http404("Không tìm thấy.") from None
    except ActInvalid as exc:  # the form's field errors, as on the acts' routes
        raise _invalid(exc.form) from None
    if outcome.proposed:
        return _proposed(outcome)
    return {"act": ASSESSMENT.slug, "subject": assessment.unit.code, "record": assessment.pk}


@router.post(
    "/assessments/{assessment_id}/review",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="The superior's advisory body vets a proposed self-assessment",
)
def review_assessment(request: HttpRequest, assessment_id: int, payload: ReviewIn) -> Any:
    assessment = get_assessment_for_user(caller(request), assessment_id)
    authority = authority_for("assessment", assessment.unit, today())
    if authority is None or not scope(request).can(Action.DECIDE, authority.decider):
        raise Http404("Không tìm thấy.")
    ops.review_assessment(
        assessment,
        total=payload.total,
        breaches=list(payload.breaches),
        note=payload.note,
        user=caller(request),
        actor=request,
    )
    return _assessment(assessment)


class CountsOut(Schema):
    excellent: int
    good: int
    complete: int
    not_complete: int
    not_rated: int


class SummaryOut(Schema):
    unit: str
    year: int
    regulation: str
    source: str
    units: CountsOut
    members: CountsOut
    by_kind: dict[str, CountsOut]
    clean_and_strong: list[str]


class ClassificationOut(Schema):
    year: int
    subject: str
    level: str
    score: int | None
    regulation: str
    decider: str
    decision: str | None
    decided_on: dt.date
    current: bool
    disciplined: bool
    discipline_decision: str


def _classification(c: Classification) -> dict[str, Any]:
    return {
        "year": c.year,
        "subject": c.unit.code if c.unit else (c.member.member_id if c.member else ""),
        "level": c.level,
        "score": c.score,
        "regulation": c.regulation,
        "decider": c.decider.code,
        "decision": c.decision.number if c.decision else None,
        "decided_on": c.decided_on,
        "current": c.current,
        "disciplined": c.disciplined,
        "discipline_decision": c.discipline_decision,
    }


@router.get(
    "/units/{code}/classifications",
    response={200: SummaryOut, **READ_ERRORS},
    summary="The year's classification of the unit's subtree: regulation, counts per level",
)
def classification_summary(
    request: HttpRequest, code: str, year: int = Query(..., ge=1930, le=2100)
) -> dict[str, Any]:
    unit = get_quality_unit(caller(request), code)
    summary = queries.classification_summary(unit, year)
    clean, _count = queries.clean_and_strong(unit, year, limit=1000)
    return {"unit": unit.code, "year": year, **summary, "clean_and_strong": [c.code for c in clean]}


class ClassifyIn(ActIn):
    year: int = Field(..., ge=2000, le=2100)
    level: str = Field(..., max_length=20)


@router.post(
    "/units/{code}/classifications",
    response={200: ClassificationOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="Classify the unit for a year: a proposal (202) or the decision (200)",
)
def classify_unit(request: HttpRequest, code: str, payload: ClassifyIn) -> Any:
    unit = get_quality_unit(caller(request), code)
    outcome = _perform(request, CLASSIFY_UNIT, unit, _data(payload))
    if outcome.proposed:
        return _proposed(outcome)
    return _classification(outcome.result)


class MemberYearOut(Schema):
    member: str
    ratings: list[ClassificationOut]
    reviews: list[dict[str, Any]]


@router.get(
    "/members/{member_id}/classifications",
    response={200: MemberYearOut, **READ_ERRORS},
    summary="The member's yearly reviews and ratings (re-ratings included)",
)
def member_classifications(request: HttpRequest, member_id: str) -> dict[str, Any]:
    member = get_member_for_user(caller(request), member_id)
    reviews = [
        {
            "year": r.year,
            "unit": r.unit.code,
            "self_level": r.self_level,
            "branch_level": r.branch_level,
            "votes": [r.votes_for, r.votes_against, r.votes_abstain],
            "residence_unit": r.residence_unit.code if r.residence_unit else None,
            "residence_comment": r.residence_comment,
        }
        for r in member.reviews.select_related("unit", "residence_unit")
    ]
    return {
        "member": member.member_id,
        "ratings": [_classification(c) for c in queries.classification_trail(member=member)],
        "reviews": reviews,
    }


@router.post(
    "/members/{member_id}/classifications",
    response={200: ClassificationOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="Classify the member for a year: the branch proposes (202), the competent "
    "committee decides (200)",
)
def classify_member(request: HttpRequest, member_id: str, payload: ClassifyIn) -> Any:
    member = get_member_for_user(caller(request), member_id)
    outcome = _perform(request, CLASSIFY_MEMBER, member, _data(payload))
    if outcome.proposed:
        return _proposed(outcome)
    return _classification(outcome.result)
