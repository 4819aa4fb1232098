"""Reads for a member's own page and a branch's pages (the web and API layers call these)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from coso.core.dates import today
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingForm,
    MeetingStatus,
    Resolution,
)
from coso.members.models import Member
from coso.units.models import Unit, UnitSpan


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
class MeetingCard:
    """One meeting as the member sees it: with their own invitation (role, check-in)."""

    meeting: Meeting
    invitation: Invitation | None
    check_in_open: bool
    unit_name: str
    # By-group meetings: the member's own party-group meeting, shown inside the branch's card
    # (documents and agenda hang on the branch meeting; time and place may differ per group).
    group_meeting: Meeting | None = None

    @property
    def online(self) -> bool:
        return self.meeting.form == MeetingForm.ONLINE

    @property
    def from_elsewhere(self) -> bool:
        """Invited as a participant from another unit or as a guest of the committee above."""
        return self.invitation is not None and self.invitation.role in (
            InviteeRole.PARTICIPANT,
            InviteeRole.GUEST,
        )


@dataclass(frozen=True)
class MemberMeetings:
    """A member's coming meetings: those whose check-in is open now (first, each once), then the
    others from today in date order; the next one is `next`."""

    open: list[MeetingCard]
    upcoming: list[MeetingCard]

    @property
    def next(self) -> MeetingCard | None:
        return self.upcoming[0] if self.upcoming else None


def unit_names(unit_ids: set[int], day: dt.date) -> dict[int, str]:
    """The names units bear on `day` (names live on spans), in one query."""
    return dict(
        UnitSpan.objects.filter(
            unit_id__in=unit_ids, valid_from__lte=day, valid_to__gt=day
        ).values_list("unit_id", "name")
    )


def member_meetings(member: Member, day: dt.date, now: dt.datetime) -> MemberMeetings:
    """The member's meetings with an open check-in window at `now`, and their other meetings
    from `day` (a meeting whose check-in is open is listed there only, not twice), in a fixed
    number of queries. The member's own page and home page read this."""
    upcoming = list(upcoming_meetings(member, on=day))
    # A window may still be open after midnight for yesterday's meeting: read it apart.
    open_now = list(
        open_check_ins(member, now).select_related("unit").prefetch_related("documents")
    )
    open_ids = {m.pk for m in open_now}
    ids = {m.pk for m in upcoming} | open_ids
    invitations = {
        inv.meeting_id: inv for inv in Invitation.objects.filter(member=member, meeting_id__in=ids)
    }
    names = unit_names({m.unit_id for m in [*upcoming, *open_now]}, day)

    listed = {m.pk for m in upcoming}
    groups = {m.parent_id: m for m in upcoming if m.parent_id in listed}

    def card(meeting: Meeting) -> MeetingCard:
        return MeetingCard(
            meeting,
            invitations.get(meeting.pk),
            meeting.pk in open_ids,
            names.get(meeting.unit_id, meeting.unit.code),
            groups.get(meeting.pk),
        )

    # Group meetings are shown inside their branch meeting's card; the check-in meeting is in
    # the open list only (it was listed twice on /me/ before: once to check in, once as coming).
    folded = [m for m in upcoming if m.parent_id not in listed and m.pk not in open_ids]
    return MemberMeetings([card(m) for m in open_now], [card(m) for m in folded])


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
