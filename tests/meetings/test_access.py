"""get_meeting_for_user: who may see and who may manage a meeting of branch B."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from coso.authority.scope import Action
from coso.meetings.access import get_meeting_for_user
from coso.meetings.models import MeetingForm, MeetingKind
from coso.meetings.operations import plan_meeting
from tests.cast import Cast


def test_view_and_manage_follow_the_scope(cast: Cast) -> None:
    meeting = plan_meeting(
        cast.B,
        kind=MeetingKind.REGULAR,
        form=MeetingForm.IN_PERSON,
        on=dt.date(2024, 5, 10),
        place="Nhà văn hóa",
    )
    for role in ("admin", "officer", "committee", "secretary", "member"):
        assert get_meeting_for_user(cast.user(role), meeting.pk) == meeting, role
    for role in ("admin", "committee", "secretary"):
        assert get_meeting_for_user(cast.user(role), str(meeting.pk), Action.MANAGE_ACTIVITIES)
    for role, action in [
        ("outsider", Action.VIEW),
        ("anonymous", Action.VIEW),
        ("member", Action.MANAGE_ACTIVITIES),
        ("officer", Action.MANAGE_ACTIVITIES),
    ]:
        with pytest.raises(Http404):
            get_meeting_for_user(cast.user(role), meeting.pk, action)
    for bad in ("x", None, meeting.pk + 1000):
        with pytest.raises(Http404):
            get_meeting_for_user(cast.admin, bad)
