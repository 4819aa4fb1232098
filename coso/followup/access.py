"""Loading directives, steps, resolutions and files with permission: the one set of loaders pages
and API use. Anything out of scope answers 404 (Http404), never 403.

- A directive is seen by whoever holds a role over the unit that registered it, or over a unit
  it was cascaded to (a branch secretary sees the documents their branch must carry out).
  Registering and cascading need MANAGE_DIRECTIVES on the registering unit (organization
  officers). A plain member sees none of it (the follow-through is for those who run units).
- A step is reported by whoever holds MANAGE_ACTIVITIES on its unit (the branch's secretary,
  the committee above).
- A resolution's targets are read by roles over its unit and edited with MANAGE_ACTIVITIES.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404

from coso.authority.scope import Action, get_unit_for_user, scope_of
from coso.core.files import CONTENT_TYPES, stored_path
from coso.followup.models import Attachment, Directive, Implementation, Step
from coso.followup.operations import FOLDER
from coso.meetings.models import Resolution
from coso.units.models import Unit

NOT_FOUND = "Không tìm thấy."


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    if not 0 < pk < 2**63:
        raise Http404(NOT_FOUND)
    return pk


def may_view_directive(user: Any, directive: Directive) -> bool:
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if not scope.manages_units:
        return False
    if scope.can(Action.VIEW, directive.owner, by_role=True):
        return True
    return scope.reaches_any(Implementation.objects.filter(directive=directive))


def get_directive_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Directive:
    """The directive if `user` may do `action` on it (VIEW or MANAGE_DIRECTIVES); else 404."""
    directive = Directive.objects.select_related("owner").filter(pk=_pk(pk)).first()
    if directive is None:
        raise Http404(NOT_FOUND)
    if action == Action.VIEW:
        allowed = may_view_directive(user, directive)
    else:
        allowed = scope_of(user).can(action, directive.owner, by_role=True)
    if not allowed:
        raise Http404(NOT_FOUND)
    return directive


def get_role_unit(user: Any, code: str, action: Action = Action.VIEW) -> Unit:
    """A unit the user holds a role over (a member's own branch is not enough); else 404."""
    unit = get_unit_for_user(user, code, action)
    if not scope_of(user).can(action, unit, by_role=True):
        raise Http404(NOT_FOUND)
    return unit


def get_step_for_user(user: Any, pk: Any, action: Action = Action.MANAGE_ACTIVITIES) -> Step:
    step = (
        Step.objects.select_related("implementation__directive", "implementation__unit")
        .filter(pk=_pk(pk))
        .first()
    )
    if step is None or not scope_of(user).can(action, step.implementation.unit, by_role=True):
        raise Http404(NOT_FOUND)
    return step


def get_resolution_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Resolution:
    resolution = Resolution.objects.select_related("unit", "meeting").filter(pk=_pk(pk)).first()
    if resolution is None or not scope_of(user).can(action, resolution.unit, by_role=True):
        raise Http404(NOT_FOUND)
    return resolution


def attachment_response(user: Any, pk: Any) -> FileResponse:
    """A directive's file as a download, for whoever may see the directive."""
    attachment = Attachment.objects.select_related("directive__owner").filter(pk=_pk(pk)).first()
    if attachment is None or not may_view_directive(user, attachment.directive):
        raise Http404(NOT_FOUND)
    path = stored_path(FOLDER, attachment.stored_name)
    if path is None:
        raise Http404(NOT_FOUND)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=CONTENT_TYPES.get(attachment.file_type, "application/octet-stream"),
    )
