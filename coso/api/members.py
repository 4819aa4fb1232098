"""Members: list and search, detail, admission and every lifecycle operation."""

from collections.abc import Callable
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from coso.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Pages,
    caller,
    decision_out,
    member_facts,
    require_action,
    scope,
)
from coso.api.errors import ApiError, field_error
from coso.api.schemas import (
    AdmitIn,
    ErrorOut,
    MemberDetailOut,
    MemberOut,
    Operation,
    OperationIn,
)
from coso.audit.log import AuditAction, record_sensitive_view, record_write
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user
from coso.core.dates import today
from coso.core.models import get_decision
from coso.members import operations as ops
from coso.members.models import (
    IN_PARTY,
    Member,
    MemberEvent,
    MemberEventKind,
    MemberStatus,
)
from coso.members.operations import fold
from coso.units.models import Unit, UnitSpan
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


# --- admission ----------------------------------------------------------------------------


def _member_unit(request: HttpRequest, code: str, field: str) -> Unit:
    """A unit named in the body that the caller must manage members of (422 otherwise)."""
    try:
        return get_unit_for_user(caller(request), code, Action.MANAGE_MEMBERS)
    except Http404:
        raise field_error(field, f"Không tìm thấy đơn vị «{code}».") from None


def _any_unit(code: str, field: str) -> Unit:
    """A unit anywhere (a transfer destination, a host branch, a group checked by the domain)."""
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise field_error(field, f"Không tìm thấy đơn vị «{code}».")
    return unit


@router.post(
    "/members",
    response={201: MemberDetailOut, **WRITE_ERRORS},
    summary="Admit a member (on probation) into a branch",
)
def admit(request: HttpRequest, payload: AdmitIn) -> Status[dict[str, Any]]:
    require_action(request, Action.MANAGE_MEMBERS)
    branch = _member_unit(request, payload.branch, "branch")
    group = _any_unit(payload.group, "group") if payload.group else None
    visible = scope(request).members(Action.VIEW)
    introducers = []
    for number, member_id in enumerate(payload.introducers):
        intro = visible.filter(member_id=member_id.strip()).first()
        if intro is None:
            raise field_error(f"introducers.{number}", f"Không tìm thấy đảng viên «{member_id}».")
        introducers.append(intro)
    existing = Member.objects.filter(member_id=payload.member_id.strip()).first()
    if existing is not None and not visible.filter(pk=existing.pk).exists():
        raise ApiError(
            409, "refused", f"Số lý lịch «{payload.member_id.strip()}» đã được dùng trong sổ."
        )
    before = member_facts(existing) if existing is not None else None
    with transaction.atomic():
        member = _admit(payload, branch, group, introducers)
        record_write(request, AuditAction.ADMIT, member, before, member_facts(member), branch)
    return Status(201, member_detail(request, member))


def _admit(payload: AdmitIn, branch: Unit, group: Unit | None, introducers: list[Member]) -> Member:
    return ops.admit_member(
        member_id=payload.member_id,
        full_name=payload.full_name,
        gender=payload.gender,
        birth_date=payload.birth_date,
        branch=branch,
        admitted_on=payload.admitted_on,
        ceremony_on=payload.ceremony_on,
        decision=get_decision(payload.decision_number, payload.admitted_on),
        group=group,
        introducers=introducers,
        introduced_by_youth_union=payload.introduced_by_youth_union,
        card_no=payload.card_no,
        national_id=payload.national_id,
        ethnicity=payload.ethnicity,
        religion=payload.religion,
        hometown=payload.hometown,
        residence=payload.residence,
        education=payload.education,
        occupation=payload.occupation,
    )


# --- lifecycle operations -----------------------------------------------------------------

# Fields each operation needs besides `on`.
NEEDS: dict[str, tuple[str, ...]] = {
    "receive": ("branch",),
    "readmit": ("branch",),
    "temporary-transfer": ("host_unit",),
    "exempt": ("reason",),
    "strike-off": ("reason",),
}


# The audit names the act with the operation catalogue's slug, whatever the URL says.
_AUDIT_NAMES = {
    "not-recognize": AuditAction.REJECT_RECOGNITION,
    "temporary-transfer": AuditAction.TEMPORARY_START,
    "temporary-return": AuditAction.TEMPORARY_END,
}


def _run(request: HttpRequest, member: Member, op: str, body: OperationIn) -> None:
    decision = get_decision(body.decision_number, body.decision_date or body.on)
    on = body.on
    calls: dict[str, Callable[[], Any]] = {
        "recognize": lambda: ops.recognize_member(member, decided_on=on, decision=decision),
        "not-recognize": lambda: ops.reject_recognition(member, decided_on=on, decision=decision),
        "transfer-out": lambda: ops.transfer_out(
            member,
            on=on,
            to_unit=_any_unit(body.to_unit, "to_unit") if body.to_unit else None,
            decision=decision,
        ),
        "receive": lambda: ops.receive_member(
            member,
            on=on,
            branch=_member_unit(request, body.branch or "", "branch"),
            group=_any_unit(body.group, "group") if body.group else None,
            decision=decision,
        ),
        "transfer-out-of-system": lambda: ops.transfer_out_of_system(
            member, on=on, decision=decision
        ),
        "temporary-transfer": lambda: ops.start_temporary_transfer(
            member, on=on, host_unit=_any_unit(body.host_unit or "", "host_unit"), decision=decision
        ),
        "temporary-return": lambda: ops.end_temporary_transfer(member, on=on, decision=decision),
        "exempt": lambda: ops.exempt_member(
            member,
            on=on,
            reason=body.reason.strip(),
            decision=decision,
            illness_months=body.illness_months,
        ),
        "return": lambda: ops.return_from_exemption(member, on=on, decision=decision),
        "strike-off": lambda: ops.strike_off(member, on=on, reason=body.reason, decision=decision),
        "expel": lambda: ops.expel_member(member, on=on, decision=decision),
        "leave": lambda: ops.record_leaving(member, on=on, decision=decision),
        "death": lambda: ops.record_death(member, on=on),
        "readmit": lambda: ops.readmit_member(
            member,
            admitted_on=on,
            branch=_member_unit(request, body.branch or "", "branch"),
            ceremony_on=body.ceremony_on,
            group=_any_unit(body.group, "group") if body.group else None,
            family_hardship=body.family_hardship,
            decision=decision,
        ),
        "change-group": lambda: ops.change_group(
            member,
            on=on,
            group=_any_unit(body.group, "group") if body.group else None,
            decision=decision,
        ),
    }
    calls[op]()


def _member_to_receive(request: HttpRequest, member_id: str, body: OperationIn) -> Member:
    """The receiving branch takes in a member in transit from anywhere (another province too).

    Found when the member is in the caller's scope, or is in transit and the branch named in
    the body is one the caller manages; anyone else answers 404 as usual.
    """
    user = caller(request)
    try:
        return get_member_for_user(user, member_id, Action.MANAGE_MEMBERS)
    except Http404:
        member = Member.objects.filter(member_id=member_id.strip(), in_transit=True).first()
        if member is None or not body.branch:
            raise
        branch = Unit.objects.filter(code=body.branch.strip()).first()
        if branch is None or not scope(request).can(Action.MANAGE_MEMBERS, branch):
            raise
        return member


@router.post(
    "/members/{member_id}/operations/{op}",
    response={200: MemberDetailOut, **WRITE_ERRORS},
    summary="A lifecycle operation on a member (recognize, transfer-out, receive, exempt, ...)",
)
def operate(
    request: HttpRequest, member_id: str, op: Operation, payload: OperationIn
) -> dict[str, Any]:
    if op == "receive":
        member = _member_to_receive(request, member_id, payload)
    else:
        member = get_member_for_user(caller(request), member_id, Action.MANAGE_MEMBERS)
    for name in NEEDS.get(op, ()):
        value = getattr(payload, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise field_error(name, f"Thao tác «{op}» cần trường «{name}».")
    with transaction.atomic():
        before = member_facts(Member.objects.select_related("home_unit").get(pk=member.pk))
        _run(request, member, op, payload)
        member = Member.objects.select_related("home_unit").get(pk=member.pk)
        record_write(
            request,
            _AUDIT_NAMES.get(op) or AuditAction(op.replace("-", "_")),
            member,
            before,
            member_facts(member) | {"on": payload.on.isoformat()},
            member.home_unit,
        )
    return member_detail(request, member)
