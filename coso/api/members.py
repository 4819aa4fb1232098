"""Members: list and search, detail, admission and every lifecycle operation."""

from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from coso.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Pages,
    caller,
    decision_out,
    scope,
)
from coso.api.schemas import (
    ErrorOut,
    MemberDetailOut,
    MemberOut,
)
from coso.audit.log import record_sensitive_view
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user
from coso.core.dates import today
from coso.members.models import (
    IN_PARTY,
    Member,
    MemberEvent,
    MemberEventKind,
    MemberStatus,
)
from coso.members.operations import fold
from coso.units.models import UnitSpan
from coso.units.queries import subtree_range

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
    """The member with history; sensitive fields only for VIEW_SENSITIVE, and that view is logged."""
    member = Member.objects.select_related("home_unit").get(pk=member.pk)
    sensitive = None
    if scope(request).can_member(Action.VIEW_SENSITIVE, member):
        sensitive = {
            "national_id": member.national_id,
            "ethnicity": member.ethnicity,
            "religion": member.religion,
        }
        record_sensitive_view(request, member)
    events = MemberEvent.objects.filter(member=member).select_related(
        "decision", "unit", "other_unit"
    )
    history = [
        {
            "kind": e.kind,
            "kind_label": _event_label(e.kind),
            "effective_on": e.effective_on,
            "decided_on": e.decided_on,
            "decision": decision_out(e.decision),
            "unit": e.unit.code if e.unit else None,
            "other_unit": e.other_unit.code if e.other_unit else None,
            "details": e.details or {},
        }
        for e in events.order_by("effective_on", "id")
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
        "sensitive": sensitive,
        "history": history,
    }


def _event_label(kind: str) -> str:
    try:
        return str(MemberEventKind(kind).label)
    except ValueError:
        return kind


# --- list ---------------------------------------------------------------------------------


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
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_members(request: HttpRequest, filters: MemberFilter = Query(...)) -> Any:
    members = scope(request).members(Action.VIEW)
    if filters.unit:
        unit = get_unit_for_user(caller(request), filters.unit, Action.VIEW)
        day = today()
        span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
        if span is None:
            members = members.none()
        else:
            lo, hi = subtree_range(span.path)
            units = UnitSpan.objects.filter(
                path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day
            ).values("unit_id")
            members = members.filter(home_unit__in=units)
    if filters.status == "active":
        members = members.filter(status__in=IN_PARTY)
    elif filters.status != "all":
        members = members.filter(status=filters.status)
    if filters.exempt is not None:
        members = members.filter(exempt=filters.exempt)
    if filters.in_transit is not None:
        members = members.filter(in_transit=filters.in_transit)
    text = (filters.q or "").strip()
    words = fold(text).split()
    if words:
        by_name = Q()
        for word in words:
            by_name &= Q(search_name__contains=word)
        members = members.filter(by_name | Q(member_id=text))
    return _MemberPage(members.select_related("home_unit").order_by("sort_key", "member_id"))


class _MemberPage:
    def __init__(self, members: Any) -> None:
        self.members = members

    def __len__(self) -> int:
        return int(self.members.count())

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
