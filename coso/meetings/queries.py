"""Reads for a member's own page and a branch's pages (the web and API layers call these)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from coso.core.dates import today
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    Meeting,
    MeetingStatus,
    Resolution,
)
from coso.members.models import Member
from coso.units.models import Unit


def upcoming_meetings(member: Member, *, on: dt.date | None = None) -> QuerySet[Meeting]:
    """Meetings from `on` (default today), not cancelled, with docs: those the member is
    invited to, and those of their branch planned before they joined it (the list is brought up
    to date when attendance is recorded; the member should know of the meeting before that)."""
    wanted = Q(pk__in=Invitation.objects.filter(member=member).values("meeting_id"))
    if member.home_unit_id is not None:
        wanted |= Q(unit_id=member.home_unit_id, parent__isnull=True)
    return (
        Meeting.objects.filter(
            wanted,
            on__gte=on or today(),
            status__in=[MeetingStatus.PLANNED, MeetingStatus.HELD],
        )
        .select_related("unit")
        .prefetch_related("documents")
        .order_by("on", "starts_at", "id")
    )


def open_check_ins(member: Member, at: dt.datetime) -> QuerySet[Meeting]:
    """Online meetings whose check-in window is open at `at` and to which the member is invited."""
    return Meeting.objects.filter(
        invitations__member=member,
        check_in_opens_at__lte=at,
        check_in_closes_at__gt=at,
        status__in=[MeetingStatus.PLANNED, MeetingStatus.HELD],
    ).order_by("check_in_opens_at")


@dataclass(frozen=True)
class AttendanceSummary:
    meetings: int
    present: int
    absent_excused: int
    absent_unexcused: int

    @property
    def rate(self) -> float | None:
        return self.present / self.meetings if self.meetings else None


def attendance_record(
    member: Member, start: dt.date, end: dt.date
) -> tuple[list[Invitation], AttendanceSummary]:
    """The member's recorded attendance in [start, end), branch-level meetings only."""
    rows = list(
        Invitation.objects.filter(
            member=member,
            meeting__parent__isnull=True,
            meeting__on__gte=start,
            meeting__on__lt=end,
            meeting__status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED],
        )
        .exclude(status=AttendanceStatus.PENDING)
        .select_related("meeting__unit")
        .order_by("meeting__on", "meeting_id")
    )
    counts = {s: sum(1 for r in rows if r.status == s) for s in AttendanceStatus.values}
    summary = AttendanceSummary(
        len(rows),
        counts[AttendanceStatus.PRESENT],
        counts[AttendanceStatus.ABSENT_EXCUSED],
        counts[AttendanceStatus.ABSENT_UNEXCUSED],
    )
    return rows, summary


def unit_meetings(unit: Unit, start: dt.date, end: dt.date) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        unit=unit, parent__isnull=True, on__gte=start, on__lt=end
    ).order_by("-on", "-id")


def next_meetings(unit: Unit, *, on: dt.date | None = None, limit: int = 2) -> list[Meeting]:
    """The unit's coming meetings (planned or held, from `on`), soonest first."""
    return list(
        Meeting.objects.filter(
            unit=unit,
            parent__isnull=True,
            on__gte=on or today(),
            status__in=[MeetingStatus.PLANNED, MeetingStatus.HELD],
        ).order_by("on", "starts_at", "id")[:limit]
    )


def resolutions_of(unit: Unit, *, year: int | None = None) -> QuerySet[Resolution]:
    rows = Resolution.objects.filter(unit=unit).select_related("meeting")
    if year is not None:
        rows = rows.filter(year=year)
    return rows.order_by("-year", "-number")
