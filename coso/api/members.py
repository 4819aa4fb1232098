"""Members: list and search, and a member's record (the acts on members are in coso.api.acts)."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Query
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
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user
from coso.members.models import Member, MemberStatus
from coso.members.queries import (
    COUNT_CAP,
    SUBTREE_COUNT_CAP,
    MemberList,
    find_members,
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
