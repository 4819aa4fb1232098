"""Loading a meeting with permission: the one helper pages and API use (404 outside scope).

A meeting is visible to whoever may view its unit (roles on the unit's subtree) and to the
members invited to it (a member sees the meetings of their own branch, and participants and
guests see the meetings they were called to). Managing it needs MANAGE_ACTIVITIES on its unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import Http404

from coso.audit.log import record_sensitive_view
from coso.authority.scope import Action, scope_of
from coso.meetings.documents import may_view
from coso.meetings.models import Invitation, Meeting
from coso.units.models import Unit

# The audit trail's name for an absence reason shown (free text that may hold health details).
ABSENCE_REASON = "absence_reason"


def get_meeting_for_user(user: Any, meeting_id: Any, action: Action = Action.VIEW) -> Meeting:
    """The meeting `meeting_id` if `user` may do `action` on it; Http404 otherwise."""
    try:
        pk = int(meeting_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy cuộc họp.") from None
    meeting = Meeting.objects.select_related("unit", "parent", "group").filter(pk=pk).first()
    if meeting is None:
        raise Http404("Không tìm thấy cuộc họp.")
    if action == Action.VIEW:
        allowed = may_view(user, meeting)
    else:
        allowed = scope_of(user).can(action, meeting.unit)
    if not allowed:
        raise Http404("Không tìm thấy cuộc họp.")
    return meeting


def visible_reasons(
    reader: Any,
    invitations: Iterable[Invitation],
    *,
    who: Any,
    target: models.Model,
    unit: Unit | None = None,
) -> dict[int, str]:
    """The absence reasons (empty or not) `reader` may read among `invitations`, by id.

    Those who manage the meeting's unit (MANAGE_ACTIVITIES: its secretary, the committee
    above) read them all; anyone else only their own. A read showing anyone else's reason is
    logged once, as a sensitive view of `target` (the meeting, or the member whose record it
    is), by `who` (the request). `unit` is the meetings' unit when all are of one meeting;
    otherwise each invitation's meeting is read (select_related("meeting__unit")).
    """
    scope = scope_of(reader)
    own = scope.own_member.pk if scope.own_member is not None else None
    manages: dict[int, bool] = {}
    shown: dict[int, str] = {}
    others = False
    for inv in invitations:
        if inv.member_id == own:
            shown[inv.pk] = inv.reason
            continue
        meeting_unit = unit if unit is not None else inv.meeting.unit
        if meeting_unit.pk not in manages:
            manages[meeting_unit.pk] = scope.can(Action.MANAGE_ACTIVITIES, meeting_unit)
        if manages[meeting_unit.pk]:
            shown[inv.pk] = inv.reason
            others = others or bool(inv.reason)
    if others:
        record_sensitive_view(who, target, (ABSENCE_REASON,))
    return shown
