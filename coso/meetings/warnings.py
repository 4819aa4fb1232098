"""Warnings about branch activity over a set of branches and a period, in a few set-based queries.

- a branch without the regular meeting(s) the Charter asks for in a month (art. 24);
- a branch without a thematic meeting in a quarter (HD 12-HD/BTCTW);
- a member absent without reason in 3 months of a year: the Charter's ground for striking off.
  Listed for the branch to act on: the system proposes, people decide;
- a meeting whose attendance is below the configured rate;
- a meeting planned but never recorded (its day has passed, still "planned").

Only whole months (quarters) that have ended and in which the unit was a branch all along count.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coso.core.dates import add_months, fmt, today
from coso.core.rules import rule
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.queries import span_on, subtree_range

RECORDED = (MeetingStatus.HELD, MeetingStatus.CLOSED)


class WarningKind:
    NO_REGULAR = "no_regular"
    NO_THEMATIC = "no_thematic"
    ABSENT_UNEXCUSED = "absent_unexcused"
    LOW_ATTENDANCE = "low_attendance"
    UNRECORDED = "unrecorded"

    LABELS = {
        NO_REGULAR: _("Không sinh hoạt thường kỳ trong tháng"),
        NO_THEMATIC: _("Không sinh hoạt chuyên đề trong quý"),
        ABSENT_UNEXCUSED: _("Vắng không lý do 3 tháng trong năm (căn cứ xóa tên, chi bộ xem xét)"),
        LOW_ATTENDANCE: _("Tỉ lệ đảng viên dự họp thấp"),
        UNRECORDED: _("Cuộc họp đã lên kế hoạch nhưng chưa ghi kết quả"),
    }


@dataclass(frozen=True)
class Branch:
    unit_id: int
    code: str
    name: str
    path: str  # as of its latest span in the period
    periods: tuple[tuple[dt.date, dt.date], ...]  # when it was a branch, within the period

    def existed_throughout(self, start: dt.date, end: dt.date) -> bool:
        return any(lo <= start and hi >= end for lo, hi in self.periods)


@dataclass(frozen=True)
class ActivityWarning:
    kind: str
    unit_id: int
    unit_code: str
    period: str  # "03/2024", "Q2/2024", "2024" or the meeting day
    detail: str
    member_id: str = ""
    meeting_id: int | None = None

    @property
    def label(self) -> str:
        return str(WarningKind.LABELS[self.kind])


@dataclass
class Period:
    start: dt.date
    end: dt.date  # exclusive
    today: dt.date = field(default_factory=today)


def branches_under(unit: Unit, start: dt.date, end: dt.date) -> list[Branch]:
    """Branches (home kinds) in `unit`'s subtree at any time in [start, end)."""
    as_of = min(end - dt.timedelta(days=1), max(start, unit.valid_to - dt.timedelta(days=1)))
    root = span_on(unit, max(as_of, unit.valid_from))
    lo, hi = subtree_range(root.path)
    overlap = Q(valid_from__lt=end, valid_to__gt=start)
    ids = UnitSpan.objects.filter(overlap, path__gte=lo, path__lt=hi, kind__in=HOME_KINDS).values(
        "unit_id"
    )
    return branches_among(Q(unit_id__in=ids), start, end)


def branches_among(units: Q | None, start: dt.date, end: dt.date) -> list[Branch]:
    """Branches (home kinds) at any time in [start, end) among `units` (a condition on the
    spans' unit_id; every unit when None), with their periods as branches then."""
    overlap = Q(valid_from__lt=end, valid_to__gt=start)
    spans = (
        UnitSpan.objects.filter(overlap, units or Q(), kind__in=HOME_KINDS)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "unit__code", "name", "path", "valid_from", "valid_to")
    )
    merged: dict[int, dict[str, object]] = {}
    for unit_id, code, name, path, lo_day, hi_day in spans:
        row = merged.setdefault(unit_id, {"code": code, "name": name, "path": path, "periods": []})
        periods: list[tuple[dt.date, dt.date]] = row["periods"]  # type: ignore[assignment]
        lo_day, hi_day = max(lo_day, start), min(hi_day, end)
        if periods and periods[-1][1] == lo_day:
            periods[-1] = (periods[-1][0], hi_day)
        else:
            periods.append((lo_day, hi_day))
        row["name"], row["path"] = name, path
    return [
        Branch(uid, str(r["code"]), str(r["name"]), str(r["path"]), tuple(r["periods"]))  # type: ignore[arg-type]
        for uid, r in sorted(merged.items(), key=lambda item: str(item[1]["code"]))
    ]


# Unit ids bound per statement: a province has thousands of branches and the centre hundreds of
# thousands, past what SQLite binds in one statement.
CHUNK = 900
# Above this many units one statement over the period reads faster than hundreds of chunks (the
# rows of other units are then left out by the caller).
MANY = 20 * CHUNK


def chunked(ids: Iterable[int]) -> list[list[int]]:
    values = list(ids)
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def unit_conditions(ids: Iterable[int], field: str = "unit_id") -> tuple[list[Q], set[int]]:
    """Conditions that together select the rows of these units (chunks of ids, or none at all
    for very many: the caller keeps only the rows of `ids`, returned as a set)."""
    wanted = set(ids)
    if len(wanted) > MANY:
        return [Q()], wanted
    return [Q(**{f"{field}__in": chunk}) for chunk in chunked(sorted(wanted))], wanted


def months_in(period: Period) -> list[tuple[dt.date, dt.date]]:
    """Whole calendar months inside the period that have ended by `period.today`."""
    first = period.start.replace(day=1)
    if first < period.start:
        first = add_months(first, 1)
    result: list[tuple[dt.date, dt.date]] = []
    while True:
        nxt = add_months(first, 1)
        if nxt > period.end or nxt > period.today:
            return result
        result.append((first, nxt))
        first = nxt


def quarters_in(period: Period) -> list[tuple[dt.date, dt.date]]:
    first = period.start.replace(day=1)
    while first.month % 3 != 1 or first < period.start:
        first = add_months(first.replace(day=1), 1)
    result: list[tuple[dt.date, dt.date]] = []
    while True:
        nxt = add_months(first, 3)
        if nxt > period.end or nxt > period.today:
            return result
        result.append((first, nxt))
        first = nxt


def required_slots(
    branches: Iterable[Branch], slots: list[tuple[dt.date, dt.date]]
) -> list[tuple[Branch, dt.date, dt.date]]:
    """(branch, slot) pairs in which the branch existed throughout: the meetings owed."""
    return [(b, slots[i][0], slots[i][1]) for b, i in owed_slots(branches, slots)]


def owed_slots(
    branches: Iterable[Branch], slots: list[tuple[dt.date, dt.date]]
) -> list[tuple[Branch, int]]:
    """(branch, index of the slot) in which the branch existed throughout."""
    owed = []
    for b in branches:
        for start, end in b.periods:  # disjoint periods: a slot lies within at most one
            owed += [(b, i) for i, (lo, hi) in enumerate(slots) if start <= lo and hi <= end]
    return owed


def slot_counts(
    days: dict[int, list[dt.date]], slots: list[tuple[dt.date, dt.date]]
) -> Counter[tuple[int, int]]:
    """Meetings per (unit, slot index). Each day finds its slot by bisection: a province has
    thousands of branches, and scanning every branch's days for every slot was the bulk of the
    report's time."""
    starts = [lo for lo, _hi in slots]
    counts: Counter[tuple[int, int]] = Counter()
    for unit_id, on_days in days.items():
        for on in on_days:
            i = bisect_right(starts, on) - 1
            if i >= 0 and on < slots[i][1]:
                counts[(unit_id, i)] += 1
    return counts


def recorded_meeting_days(
    unit_ids: Iterable[int], kind: str, start: dt.date, end: dt.date
) -> dict[int, list[dt.date]]:
    days: dict[int, list[dt.date]] = defaultdict(list)
    conditions, wanted = unit_conditions(unit_ids)
    for condition in conditions:
        for unit_id, on in Meeting.objects.filter(
            condition,
            kind=kind,
            status__in=RECORDED,
            parent__isnull=True,
            on__gte=start,
            on__lt=end,
        ).values_list("unit_id", "on"):
            if unit_id in wanted:
                days[unit_id].append(on)
    return days


Figures = list[tuple[int, int, str, str, str, dt.date, int, int]]


def days_from_figures(figures: Figures, kind: str) -> dict[int, list[dt.date]]:
    """recorded_meeting_days read from meeting_figures rows already at hand."""
    days: dict[int, list[dt.date]] = defaultdict(list)
    for _mid, unit_id, meeting_kind, _form, status, on, _expected, _present in figures:
        if meeting_kind == kind and status in RECORDED:
            days[unit_id].append(on)
    return days


def _missing(
    branches: list[Branch],
    period: Period,
    kind: str,
    quarterly: bool,
    figures: Figures | None = None,
) -> list[ActivityWarning]:
    slots = quarters_in(period) if quarterly else months_in(period)
    if not slots:
        return []
    if figures is None:
        held = recorded_meeting_days([b.unit_id for b in branches], kind, slots[0][0], slots[-1][1])
    else:
        held = days_from_figures(figures, kind)
    counts = slot_counts(held, slots)
    key = "meetings.thematic_per_quarter" if quarterly else "meetings.regular_per_month"
    needed_in = [int(rule(key, lo)) for lo, _hi in slots]
    out = []
    for branch, i in owed_slots(branches, slots):
        count, needed = counts[(branch.unit_id, i)], needed_in[i]
        if count >= needed:
            continue
        lo = slots[i][0]
        label = f"Q{(lo.month - 1) // 3 + 1}/{lo.year}" if quarterly else f"{lo:%m/%Y}"
        values = {"code": branch.code, "count": count, "needed": needed, "period": label}
        if quarterly:
            detail = gettext(
                "Chi bộ «%(code)s» có %(count)s/%(needed)s cuộc sinh hoạt chuyên đề (%(period)s)."
            )
        else:
            detail = gettext(
                "Chi bộ «%(code)s» có %(count)s/%(needed)s cuộc sinh hoạt thường kỳ (%(period)s)."
            )
        out.append(
            ActivityWarning(
                WarningKind.NO_THEMATIC if quarterly else WarningKind.NO_REGULAR,
                branch.unit_id,
                branch.code,
                label,
                detail % values,
            )
        )
    return out


def missing_regular_meetings(
    branches: list[Branch], period: Period, figures: Figures | None = None
) -> list[ActivityWarning]:
    return _missing(branches, period, MeetingKind.REGULAR, False, figures)


def missing_thematic_meetings(
    branches: list[Branch], period: Period, figures: Figures | None = None
) -> list[ActivityWarning]:
    return _missing(branches, period, MeetingKind.THEMATIC, True, figures)


def absent_without_reason(branches: list[Branch], period: Period) -> list[ActivityWarning]:
    """Members absent without reason in at least N distinct months of a calendar year."""
    if not branches:
        return []
    codes = {b.unit_id: b.code for b in branches}
    first_year, last_year = period.start.year, (period.end - dt.timedelta(days=1)).year
    months: dict[tuple[str, str, int, int], set[int]] = defaultdict(set)
    conditions, _wanted = unit_conditions(codes, "meeting__unit_id")
    for condition in conditions:
        rows = Invitation.objects.filter(
            condition,
            meeting__status__in=RECORDED,
            meeting__parent__isnull=True,
            meeting__on__gte=dt.date(first_year, 1, 1),
            meeting__on__lt=dt.date(last_year + 1, 1, 1),
            status=AttendanceStatus.ABSENT_UNEXCUSED,
        ).values_list("member__member_id", "member__full_name", "meeting__unit_id", "meeting__on")
        for member_id, full_name, unit_id, on in rows:
            if unit_id in codes:
                months[(member_id, full_name, unit_id, on.year)].add(on.month)
    out = []
    for (member_id, full_name, unit_id, year), seen in sorted(months.items()):
        limit = int(rule("meetings.absent_months_strike_off", dt.date(year, 12, 31)))
        if len(seen) < limit:
            continue
        listed = ", ".join(f"{m:02d}" for m in sorted(seen))
        out.append(
            ActivityWarning(
                WarningKind.ABSENT_UNEXCUSED,
                unit_id,
                codes[unit_id],
                str(year),
                gettext(
                    "Đảng viên «%(id)s» (%(name)s) vắng không lý do %(n)s tháng năm %(year)s "
                    "(tháng %(months)s): chi bộ xem xét, đề nghị xóa tên theo Điều lệ."
                )
                % {
                    "id": member_id,
                    "name": full_name,
                    "n": len(seen),
                    "year": year,
                    "months": listed,
                },
                member_id=member_id,
            )
        )
    return out


def meeting_figures(
    unit_ids: Iterable[int], start: dt.date, end: dt.date
) -> list[tuple[int, int, str, str, str, dt.date, int, int]]:
    """(id, unit, kind, form, status, day, expected, present) of branch-level meetings.

    Closed meetings carry their figures; meetings still open are counted from invitations.
    """
    fields = ("id", "unit_id", "kind", "form", "status", "on")
    rows: list[tuple[int, int, str, str, str, dt.date, int, int]] = []
    conditions, wanted = unit_conditions(unit_ids)
    for condition in conditions:
        base = Meeting.objects.filter(
            condition, parent__isnull=True, on__gte=start, on__lt=end
        ).exclude(status=MeetingStatus.CANCELLED)
        rows += [
            (*r[:6], r[6] or 0, r[7] or 0)
            for r in base.exclude(status=MeetingStatus.HELD).values_list(
                *fields, "expected_count", "present_count"
            )
        ]
        held = (
            base.filter(status=MeetingStatus.HELD)
            .annotate(
                n_expected=Count("invitations", filter=Q(invitations__counted=True)),
                n_present=Count(
                    "invitations",
                    filter=Q(
                        invitations__counted=True, invitations__status=AttendanceStatus.PRESENT
                    ),
                ),
            )
            .values_list(*fields, "n_expected", "n_present")
        )
        rows += [tuple(r) for r in held]
    return [r for r in rows if r[1] in wanted]


def low_attendance(
    branches: list[Branch], period: Period, figures: Figures | None = None
) -> list[ActivityWarning]:
    """`figures`: meeting_figures of the same branches and period, when the caller has them."""
    codes = {b.unit_id: b.code for b in branches}
    if figures is None:
        figures = meeting_figures(codes, period.start, period.end)
    out = []
    thresholds: dict[dt.date, float] = {}  # a province's year has 100,000 meetings, few days
    for mid, unit_id, _kind, _form, status, on, expected, present in figures:
        if status not in RECORDED or not expected:
            continue
        if on not in thresholds:
            thresholds[on] = float(rule("meetings.attendance_warning_rate", on))
        threshold = thresholds[on]
        if present / expected >= threshold:
            continue
        out.append(
            ActivityWarning(
                WarningKind.LOW_ATTENDANCE,
                unit_id,
                codes[unit_id],
                fmt(on),
                gettext(
                    "Chi bộ «%(code)s» ngày %(day)s: %(present)s/%(expected)s đảng viên dự họp "
                    "(%(rate)s), dưới %(threshold)s."
                )
                % {
                    "code": codes[unit_id],
                    "day": fmt(on),
                    "present": present,
                    "expected": expected,
                    "rate": f"{present / expected:.0%}",
                    "threshold": f"{threshold:.0%}",
                },
                meeting_id=mid,
            )
        )
    return out


def unrecorded_meetings(branches: list[Branch], period: Period) -> list[ActivityWarning]:
    codes = {b.unit_id: b.code for b in branches}
    conditions, _wanted = unit_conditions(codes)
    rows = [
        row
        for condition in conditions
        for row in Meeting.objects.filter(
            condition,
            parent__isnull=True,
            status=MeetingStatus.PLANNED,
            on__gte=period.start,
            on__lt=min(period.end, period.today),
        ).values_list("id", "unit_id", "on", "kind")
        if row[1] in codes
    ]
    return [
        ActivityWarning(
            WarningKind.UNRECORDED,
            unit_id,
            codes[unit_id],
            fmt(on),
            gettext(
                "Chi bộ «%(code)s»: cuộc họp (%(kind)s) ngày %(day)s đã qua nhưng chưa ghi kết quả."
            )
            % {
                "code": codes[unit_id],
                "kind": str(MeetingKind(kind).label).lower(),
                "day": fmt(on),
            },
            meeting_id=mid,
        )
        for mid, unit_id, on, kind in rows
    ]


def activity_warnings(
    unit: Unit, start: dt.date, end: dt.date, *, on: dt.date | None = None
) -> list[ActivityWarning]:
    """Every warning for the branches in `unit`'s subtree over [start, end), judged on `on`."""
    period = Period(start, end, on or today())
    branches = branches_under(unit, start, end)
    return warnings_for(branches, period)


def warnings_for(
    branches: list[Branch], period: Period, figures: Figures | None = None
) -> list[ActivityWarning]:
    """Every warning; `figures` (meeting_figures over the same branches and period) saves the
    report from reading the meetings twice."""
    return (
        missing_regular_meetings(branches, period, figures)
        + missing_thematic_meetings(branches, period, figures)
        + absent_without_reason(branches, period)
        + low_attendance(branches, period, figures)
        + unrecorded_meetings(branches, period)
    )
