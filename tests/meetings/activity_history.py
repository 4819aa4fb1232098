"""The first half of 2024 of the cast's branches, as the activity report tests read it (the
`history` fixture of this directory's conftest)."""

from __future__ import annotations

import datetime as dt

from coso.meetings.models import AttendanceStatus, Meeting
from coso.meetings.operations import close_meeting, plan_meeting, record_attendance
from coso.units.models import Unit
from tests.cast import Cast

P, U = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT_UNEXCUSED
H1 = {"from": "01/01/2024", "to": "30/06/2024"}


def held(unit: Unit, kind: str, on: dt.date, statuses: dict[str, str]) -> Meeting:
    meeting = plan_meeting(unit, kind=kind, on=on, place="Hội trường")
    record_attendance(meeting, statuses)
    return close_meeting(meeting)


def make_history(cast: Cast) -> Cast:
    """B: regular meetings every month but April, CAST-B2 absent without reason in January
    (1/2 present: low attendance), a thematic one in February. BC2: a regular meeting every
    month, everyone present. B2: nothing."""
    both = {"CAST-B1": P, "CAST-B2": P}
    for month in (1, 2, 3, 5, 6):
        absent = {"CAST-B2": U} if month == 1 else {}
        held(cast.B, "regular", dt.date(2024, month, 10), both | absent)
    held(cast.B, "thematic", dt.date(2024, 2, 20), both)
    for month in range(1, 7):
        held(cast.BC2, "regular", dt.date(2024, month, 12), {"CAST-C2": P})
    return cast
