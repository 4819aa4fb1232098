"""Loading outreach objects with permission: the one set of loaders pages and API use. Anything
out of scope answers 404 (Http404), never 403.

- A household is seen by roles over its area (village, residential area) and by the member
  responsible for it; MANAGE_ACTIVITIES over the area registers, assigns and records visits
  (the member responsible records their own visits too).
- An assignment is seen by roles over the committee that made it or the unit followed, and by
  the assignee, who files its reports; MANAGE_ACTIVITIES over the committee makes or ends it.
- A petition is seen by roles over its handling unit or the place it concerns and by the member
  handling it (`Scope.sees_petition`). **Who filed it** (name, contact) only the handling line
  reads (`Scope.sees_petitioner`): for everyone else `present` replaces them by `HIDDEN` on
  the object itself, before any template or schema sees it, and `petition_for_user` does the
  same for the one petition.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from coso.authority.scope import Action, get_unit_for_user, scope_of
from coso.outreach.models import Assignment, Household, Petition
from coso.units.models import Unit

NOT_FOUND = "Không tìm thấy."
# What stands in for the petitioner's name and contact outside the handling line.
HIDDEN = "***"
HIDDEN_LABEL = _("Đã ẩn (chỉ đơn vị giải quyết và cấp trên được xem)")

P = TypeVar("P", bound=Petition)


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    if not 0 < pk < 2**63:
        raise Http404(NOT_FOUND)
    return pk


def get_role_unit(user: Any, code: str, action: Action = Action.VIEW) -> Unit:
    """A unit the user holds a role over (a member's own branch is not enough); else 404."""
    unit = get_unit_for_user(user, code, action)
    if not scope_of(user).can(action, unit, by_role=True):
        raise Http404(NOT_FOUND)
    return unit


# --- households ------------------------------------------------------------------------------


def _responsible_now(household: Household, member_pk: int) -> bool:
    from coso.core.dates import today

    day = today()
    return household.responsibilities.filter(
        member_id=member_pk, valid_from__lte=day, valid_to__gt=day
    ).exists()


def get_household_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Household:
    household = Household.objects.select_related("area").filter(pk=_pk(pk)).first()
    if household is None:
        raise Http404(NOT_FOUND)
    scope = scope_of(user)
    if scope.can(action, household.area, by_role=True):
        return household
    own = scope.own_member
    if (
        action in (Action.VIEW, Action.MANAGE_ACTIVITIES)
        and own is not None
        and _responsible_now(household, own.pk)
    ):
        return household  # the member responsible: sees it and records their visits
    raise Http404(NOT_FOUND)


# --- assignments -----------------------------------------------------------------------------


def get_assignment_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Assignment:
    assignment = (
        Assignment.objects.select_related("member", "unit", "assigned_by")
        .filter(pk=_pk(pk))
        .first()
    )
    if assignment is None:
        raise Http404(NOT_FOUND)
    scope = scope_of(user)
    if scope.can(action, assignment.assigned_by, by_role=True):
        return assignment
    if action == Action.VIEW and scope.can(action, assignment.unit, by_role=True):
        return assignment
    own = scope.own_member
    if own is not None and own.pk == assignment.member_id and action == Action.VIEW:
        return assignment
    raise Http404(NOT_FOUND)


def may_report(user: Any, assignment: Assignment) -> bool:
    """The assignee files the reports (or whoever manages the committee's activities)."""
    scope = scope_of(user)
    own = scope.own_member
    if own is not None and own.pk == assignment.member_id:
        return True
    return scope.can(Action.MANAGE_ACTIVITIES, assignment.assigned_by, by_role=True)


# --- petitions -------------------------------------------------------------------------------


def mask(petition: P) -> P:
    petition.petitioner_name = HIDDEN
    petition.petitioner_contact = HIDDEN if petition.petitioner_contact else ""
    petition.identity_hidden = True  # type: ignore[attr-defined]
    return petition


def present(user: Any, petitions: Iterable[P]) -> list[P]:
    """The petitions as `user` may read them: the petitioner masked outside the handling line.
    Rows carry `handling_path` (queries.with_handling_path), so no query per row."""
    scope = scope_of(user)
    out = []
    for p in petitions:
        p.identity_hidden = False  # type: ignore[attr-defined]
        if not scope.sees_petitioner(
            p.handling_unit,
            handling_path=getattr(p, "handling_path", None),
            handler_id=p.handler_id,
            subject_id=p.subject_member_id,
        ):
            mask(p)
        out.append(p)
    return out


def get_petition_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Petition:
    """The petition if `user` may see it (VIEW) or manage it (MANAGE_ACTIVITIES), with the
    petitioner masked unless the user is in the handling line; else 404."""
    petition = (
        Petition.objects.select_related("handling_unit", "place_unit", "handler", "subject_member")
        .filter(pk=_pk(pk))
        .first()
    )
    if petition is None:
        raise Http404(NOT_FOUND)
    scope = scope_of(user)
    if action == Action.VIEW:
        allowed = scope.sees_petition(
            petition.handling_unit, petition.place_unit, handler_id=petition.handler_id
        )
    else:
        allowed = scope.manages_petition(
            petition.handling_unit, subject_id=petition.subject_member_id
        )
    if not allowed:
        raise Http404(NOT_FOUND)
    return present(user, [petition])[0]
