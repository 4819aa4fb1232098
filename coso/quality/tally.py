"""Keeping `MemberTally` in step with the members' classifications.

The tally of a year counts, per branch as the tree stands on 31/12 of that year, the members
whose span is valid that day and who hold a current classification of the year, by level. A
rating refreshes the branch of its member; a bulk load rebuilds the year; the scheduled job
`quality_tally` recounts this year and last year each night, so a member moved between the
rating and 31/12 of its year is counted at the new branch from the next night on.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from coso.members.models import MemberSpan
from coso.quality.models import MemberTally


def _day(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _counts(year: int, unit_id: int | None = None) -> list[MemberTally]:
    day = _day(year)
    spans = MemberSpan.objects.filter(
        valid_from__lte=day,
        valid_to__gt=day,
        member__classifications__year=year,
        member__classifications__current=True,
    )
    if unit_id is not None:
        spans = spans.filter(unit_id=unit_id)
    rows = spans.values_list("unit_id", "member__classifications__level").annotate(n=Count("pk"))
    return [MemberTally(year=year, unit_id=u, level=lv, count=n) for u, lv, n in rows]


def refresh_branch(year: int, unit_id: int) -> None:
    """Recount one branch's tally of `year` (inside the caller's transaction)."""
    MemberTally.objects.filter(year=year, unit_id=unit_id).delete()
    MemberTally.objects.bulk_create(_counts(year, unit_id))


def rebuild_year(year: int) -> int:
    """Recount the whole year's tally; returns the rows written."""
    MemberTally.objects.filter(year=year).delete()
    rows = _counts(year)
    MemberTally.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


JOB_NAME = "quality_tally"


def rebuild_recent(day: dt.date) -> str:
    """The scheduled job: recount the tallies of this year and last year (members moved after
    their rating are then counted where they stand on 31/12)."""
    rows = rebuild_year(day.year) + rebuild_year(day.year - 1)
    return f"Đã đếm lại xếp loại đảng viên năm {day.year - 1} và {day.year}: {rows} dòng."
