"""Party age (tuổi đảng) and the badges it earns.

Party age counts from the admission decision, once the member is official, minus the periods
spent outside the Party; for a readmitted member from the first admission, minus the gap
between leaving and the readmission decision (domain brief, section 2).

Choices made here:
- A member who is probationary on the day asked (first probation, or the probation after a
  readmission) has party age 0: the age exists only once recognized official.
- A member who ended after being official keeps the age reached on the ending day.
- Time between an admission decision and its ceremony counts (the age runs from the decision).
- A member transferred out of this registry is still in the Party elsewhere: the age keeps
  running after the transfer.
"""

from __future__ import annotations

import datetime as dt

from coso.core.dates import FAR_FUTURE, add_months
from coso.core.rules import rule
from coso.members.models import (
    Member,
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    MemberStatus,
)
from coso.members.operations import age_months, member_state


def in_party_periods(member: Member) -> list[tuple[dt.date, dt.date]]:
    """Half-open periods counted as Party membership for party age, in date order."""
    periods: list[list[dt.date]] = []
    for valid_from, valid_to in (
        MemberSpan.objects.filter(member=member)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to")
    ):
        if periods and periods[-1][1] >= valid_from:
            periods[-1][1] = max(periods[-1][1], valid_to)
        else:
            periods.append([valid_from, valid_to])
    if not periods:
        return []
    decisions: set[dt.date] = set()
    for decided in MemberEvent.objects.filter(
        member=member,
        kind__in=[MemberEventKind.ADMIT, MemberEventKind.READMIT],
        decided_on__isnull=False,
    ).values_list("decided_on", flat=True):
        if decided is not None:
            decisions.add(decided)
    if member.first_admitted_on:
        decisions.add(member.first_admitted_on)
    # An admission decision opens the membership it leads to (the period starting next).
    for decided in decisions:
        for period in periods:
            if period[1] > decided:
                period[0] = min(period[0], decided)
                break
    merged: list[list[dt.date]] = []
    for period in periods:
        if merged and merged[-1][1] >= period[0]:
            merged[-1][1] = max(merged[-1][1], period[1])
        else:
            merged.append(period)
    if merged[-1][1] != FAR_FUTURE and member_state(member).status == MemberStatus.TRANSFERRED_OUT:
        merged[-1][1] = FAR_FUTURE
    return [(start, end) for start, end in merged]


def party_age_days(member: Member, on: dt.date) -> int:
    """Days of party age on `on` (0 while probationary or before admission)."""
    last = (
        MemberSpan.objects.filter(member=member, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("status", flat=True)
        .first()
    )
    if last != MemberStatus.OFFICIAL:
        return 0
    total = 0
    for start, end in in_party_periods(member):
        if start >= on:
            break
        total += (min(end, on) - start).days
    return total


def party_age(member: Member, on: dt.date) -> tuple[int, int]:
    """(years, months) of party age on `on`: the calendar from the first admission decision,
    its start moved later by each period outside the Party (measured in months and days)."""
    if party_age_days(member, on) <= 0:
        return (0, 0)
    periods = [(a, min(b, on)) for a, b in in_party_periods(member) if a < on]
    start = periods[0][0]
    outside = [(periods[i][1], periods[i + 1][0]) for i in range(len(periods) - 1)]
    outside.append((periods[-1][1], on))
    for gap_from, gap_to in outside:
        if gap_to <= gap_from:
            continue
        months = age_months(gap_from, gap_to)
        days = (gap_to - add_months(gap_from, months)).days
        start = add_months(start, months) + dt.timedelta(days=days)
    years, rest = divmod(age_months(start, on), 12)
    return (years, rest)


def badges_due(member: Member, on: dt.date, *, seriously_ill: bool = False) -> list[int]:
    """Badge years (30, 40, …) the member has reached on `on`, in the Party on that day.

    Seriously ill members may receive a badge early: up to `badges.early_months_up_to_65`
    months for 30–65 years, `badges.early_months_from_70` for 70–90 years.
    """
    if not MemberSpan.objects.filter(member=member, valid_from__lte=on, valid_to__gt=on).exists():
        return []
    years, months = party_age(member, on)
    reached = years * 12 + months
    if reached == 0:
        return []
    early_low = rule("badges.early_months_up_to_65", on) if seriously_ill else 0
    early_high = rule("badges.early_months_from_70", on) if seriously_ill else 0
    due = []
    for threshold in rule("badges.party_years", on):
        early = early_low if threshold <= 65 else early_high
        if reached + early >= threshold * 12:
            due.append(int(threshold))
    return due


def next_award_day(on: dt.date) -> dt.date:
    """The first badge award day (3/2, 19/5, 2/9, 7/11 by default) on or after `on`."""
    for year in (on.year, on.year + 1):
        days = sorted(
            dt.date(year, int(text[:2]), int(text[3:]))
            for text in rule("badges.award_days", dt.date(year, 1, 1))
        )
        for day in days:
            if day >= on:
                return day
    raise ValueError("badges.award_days is empty")


def badges_due_at_next_award(
    member: Member, on: dt.date, *, seriously_ill: bool = False
) -> tuple[dt.date, list[int]]:
    """The next award day and the badge years reached by then (the open span runs on)."""
    day = next_award_day(on)
    return day, badges_due(member, day, seriously_ill=seriously_ill)


__all__ = [
    "badges_due",
    "badges_due_at_next_award",
    "in_party_periods",
    "next_award_day",
    "party_age",
    "party_age_days",
]
