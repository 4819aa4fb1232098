"""Loading quality objects with permission (404 outside scope), for pages and API alike."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from coso.authority.scope import Action, get_unit_for_user, scope_of
from coso.members.models import Member
from coso.quality.models import Assessment, CriteriaSet
from coso.quality.operations import residence_units
from coso.units.models import Unit


def get_quality_unit(user: Any, code: str) -> Unit:
    """A unit whose quality pages the user may read: a role that views it (not a member's own
    branch: members see their own review)."""
    unit = get_unit_for_user(user, code)
    if not scope_of(user).can(Action.VIEW, unit, by_role=True):
        raise Http404("Không tìm thấy đơn vị.")
    return unit


def get_criteria_for_user(user: Any, pk: Any) -> CriteriaSet:
    """Criteria sets are read by anyone holding a role on a unit."""
    if not scope_of(user).manages_units:
        raise Http404("Không tìm thấy bộ tiêu chí.")
    try:
        return CriteriaSet.objects.select_related("owner").get(pk=int(pk))
    except (CriteriaSet.DoesNotExist, TypeError, ValueError):
        raise Http404("Không tìm thấy bộ tiêu chí.") from None


def may_edit_criteria(user: Any, criteria: CriteriaSet | None = None) -> bool:
    """A set a unit issued: its organization officers (MANAGE_UNITS on it) add versions; a
    national set (no issuing unit): administrators."""
    scope = scope_of(user)
    if criteria is not None and criteria.owner is not None:
        return scope.can(Action.MANAGE_UNITS, criteria.owner)
    return scope.is_admin


def get_assessment_for_user(user: Any, pk: Any) -> Assessment:
    try:
        assessment = Assessment.objects.select_related(
            "unit", "criteria_set", "proposal", "decision", "decider"
        ).get(pk=int(pk))
    except (Assessment.DoesNotExist, TypeError, ValueError):
        raise Http404("Không tìm thấy bản đánh giá.") from None
    if not scope_of(user).can(Action.VIEW, assessment.unit, by_role=True):
        raise Http404("Không tìm thấy bản đánh giá.")
    return assessment


def get_reviewed_member(user: Any, member_id: str, year: int) -> Member:
    """A member whose yearly review the user may read: in scope (the member themself
    included), or a working member in contact with a residential branch the user runs."""
    scope = scope_of(user)
    member = scope.members(Action.VIEW).filter(member_id=member_id.strip()).first()
    if member is not None:
        return member
    member = Member.objects.filter(member_id=member_id.strip()).first()
    if member is not None and any(
        scope.can(Action.MANAGE_ACTIVITIES, unit) for unit in residence_units(member, year)
    ):
        return member
    raise Http404("Không tìm thấy đảng viên.")
