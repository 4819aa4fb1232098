"""Members: list and search, and a member's record (the acts on members are in coso.api.acts)."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Query
from pydantic import Field

from coso.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Day,
    Pages,
    caller,
    decision_out,
    scope,
)
from coso.api.errors import field_error
from coso.api.schemas import (
    ErrorOut,
    MemberDetailOut,
    MemberOut,
)
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user
from coso.members.models import (
    SENSITIVE_CORRECTIONS,
    Gender,
    Member,
    MemberStatus,
)
from coso.members.operations import correct_member_record
from coso.members.queries import (
    COUNT_CAP,
    SUBTREE_COUNT_CAP,
    Correction,
    MemberList,
    find_members,
    member_corrections,
    read_member,
)

router = Router(tags=["members"])

WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _label(value: str) -> str:
    try:
        return str(MemberStatus(value).label)
    except ValueError:
        return value


def member_out(member: Member) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "full_name": member.full_name,
        "gender": member.gender,
        "birth_date": member.birth_date,
        "status": member.status,
        "status_label": _label(member.status),
        "home_unit": member.home_unit.code if member.home_unit_id and member.home_unit else None,
        "exempt": member.exempt,
        "in_transit": member.in_transit,
    }


def member_detail(request: HttpRequest, member: Member) -> dict[str, Any]:
    """The member with history as the caller may see it (the page's read, `read_member`)."""
    member = Member.objects.select_related("home_unit").get(pk=member.pk)
    sensitive = scope(request).can_member(Action.VIEW_SENSITIVE, member)
    record = read_member(member, sensitive=sensitive, reader=request)
    history = [
        {
            "kind": e.kind,
            "kind_label": e.kind_label,
            "effective_on": e.effective_on,
            "decided_on": e.decided_on,
            "decision": decision_out(e.decision),
            "unit": e.unit.code if e.unit else None,
            "other_unit": e.other_unit.code if e.other_unit else None,
            "details": e.details,
        }
        for e in record.history
    ]
    return {
        **member_out(member),
        "card_no": member.card_no,
        "hometown": member.hometown,
        "residence": member.residence,
        "education": member.education,
        "occupation": member.occupation,
        "first_admitted_on": member.first_admitted_on,
        "admitted_on": member.admitted_on,
        "probation_from": member.probation_from,
        "official_on": member.official_on,
        "ended_on": member.ended_on,
        "readmissions": member.readmissions,
        "sensitive": record.sensitive,
        "history": history,
    }


# --- list ---------------------------------------------------------------------------------


class MemberPages(Pages):
    """Pages of the member list: `count` is exact up to a cap (COUNT_CAP for the whole
    registry, SUBTREE_COUNT_CAP within a unit or a scope below the root); beyond it `count` is
    the cap and `count_exact` false (the page says "more than"). Later pages are still answered.
    """

    class Output(Schema):
        items: list[Any]
        count: int = Field(
            description=f"the matches, counted up to {COUNT_CAP} in the whole registry, "
            f"{SUBTREE_COUNT_CAP} within a unit's subtree"
        )
        count_exact: bool = Field(description="false: more match than `count`")

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        out = super().paginate_queryset(queryset, pagination, request, **params)
        out["count_exact"] = queryset.members.exact
        return out


class MemberFilter(Schema):
    q: str | None = Field(
        None, max_length=200, description="name without or with diacritics, or a member id"
    )
    unit: str | None = Field(None, max_length=40, description="home in this unit's subtree today")
    status: MemberStatus | Literal["active", "all"] = Field(
        "active", description="active: probationary and official members"
    )
    exempt: bool | None = None
    in_transit: bool | None = None


@router.get(
    "/members",
    response={200: list[MemberOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Members in the caller's scope, sorted the Vietnamese way (given name first)",
)
@paginate(MemberPages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_members(request: HttpRequest, filters: MemberFilter = Query(...)) -> Any:
    unit = get_unit_for_user(caller(request), filters.unit, Action.VIEW) if filters.unit else None
    members = find_members(
        scope(request).members(Action.VIEW),
        text=filters.q or "",
        unit=unit,
        status=filters.status,
        exempt=filters.exempt,
        in_transit=filters.in_transit,
    )
    return _MemberPage(members)


class _MemberPage:
    """The page's list (`MemberList`: a bounded count, pages walked in name order) as rows."""

    def __init__(self, members: MemberList) -> None:
        self.members = members

    def __len__(self) -> int:
        return self.members.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [member_out(m) for m in self.members[item]]


# --- detail -------------------------------------------------------------------------------


@router.get(
    "/members/{member_id}",
    response={200: MemberDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="A member with their history (sensitive fields only for those allowed)",
)
def get_member(request: HttpRequest, member_id: str) -> dict[str, Any]:
    member = get_member_for_user(caller(request), member_id, Action.VIEW)
    return member_detail(request, member)


# --- corrections of the record (issue 13, point 1) ------------------------------------------


class CorrectionIn(Schema):
    """The fields to correct (those left out stay as they are), the effective date and the
    reason. The sensitive ones (birth date, national ID, ethnicity, religion) only for a caller
    allowed to see them."""

    effective_on: Day
    reason: str = Field(min_length=1, max_length=500)
    full_name: str | None = Field(None, min_length=1, max_length=200)
    gender: Gender | None = None
    birth_date: Day | None = None
    card_no: str | None = Field(None, max_length=40)
    national_id: str | None = Field(None, max_length=20)
    ethnicity: str | None = Field(None, max_length=60)
    religion: str | None = Field(None, max_length=60)
    hometown: str | None = Field(None, max_length=300)
    residence: str | None = Field(None, max_length=300)
    education: str | None = Field(None, max_length=200)
    occupation: str | None = Field(None, max_length=200)


class CorrectionOut(Schema):
    field: str
    field_label: str
    old: str | None = Field(description="as shown on the page; null: sensitive, not for you")
    new: str | None
    effective_on: dt.date
    reason: str
    sensitive: bool
    recorded_by: str
    recorded_at: dt.datetime


def _correction_out(c: Correction) -> dict[str, Any]:
    return {
        "field": c.field,
        "field_label": c.field_label,
        "old": None if c.hidden else c.old,
        "new": None if c.hidden else c.new,
        "effective_on": c.effective_on,
        "reason": c.reason,
        "sensitive": c.sensitive,
        "recorded_by": c.by,
        "recorded_at": c.at,
    }


@router.get(
    "/members/{member_id}/corrections",
    response={200: list[CorrectionOut], 401: ErrorOut, 404: ErrorOut},
    summary="The corrections of a member's record, oldest first (sensitive values only for "
    "those allowed to see them)",
)
def list_corrections(request: HttpRequest, member_id: str) -> list[dict[str, Any]]:
    member = get_member_for_user(caller(request), member_id, Action.VIEW)
    sensitive = scope(request).can_member(Action.VIEW_SENSITIVE, member)
    return [_correction_out(c) for c in member_corrections(member, sensitive=sensitive)]


@router.post(
    "/members/{member_id}/corrections",
    response={201: list[CorrectionOut], **WRITE_ERRORS},
    summary="Correct a member's record (organization officers over the member, the secretary "
    "of the member's branch): one row per changed field, appended",
)
def post_correction(request: HttpRequest, member_id: str, payload: CorrectionIn) -> Status[Any]:
    member = get_member_for_user(caller(request), member_id, Action.CORRECT_MEMBER_RECORD)
    changes = payload.dict(exclude={"effective_on", "reason"}, exclude_none=True)
    if not scope(request).can_member(Action.VIEW_SENSITIVE, member):
        for name in sorted(set(changes) & SENSITIVE_CORRECTIONS):
            raise field_error(name, "Bạn không được đính chính thông tin cần bảo vệ này.")
    rows = correct_member_record(
        member,
        changes=changes,
        effective_on=payload.effective_on,
        reason=payload.reason,
        actor=request,
    )
    sensitive = scope(request).can_member(Action.VIEW_SENSITIVE, member)
    done = member_corrections(member, sensitive=sensitive, batch=rows[0].batch)
    return Status(201, [_correction_out(c) for c in done])
