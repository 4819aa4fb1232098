"""`BranchActivity`: each branch's activity figures and warnings, precomputed for the day.

The home page of a province or of the centre counts the warnings of thousands (hundreds of
thousands) of branches, and the activity report of this year sums their meetings against the
meetings owed; computed live, that is every meeting, invitation and branch period of the
subtree on each request. Like `DailyDelta` for member counts, this is derived data kept in step
with what it is computed from:

- meeting operations refresh the row of their meeting's branch (`refresh_branches`), inside
  their transaction;
- unit operations refresh the branches whose spans start or end on the days they wrote (the
  days they already give `coso.stats.tally.refresh_days`, which calls `refresh_for_days`);
- `refresh_activity(day)` rolls the judged day over (daily: months end, planned meetings pass
  their day), idempotent, catching up after missed days;
- bulk loaders rebuild the whole table (`rebuild_activity`, called by `tally.rebuild_all`).

Every row is computed by the same functions as the live pages (`coso.meetings.warnings`), so
the reads here answer exactly what the live computation answers
(`tests/meetings/test_activity_cache.py`). Reads take the precomputed rows only when they are
judged on the day asked and the question is the one precomputed (the report's default period,
the home page's windows); anything else is computed live.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, StrIndex, Substr
from django.utils.translation import gettext

from coso.core.bulk import insert_rows
from coso.core.dates import FAR_FUTURE, add_months, judged_on, today
from coso.core.errors import CosoError
from coso.core.numbers import group
from coso.core.rules import rule
from coso.meetings.models import ActivityState, ActivityTotal, BranchActivity, MeetingKind
from coso.meetings.warnings import (
    RECORDED,
    ActivityWarning,
    Branch,
    Figures,
    Period,
    WarningKind,
    absent_without_reason,
    branches_among,
    branches_under,
    chunked,
    days_from_figures,
    low_attendance,
    meeting_figures,
    missing_regular_meetings,
    missing_thematic_meetings,
    months_in,
    owed_slots,
    quarters_in,
    recorded_meeting_days,
    slot_counts,
    unrecorded_meetings,
    warnings_for,
)
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.queries import span_on, subtree_range

KINDS = (
    WarningKind.NO_REGULAR,
    WarningKind.NO_THEMATIC,
    WarningKind.ABSENT_UNEXCUSED,
    WarningKind.LOW_ATTENDANCE,
    WarningKind.UNRECORDED,
)
CHECKS: dict[str, Callable[[list[Branch], Period], list]] = {  # type: ignore[type-arg]
    WarningKind.NO_REGULAR: missing_regular_meetings,
    WarningKind.NO_THEMATIC: missing_thematic_meetings,
    WarningKind.ABSENT_UNEXCUSED: absent_without_reason,
    WarningKind.LOW_ATTENDANCE: low_attendance,
    WarningKind.UNRECORDED: unrecorded_meetings,
}
# Summed over a subtree: the report's figures.
REPORT_FIELDS = (
    "regular_required",
    "regular_held",
    "thematic_required",
    "thematic_held",
    "kind_regular",
    "kind_thematic",
    "kind_extraordinary",
    "kind_committee",
    "form_in_person",
    "form_by_group",
    "form_online",
    "expected",
    "present",
    "warnings",
)


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def home_windows(day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """[start, end) judged on `day` for each warning of the home page: the month and quarter
    that ended last, the calendar year so far (the Charter counts absences in a year), and for
    attendance and unrecorded meetings the previous month and this one so far."""
    month = day.replace(day=1)
    quarter = _quarter_start(day)
    recent = (add_months(month, -1), day + dt.timedelta(days=1))
    return {
        WarningKind.NO_REGULAR: (add_months(month, -1), month),
        WarningKind.NO_THEMATIC: (add_months(quarter, -3), quarter),
        WarningKind.ABSENT_UNEXCUSED: (day.replace(month=1, day=1), recent[1]),
        WarningKind.LOW_ATTENDANCE: recent,
        WarningKind.UNRECORDED: recent,
    }


def report_window(day: dt.date) -> tuple[dt.date, dt.date]:
    """The activity report's default period, [1 January, day]."""
    return day.replace(month=1, day=1), day + dt.timedelta(days=1)


def window(day: dt.date) -> tuple[dt.date, dt.date]:
    """Every window judged on `day` together: the branches that have a row."""
    starts = [lo for lo, _hi in home_windows(day).values()]
    return min([*starts, report_window(day)[0]]), day + dt.timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Computing rows


COLUMNS = (
    "unit_id",
    "code",
    "name",
    "path",
    "in_report",
    *REPORT_FIELDS,
    *(f"report_{k}" for k in KINDS),
    *(f"home_{k}" for k in KINDS),
)


def _owed(branch: Branch, slots: list[tuple[dt.date, dt.date]]) -> list[int]:
    """Indices of the slots in which the branch existed throughout (as `owed_slots`), with the
    common case — a branch all along — answered without looking at each slot."""
    if not slots:
        return []
    first, last = slots[0][0], slots[-1][1]
    if any(lo <= first and last <= hi for lo, hi in branch.periods):
        return list(range(len(slots)))
    return [i for _b, i in owed_slots([branch], slots)]


def _missing_counts(
    branches: list[Branch],
    period: Period,
    kind: str,
    quarterly: bool,
    figures: Figures | None,
) -> tuple[Counter[int], Counter[int], Counter[int]]:
    """Per branch: slots owed, slots with at least one meeting, slots with fewer meetings than
    the rule asks (the warnings of `coso.meetings.warnings._missing`, counted: a year at the
    centre is millions of them)."""
    required: Counter[int] = Counter()
    held: Counter[int] = Counter()
    missing: Counter[int] = Counter()
    slots = quarters_in(period) if quarterly else months_in(period)
    if not slots:
        return required, held, missing
    if figures is None:
        days = recorded_meeting_days([b.unit_id for b in branches], kind, slots[0][0], slots[-1][1])
    else:
        days = days_from_figures(figures, kind)
    counts = slot_counts(days, slots)
    by_unit: dict[int, dict[int, int]] = {}
    for (unit_id, i), n in counts.items():
        by_unit.setdefault(unit_id, {})[i] = n
    key = "meetings.thematic_per_quarter" if quarterly else "meetings.regular_per_month"
    needed_in = [int(rule(key, lo)) for lo, _hi in slots]
    all_slots = list(range(len(slots)))
    never = sum(1 for n in needed_in if n > 0)  # missing where no meeting was held at all
    for branch in branches:
        owed = _owed(branch, slots)
        if not owed:
            continue
        uid = branch.unit_id
        met = by_unit.get(uid)
        if met is None and owed == all_slots:  # most branches at national size: no meetings
            required[uid], missing[uid] = len(owed), never
            continue
        met = met or {}
        required[uid] = len(owed)
        held[uid] = sum(1 for i in owed if met.get(i, 0) > 0)
        missing[uid] = sum(1 for i in owed if met.get(i, 0) < needed_in[i])
    return required, held, missing


def _rows(branches: list[Branch], day: dt.date) -> list[dict[str, object]]:
    """The rows of these branches judged on `day`, counted as the live pages count them."""
    if not branches:
        return []
    rows: dict[int, dict[str, object]] = {}
    for b in branches:
        row: dict[str, object] = dict.fromkeys(COLUMNS, 0)
        row.update(unit_id=b.unit_id, code=b.code, name=b.name, path=b.path, in_report=False)
        rows[b.unit_id] = row

    def add(counts: Counter[int], column: str) -> None:
        for uid, n in counts.items():
            rows[uid][column] = int(rows[uid][column]) + n  # type: ignore[call-overload]

    def add_found(found: list[ActivityWarning], column: str) -> None:
        add(Counter(w.unit_id for w in found), column)

    # The home page's warnings, each over its window, over the branches of the whole window.
    for kind, (start, end) in home_windows(day).items():
        window_period = Period(start, end, day)
        if kind in (WarningKind.NO_REGULAR, WarningKind.NO_THEMATIC):
            quarterly = kind == WarningKind.NO_THEMATIC
            meeting_kind = MeetingKind.THEMATIC if quarterly else MeetingKind.REGULAR
            add(
                _missing_counts(branches, window_period, meeting_kind, quarterly, None)[2],
                f"home_{kind}",
            )
        else:
            add_found(CHECKS[kind](branches, window_period), f"home_{kind}")
    # The report of [1 January, day], as coso.meetings.reports.meeting_report counts it.
    start, end = report_window(day)
    period = Period(start, end, day)
    counted = [b for b in branches if any(lo < end and hi > start for lo, hi in b.periods)]
    for b in counted:
        rows[b.unit_id]["in_report"] = True
    figures = meeting_figures([b.unit_id for b in counted], start, end)
    for _mid, unit_id, kind, form, status, _on, expected, present in figures:
        if status not in RECORDED:
            continue
        row = rows[unit_id]
        for column, n in (
            (f"kind_{kind}", 1),
            (f"form_{form}", 1),
            ("expected", expected),
            ("present", present),
        ):
            row[column] = int(row[column]) + n  # type: ignore[call-overload]
    for meeting_kind, warning_kind, quarterly in (
        (MeetingKind.REGULAR, WarningKind.NO_REGULAR, False),
        (MeetingKind.THEMATIC, WarningKind.NO_THEMATIC, True),
    ):
        required, held, missing = _missing_counts(counted, period, meeting_kind, quarterly, figures)
        add(required, f"{meeting_kind}_required")
        add(held, f"{meeting_kind}_held")
        add(missing, f"report_{warning_kind}")
        add(missing, "warnings")
    for found in (
        absent_without_reason(counted, period),
        low_attendance(counted, period, figures),
        unrecorded_meetings(counted, period),
    ):
        for w in found:
            add(Counter([w.unit_id]), f"report_{w.kind}")
        add_found(found, "warnings")
    return list(rows.values())


def _insert(rows: list[dict[str, object]]) -> None:
    """Plain bulk inserts (the ORM's per-object work is most of the time at 250,000)."""
    insert_rows(
        BranchActivity._meta.db_table, COLUMNS, (tuple(r[c] for c in COLUMNS) for r in rows)
    )


def prefix(path: str) -> str:
    """The path of the root's child a row lies under ("/<root>/<child>/"): ActivityTotal's key."""
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/"


def _refresh_totals(prefixes: Iterable[str]) -> None:
    """ActivityTotal of these children of a root, summed again from the rows under each."""
    for key in sorted(set(prefixes)):
        lo, hi = subtree_range(key)
        rows = BranchActivity.objects.filter(path__gte=lo, path__lt=hi)
        counted = Q(in_report=True)
        # Aliases apart from the field names (an aggregate may not shadow a field it filters on).
        sums = rows.aggregate(
            s_branches=Count("pk", filter=counted),
            s_with_warnings=Count("pk", filter=counted & Q(warnings__gt=0)),
            **{f"s_{f}": Sum(f, filter=counted) for f in REPORT_FIELDS},
            **{f"s_home_{k}": Sum(f"home_{k}") for k in KINDS},
            **{f"s_branches_{k}": Count("pk", filter=Q(**{f"home_{k}__gt": 0})) for k in KINDS},
        )
        ActivityTotal.objects.filter(path=key).delete()
        if rows.exists():
            ActivityTotal.objects.create(path=key, **{k[2:]: v or 0 for k, v in sums.items()})


def _state() -> dt.date | None:
    return ActivityState.objects.values_list("day", flat=True).first()


def _set_state(day: dt.date) -> None:
    if not ActivityState.objects.update(day=day):
        ActivityState.objects.create(day=day)


@transaction.atomic
def rebuild_activity(day: dt.date | None = None) -> int:
    """Every row again, judged on `day` (today): for bulk loaders and month ends. Set-wise:
    one read of the branch spans of the window, meetings by chunks of branches, bulk inserts."""
    day = day or today()
    start, end = window(day)
    rows = _rows(branches_among(None, start, end), day)
    BranchActivity.objects.all().delete()
    _insert(rows)
    ActivityTotal.objects.all().delete()
    _refresh_totals(prefix(str(r["path"])) for r in rows)
    _set_state(day)
    return len(rows)


# Past this many branches to refresh (a reorganization of the whole country), one rebuild.
REBUILD_ABOVE = 20_000


def _refresh(unit_ids: Iterable[int], day: dt.date) -> None:
    ids = sorted(set(unit_ids))
    if not ids:
        return
    if len(ids) > REBUILD_ABOVE:
        rebuild_activity(day)
        return
    start, end = window(day)
    branches = [
        b for chunk in chunked(ids) for b in branches_among(Q(unit_id__in=chunk), start, end)
    ]
    touched: set[str] = set()
    for chunk in chunked(ids):
        old = BranchActivity.objects.filter(unit_id__in=chunk)
        touched.update(prefix(p) for p in old.values_list("path", flat=True))
        old.delete()
    rows = _rows(branches, day)
    _insert(rows)
    _refresh_totals(touched | {prefix(str(r["path"])) for r in rows})


def _catch_up(day: dt.date) -> bool:
    """Bring every row to `day`; True if they were rebuilt (nothing more to refresh)."""
    judged = _state()
    if judged == day:
        return False
    if judged is None or (judged.year, judged.month) != (day.year, day.month) or judged > day:
        rebuild_activity(day)
        return True
    # Within a month only meetings dated since the judged day change their branch's rows
    # (planned meetings whose day has passed become unrecorded, the windows reach them).
    from coso.meetings.models import Meeting

    touched = (
        Meeting.objects.filter(on__gte=judged, on__lte=day)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    _refresh(list(touched), day)
    _set_state(day)
    return False


def refresh_branches(unit_ids: Iterable[int], day: dt.date | None = None) -> None:
    """Recompute the rows of these units (branches whose meetings changed), judged on today;
    call inside the writer's transaction."""
    day = day or today()
    with transaction.atomic():
        if not _catch_up(day):
            _refresh(unit_ids, day)


def refresh_for_days(days: Iterable[dt.date], units: Iterable[int] = ()) -> None:
    """After unit spans were written: recompute the branches whose spans start or end on these
    days (a rename, move, merge, dissolution or retype of the branch or of a unit above it:
    a move writes new spans for the whole moved subtree). `units`: others changed (positions,
    imported members), which leave branch activity alone."""
    wanted = sorted({d for d in days if d is not None and d != FAR_FUTURE})
    if not wanted or _state() is None:
        return  # never built: the first read or loader builds it
    ids: set[int] = set()
    for i in range(0, len(wanted), 400):
        chunk = wanted[i : i + 400]
        ids.update(
            UnitSpan.objects.filter(
                Q(valid_from__in=chunk) | Q(valid_to__in=chunk), kind__in=HOME_KINDS
            ).values_list("unit_id", flat=True)
        )
    # A branch retyped into a committee leaves the home kinds: its row goes too.
    refresh_branches(ids)


def refresh_activity(day: dt.date) -> str:
    """The daily job: rows judged on `day`; idempotent, catches up after missed days."""
    before = _state()
    with transaction.atomic():
        rebuilt = _catch_up(day)
    n = BranchActivity.objects.count()
    if before == day:
        how = "already current"
    elif rebuilt:
        how = "rebuilt"
    else:
        how = f"rolled over from {before:%d/%m/%Y}" if before else "built"
    return f"branch activity judged on {day:%d/%m/%Y}: {n} branches, {how}"


# --------------------------------------------------------------------------------------------
# Reads


def is_current(day: dt.date) -> bool:
    return _state() == day


def _alive_span(unit: Unit, day: dt.date) -> UnitSpan | None:
    return UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()


def _sole_root(span: UnitSpan, start: dt.date, end: dt.date) -> bool:
    """Whether the unit is the only root during [start, end): every row lies under it."""
    return span.parent_id is None and not (
        UnitSpan.objects.filter(parent__isnull=True, valid_from__lt=end, valid_to__gt=start)
        .exclude(unit_id=span.unit_id)
        .exists()
    )


def _none_left(span: UnitSpan, start: dt.date, end: dt.date) -> bool:
    """Whether every branch that stood in the subtree during [start, end) is placed in it by its
    row (a branch moved out of it keeps a row elsewhere, and the live report still counts it).
    A sole root holds every branch."""
    lo, hi = subtree_range(span.path)
    if _sole_root(span, start, end):
        return True
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM units_unitspan s WHERE s.path >= %s AND s.path < %s "
            "AND s.valid_from < %s AND s.valid_to > %s AND s.kind IN (%s, %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {BranchActivity._meta.db_table} b "
            # The branch's row by its unit, its path tested there (through COALESCE, which no
            # index serves): estimating one branch in a commune, PostgreSQL otherwise read the
            # commune's rows by path for each of its branches (482 x 242 rows, 30 -> 6 ms).
            "WHERE b.unit_id = s.unit_id AND COALESCE(b.path, b.path) >= %s "
            "AND COALESCE(b.path, b.path) < %s) "
            # In path order: PostgreSQL otherwise expects the first of thousands of rows it
            # estimates to stop a scan of every span early, and scans them all (67 -> 22 ms
            # for a province nationally) when, as usual, there is none.
            "ORDER BY s.path LIMIT 1",
            [
                lo,
                hi,
                connection.ops.adapt_datefield_value(end),
                connection.ops.adapt_datefield_value(start),
                *HOME_KINDS,
                lo,
                hi,
            ],
        )
        return cur.fetchone() is None


@dataclass
class HomeCount:
    kind: str
    branches: int
    total: int


def home_counts(unit: Unit, asked: dt.date) -> tuple[list[HomeCount] | None, dt.date]:
    """Per warning kind of the home page, how many warnings and how many branches have them in
    `unit`'s subtree, and the day they are judged on (`coso.core.dates.judged_on`: the day
    asked, or the day before until the rows roll over); None and the day asked when the rows
    cannot answer (then compute live)."""
    state = _state()
    day = judged_on(state, asked)
    if state != day:
        return None, asked
    span = _alive_span(unit, day)
    if span is None or span.kind in HOME_KINDS or not _none_left(span, *window(day)):
        return None, asked
    lo, hi = subtree_range(span.path)
    if span.parent_id is None:  # a root: its children's totals
        sums = ActivityTotal.objects.filter(path__gte=lo, path__lt=hi).aggregate(
            **{f"t_{k}": Sum(f"home_{k}") for k in KINDS},
            **{f"b_{k}": Sum(f"branches_{k}") for k in KINDS},
        )
    else:
        sums = BranchActivity.objects.filter(path__gte=lo, path__lt=hi).aggregate(
            **{f"t_{k}": Sum(f"home_{k}") for k in KINDS},
            **{f"b_{k}": Count("pk", filter=Q(**{f"home_{k}__gt": 0})) for k in KINDS},
        )
    return [HomeCount(k, sums[f"b_{k}"] or 0, sums[f"t_{k}"] or 0) for k in KINDS], day


@dataclass
class ReportSums:
    """A subtree's figures summed from the rows: one per child of the unit, and the total."""

    branches: int
    fields: dict[str, int]
    with_warnings: int


@dataclass
class CachedReport:
    rows: dict[str, ReportSums]  # by the child's path
    total: ReportSums
    warned: list[dict[str, object]]  # the branches with the most warnings, first
    warned_total: int


def _sums(values: dict[str, Any]) -> ReportSums:
    return ReportSums(
        int(values["n"] or 0),
        {f: int(values[f] or 0) for f in REPORT_FIELDS},
        int(values["warned"] or 0),
    )


def _answering_span(unit: Unit, start: dt.date, end: dt.date, day: dt.date) -> UnitSpan | None:
    """`unit`'s span on `day` when the rows hold the report of [start, end) over its subtree:
    the period they hold (the default, 1 January to `day`), judged on `day`, `unit` above the
    branches and no branch of the period placed elsewhere by its row; else None."""
    if (start, end) != report_window(day) or not is_current(day):
        return None
    span = _alive_span(unit, day)
    if span is None or span.kind in HOME_KINDS or not _none_left(span, start, end):
        return None
    return span


def cached_report(
    unit: Unit, start: dt.date, end: dt.date, day: dt.date, shown: int
) -> CachedReport | None:
    """The report of [start, end) over `unit`'s subtree from the rows, when that is the period
    they hold (the default: 1 January to `day`) and `unit` is above the branches; else None."""
    span = _answering_span(unit, start, end, day)
    if span is None:
        return None
    lo, hi = subtree_range(span.path)
    mine = BranchActivity.objects.filter(path__gte=lo, path__lt=hi, in_report=True)
    rows: dict[str, ReportSums] = {}
    if span.parent_id is None:  # a root: its children's totals, kept by the refreshes
        if _sole_root(span, start, end):
            mine = BranchActivity.objects.filter(in_report=True)  # every row: no range to scan
        by_child = [
            {"path": t["path"], "n": t["branches"], "warned": t["with_warnings"], **t}
            for t in ActivityTotal.objects.filter(path__gte=lo, path__lt=hi).values()
        ]
    else:
        rest = Substr("path", len(span.path) + 1)
        by_child = [
            {**values, "path": span.path + str(values["child"])}
            for values in mine.annotate(child=Substr(rest, 1, StrIndex(rest, Value("/"))))
            .order_by()
            .values("child")
            .annotate(
                n=Count("pk"),
                warned=Count("pk", filter=Q(warnings__gt=0)),
                **{f: Sum(f) for f in REPORT_FIELDS},
            )
        ]
    totals: Counter[str] = Counter()
    for values in by_child:
        sums = _sums(values)
        rows[str(values["path"])] = sums
        totals.update({"n": sums.branches, "warned": sums.with_warnings, **sums.fields})
    total = _sums({k: totals[k] for k in ("n", "warned", *REPORT_FIELDS)})
    # The most warned first. Below a root the subtree's rows are found by their path and
    # sorted: taken from the national (warnings, code) index, the order would walk the
    # country's warned branches until the subtree's first 20 (all 247,000 rows, 84 ms, for a
    # province whose branches have none; more as the country's grow).
    order: list[Any] = ["-warnings", "code"]
    if span.parent_id is not None:
        order = [(F("warnings") + 0).desc(), Coalesce("code", "code")]
    warned = [
        {
            "code": r["code"],
            "name": r["name"],
            "total": r["warnings"],
            "counts": [
                (WarningKind.LABELS[k], r[f"report_{k}"]) for k in sorted(KINDS) if r[f"report_{k}"]
            ],
        }
        for r in mine.filter(warnings__gt=0)
        .order_by(*order)
        .values("code", "name", "warnings", *(f"report_{k}" for k in KINDS))[:shown]
    ]
    return CachedReport(rows, total, warned, total.with_warnings)


# --------------------------------------------------------------------------------------------
# The warnings of a subtree, a page at a time


_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


def in_branch_order(
    branches: Iterable[Branch], found: list[ActivityWarning]
) -> list[ActivityWarning]:
    """`found` branch by branch in the order of the branches' paths; within a branch by kind
    (as `warnings_for` lists them), then meeting, then as found: the same order whichever other
    branches were computed with them."""
    paths = {b.unit_id: b.path for b in branches}
    keyed = sorted(
        (paths.get(w.unit_id, ""), _KIND_ORDER.get(w.kind, len(KINDS)), w.meeting_id or 0, i)
        for i, w in enumerate(found)
    )
    return [found[k[-1]] for k in keyed]


# Past this many branches, a period the rows do not hold is not computed on request: another
# year of the whole country reads every meeting of 250,000 branches (minutes). The default
# period, or a lower unit, answers.
LIVE_BRANCHES_MAX = 25_000


def branches_over(unit: Unit, start: dt.date, end: dt.date, cap: int) -> bool:
    """Whether the subtree has more than `cap` branches in [start, end): one count that stops
    at cap + 1."""
    as_of = min(end - dt.timedelta(days=1), max(start, unit.valid_to - dt.timedelta(days=1)))
    root = span_on(unit, max(as_of, unit.valid_from))
    lo, hi = subtree_range(root.path)
    n = (
        UnitSpan.objects.filter(
            path__gte=lo,
            path__lt=hi,
            kind__in=HOME_KINDS,
            valid_from__lt=end,
            valid_to__gt=start,
        )
        # No order: the spans' default order would join the distinct (unit, start) pairs, a
        # branch renamed or moved in the period counting once per span, and send PostgreSQL
        # along the unit index (45-100 ms -> 7 ms for a province nationally).
        .order_by()
        .values("unit_id")
        .distinct()[: cap + 1]
        .count()
    )
    return n > cap


def check_live_size(unit: Unit, start: dt.date, end: dt.date) -> None:
    """Refuse (CosoError) to compute [start, end) live over more than LIVE_BRANCHES_MAX
    branches; one bounded count."""
    if branches_over(unit, start, end, LIVE_BRANCHES_MAX):
        raise CosoError(
            gettext(
                "Đơn vị «%(code)s» có hơn %(n)s chi bộ: chỉ xem được kỳ từ đầu năm đến nay; "
                "kỳ khác xin xem ở từng đơn vị cấp dưới."
            )
            % {"code": unit.code, "n": group(LIVE_BRANCHES_MAX)}
        )


class SubtreeWarnings:
    """The warnings of the branches in `unit`'s subtree over [start, end) judged on `day`, in
    `in_branch_order`; a sequence for pagination (`len` and slices).

    When the rows hold the period (`cached_report`'s condition), the length is their sum and a
    slice computes live only the branches it covers, found by walking the rows with warnings in
    path order: a page of the country's list reads a few dozen branches, not 250,000. Otherwise
    every warning is computed live once (`warnings_for`), as the report does."""

    BATCH = 1000  # rows read at a time while looking for a slice's branches

    def __init__(self, unit: Unit, start: dt.date, end: dt.date, day: dt.date) -> None:
        self.unit, self.period = unit, Period(start, end, day)
        self.span = _answering_span(unit, start, end, day)
        self._live: list[ActivityWarning] | None = None
        self._len: int | None = None

    @property
    def precomputed(self) -> bool:
        return self.span is not None

    def live(self) -> list[ActivityWarning]:
        if self._live is None:
            check_live_size(self.unit, self.period.start, self.period.end)
            branches = branches_under(self.unit, self.period.start, self.period.end)
            self._live = in_branch_order(branches, warnings_for(branches, self.period))
        return self._live

    def _rows(self) -> Any:
        assert self.span is not None
        lo, hi = subtree_range(self.span.path)
        return BranchActivity.objects.filter(path__gte=lo, path__lt=hi, in_report=True)

    def __len__(self) -> int:
        if self.span is None:
            return len(self.live())
        if self._len is None:
            if self.span.parent_id is None:  # a root: its children's totals
                lo, hi = subtree_range(self.span.path)
                rows = ActivityTotal.objects.filter(path__gte=lo, path__lt=hi)
            else:
                rows = self._rows()
            self._len = int(rows.aggregate(n=Sum("warnings"))["n"] or 0)
        return self._len

    def __getitem__(self, index: slice) -> list[ActivityWarning]:
        if self.span is None:
            return self.live()[index]
        first, stop, step = index.indices(len(self))
        if stop <= first:
            return []
        ids: list[int] = []
        before = seen = 0  # warnings before the first branch taken; before the row read
        rows = self._rows().filter(warnings__gt=0).order_by("path")
        after: str | None = None
        while seen < stop:
            batch = rows if after is None else rows.filter(path__gt=after)
            chunk = list(batch.values_list("unit_id", "path", "warnings")[: self.BATCH])
            for unit_id, _path, n in chunk:
                if seen + n > first and seen < stop:
                    if not ids:
                        before = seen
                    ids.append(unit_id)
                seen += n
                if seen >= stop:
                    break
            if len(chunk) < self.BATCH:
                break
            after = chunk[-1][1]
        start, end = self.period.start, self.period.end
        branches = [
            b
            for chunk_ids in chunked(ids)
            for b in branches_among(Q(unit_id__in=chunk_ids), start, end)
        ]
        found = in_branch_order(branches, warnings_for(branches, self.period))
        return found[first - before : stop - before : step]


__all__ = [
    "CachedReport",
    "HomeCount",
    "SubtreeWarnings",
    "cached_report",
    "check_live_size",
    "home_counts",
    "home_windows",
    "in_branch_order",
    "rebuild_activity",
    "refresh_activity",
    "refresh_branches",
    "refresh_for_days",
]
