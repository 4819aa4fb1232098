"""Loading case files, decisions, appeals and plans with permission: the one set of loaders pages
and API use. Anything out of scope answers 404 (Http404), never 403.

- A case file is read only by the handling body and those above it: a role (not a plain
  membership) whose subtree holds the handling unit (VIEW by role). The member a case is about
  sees their own case (to be heard and to appeal); other members of the branch see nothing,
  and a branch secretary does not see a case handled by the committee above.
- Opening a case, adding files, closing it, plans and appeals: MANAGE_CASES by role on the
  handling unit (an appeal's outcome: DECIDE on the level above the deciding body, checked by
  the operation).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404

from coso.authority.scope import Action, get_unit_for_user, scope_of
from coso.core.files import CONTENT_TYPES, stored_path
from coso.oversight.models import (
    Appeal,
    CaseFile,
    DisciplineDecision,
    InspectionPlan,
    ViolationCase,
)
from coso.oversight.operations import FOLDER
from coso.units.models import Unit

NOT_FOUND = "Không tìm thấy."


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    if not 0 < pk < 2**62:
        raise Http404(NOT_FOUND)
    return pk


def may_view_case(user: Any, case: ViolationCase) -> bool:
    scope = scope_of(user)
    if scope.is_admin or scope.can(Action.VIEW, case.handling_unit, by_role=True):
        return True
    own = scope.own_member
    return own is not None and case.member_id == own.pk


def may_manage_case(user: Any, case: ViolationCase) -> bool:
    return scope_of(user).can(Action.MANAGE_CASES, case.handling_unit, by_role=True)


def get_case_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> ViolationCase:
    """The case if `user` may do `action` on it (VIEW or MANAGE_CASES); else 404."""
    case = (
        ViolationCase.objects.select_related("member", "unit", "handling_unit", "plan")
        .filter(pk=_pk(pk))
        .first()
    )
    if case is None:
        raise Http404(NOT_FOUND)
    allowed = may_view_case(user, case) if action == Action.VIEW else may_manage_case(user, case)
    if not allowed:
        raise Http404(NOT_FOUND)
    return case


def get_decision_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> DisciplineDecision:
    decision = (
        DisciplineDecision.objects.select_related("case__handling_unit", "body")
        .filter(pk=_pk(pk))
        .first()
    )
    if decision is None:
        raise Http404(NOT_FOUND)
    case = decision.case
    allowed = may_view_case(user, case) if action == Action.VIEW else may_manage_case(user, case)
    if not allowed:
        raise Http404(NOT_FOUND)
    return decision


def get_appeal_for_user(user: Any, pk: Any) -> Appeal:
    """A pending or decided appeal, for whoever may decide at some unit above the deciding body
    or manage the case (the outcome's body is checked by the operation)."""
    appeal = (
        Appeal.objects.select_related("decision__case__handling_unit", "decision__body")
        .filter(pk=_pk(pk))
        .first()
    )
    if appeal is None or not may_view_case(user, appeal.decision.case):
        raise Http404(NOT_FOUND)
    return appeal


def get_role_unit(user: Any, code: str, action: Action = Action.VIEW) -> Unit:
    """A unit the user holds a role over (a member's own branch is not enough); else 404."""
    unit = get_unit_for_user(user, code, action)
    if not scope_of(user).can(action, unit, by_role=True):
        raise Http404(NOT_FOUND)
    return unit


def get_plan_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> InspectionPlan:
    plan = InspectionPlan.objects.select_related("unit").filter(pk=_pk(pk)).first()
    if plan is None or not scope_of(user).can(action, plan.unit, by_role=True):
        raise Http404(NOT_FOUND)
    return plan


def case_file_response(user: Any, pk: Any) -> FileResponse:
    """A case's evidence file as a download, for whoever may see the case."""
    found = CaseFile.objects.select_related("case__handling_unit").filter(pk=_pk(pk)).first()
    if found is None or not may_view_case(user, found.case):
        raise Http404(NOT_FOUND)
    path = stored_path(FOLDER, found.stored_name)
    if path is None:
        raise Http404(NOT_FOUND)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=CONTENT_TYPES.get(found.file_type, "application/octet-stream"),
    )
