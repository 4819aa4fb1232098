"""Regular meetings held against required, month by month, over a unit's subtree: the activity
report's chart (issue 13, point 8).

Computed as the report computes its totals (`coso.meetings.warnings`: the branches of the period,
the whole months ended by the judged day in which each existed throughout, a month counted held
when at least one regular meeting was recorded in it), one row per month. The precomputed rows
(`coso.meetings.activity`) hold a period's sums, not its months, so the chart is computed live,
for subtrees of up to CHART_BRANCHES_MAX branches (a commune, a grassroots committee); above
that the page says to look at a lower unit.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext

from coso.core.errors import CosoError
from coso.core.numbers import group
from coso.meetings.activity import branches_over
from coso.meetings.models import MeetingKind
from coso.meetings.warnings import (
    RECORDED,
    Branch,
    Figures,
    Period,
    branches_under,
    days_from_figures,
    meeting_figures,
    months_in,
    owed_slots,
    slot_counts,
)
from coso.units.models import Unit

CHART_BRANCHES_MAX = 2_000


@dataclass(frozen=True)
class MonthRow:
    month: dt.date  # the first day
    required: int  # branches owing a regular meeting in the month
    held: int  # of those, branches with one recorded
    meetings: int  # meetings of any kind recorded in the month


def check_chart_size(unit: Unit, start: dt.date, end: dt.date) -> None:
    """Refuse (CosoError) a subtree of more than CHART_BRANCHES_MAX branches; one bounded count."""
    if branches_over(unit, start, end, CHART_BRANCHES_MAX):
        raise CosoError(_too_many())


def _too_many() -> str:
    return gettext(
        "Biểu đồ theo tháng chỉ tính cho đơn vị có đến %(n)s chi bộ: xin xem ở từng "
        "đơn vị cấp dưới."
    ) % {"n": group(CHART_BRANCHES_MAX)}


def monthly_activity(
    unit: Unit,
    start: dt.date,
    end: dt.date,
    *,
    on: dt.date,
    read: tuple[list[Branch], Figures] | None = None,
) -> list[MonthRow]:
    """One row per whole month of [start, end) ended by `on`. Raises CosoError above
    CHART_BRANCHES_MAX branches or when the unit did not exist in the period.

    `read`: the branches and meeting figures a live report of the same period has already read
    (`MeetingReport.branches`, `.figures`), so that the chart costs no query more."""
    if read is not None and len(read[0]) > CHART_BRANCHES_MAX:
        raise CosoError(_too_many())
    if read is None:
        check_chart_size(unit, start, end)
    months = months_in(Period(start, end, on))
    if not months:
        return []
    if read is None:
        branches = branches_under(unit, start, end)
        figures = meeting_figures([b.unit_id for b in branches], start, end)
    else:
        branches, figures = read
    owed = owed_slots(branches, months)
    regular = slot_counts(days_from_figures(figures, MeetingKind.REGULAR), months)
    required = Counter(i for _b, i in owed)
    held = Counter(i for b, i in owed if regular[(b.unit_id, i)])
    starts = [lo for lo, _hi in months]
    meetings: Counter[int] = Counter()
    for _mid, _unit, _kind, _form, status, day, _expected, _present in figures:
        i = bisect_right(starts, day) - 1
        if status in RECORDED and i >= 0 and day < months[i][1]:
            meetings[i] += 1
    return [MonthRow(lo, required[i], held[i], meetings[i]) for i, (lo, _hi) in enumerate(months)]


__all__ = ["CHART_BRANCHES_MAX", "MonthRow", "check_chart_size", "monthly_activity"]
