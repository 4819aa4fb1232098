"""Loading a meeting with permission: the one helper pages and API use (404 outside scope).

A meeting is visible to whoever may view its unit (roles on the unit's subtree) and to the
members invited to it (a member sees the meetings of their own branch, and participants and
guests see the meetings they were called to). Managing it needs MANAGE_ACTIVITIES on its unit.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from coso.authority.scope import Action, scope_of
from coso.meetings.documents import may_view
from coso.meetings.models import Meeting


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
