"""Reads of the follow-through of directives, for pages, API and other apps alike.

Roll-ups go up the tree by path ranges: a child's subtree on a day is the spans whose path lies
in [child.path, child.path[:-1] + "0"), joined in SQL against the children themselves and
grouped by child, so the number of queries and the size of every statement are fixed whatever
the size of the subtree (a national root over 250,000 branches included). No list of unit ids
ever travels from Python into SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet

from coso.core.dates import today
from coso.core.rules import rule
from coso.followup import tally
from coso.followup.models import Directive, Implementation, Step, StepKind, StepState
from coso.meetings.models import Meeting, MeetingStatus, Resolution
from coso.units.models import Unit, UnitSpan
from coso.units.queries import natural_key, span_on, spans_outside, subtree_range, subtree_spans

STATES = [s.value for s in StepState]
KINDS = [k.value for k in StepKind]

# The state of a step on a day, in SQL (params: day). Same rule as Step.state_on.
_STATE = (
    "CASE WHEN st.done_on IS NOT NULL AND st.done_on <= st.due THEN 'done' "
    "WHEN st.done_on IS NOT NULL THEN 'late' "
    "WHEN st.due < %s THEN 'overdue' ELSE 'pending' END"
)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


# --- the tracking view -----------------------------------------------------------------------


@dataclass
class StepCounts:
    """One step kind's records by state."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, state: str) -> int | None:
        return round(100 * self.counts[state] / self.total) if self.total else None

    @property
    def completed(self) -> int:
        return self.counts["done"] + self.counts["late"]


@dataclass
class TrackingRow:
    code: str
    name: str
    unit_id: int
    own: bool = False  # the unit's own record (not a child's subtree)
    units: int = 0  # records (units holding the directive) in the row's subtree
    overdue_units: int = 0  # of which with at least one overdue step
    steps: dict[str, StepCounts] = field(default_factory=lambda: {k: StepCounts() for k in KINDS})

    def add(self, other: TrackingRow) -> None:
        self.units += other.units
        self.overdue_units += other.overdue_units
        for kind in KINDS:
            for state in STATES:
                self.steps[kind].counts[state] += other.steps[kind].counts[state]

    @property
    def overdue_steps(self) -> int:
        return sum(c.counts["overdue"] for c in self.steps.values())


@dataclass
class Tracking:
    directive: Directive
    unit: Unit
    name: str
    day: dt.date
    rows: list[TrackingRow]  # overdue units first
    total: TrackingRow
    records: list[Implementation]  # the unit's own record(s), with steps (a branch's page)


# One row per group (a child unit, or the unit itself): the count of steps of each kind in
# each state, then the records with an overdue step. Built from the inner rows (group, record,
# kind, state); params of the inner query only.
_ROLL_UP = (
    "SELECT x.grp, "
    + ", ".join(
        f"SUM(CASE WHEN x.kind = '{k}' AND x.state = '{s}' THEN 1 ELSE 0 END)"
        for k in KINDS
        for s in STATES
    )
    + ", COUNT(DISTINCT CASE WHEN x.state = 'overdue' THEN x.rec END) "
    "FROM ({inner}) x GROUP BY x.grp"
)


def _first_segment(start: int) -> tuple[str, list[Any]]:
    """SQL for the first segment of `us.path` after its first `start - 1` characters (the id of
    the child of the unit whose path has that length; '' for the unit itself), and its params."""
    if connection.vendor == "postgresql":
        return "split_part(substr(us.path, %s), '/', 1)", [start]
    return "substr(substr(us.path, %s), 1, instr(substr(us.path, %s), '/') - 1)", [start, start]


def _subtree_rows() -> str:
    """Every step of a directive whose record's unit is in a subtree on a day, with the child
    of the subtree's root it lies under (by the prefix of its path), the record and the state.
    Params: the segment's, day (state), lo, hi, day, day, directive.

    One range of the path index with constant bounds, so both databases estimate it right: a
    commune's 75 branches are a few index lookups, the national root a hash join. CROSS JOIN
    keeps SQLite to that order (PostgreSQL plans it as the inner join it is)."""
    return (
        "SELECT {grp} AS grp, im.id AS rec, st.kind AS kind, " + _STATE + " AS state "
        "FROM units_unitspan us "
        "CROSS JOIN followup_implementation im "
        "CROSS JOIN followup_step st "
        "WHERE us.path >= %s AND us.path < %s AND us.valid_from <= %s AND us.valid_to > %s "
        "AND im.unit_id = us.unit_id AND im.directive_id = %s "
        "AND st.implementation_id = im.id"
    )


def _fill(rows: dict[str, TrackingRow], found: list[tuple[Any, ...]]) -> None:
    width = len(STATES)
    for key, *values in found:
        row = rows.get(str(key))
        if row is None:
            continue
        for i, kind in enumerate(KINDS):
            for j, state in enumerate(STATES):
                row.steps[kind].counts[state] += int(values[i * width + j] or 0)
        row.units += row.steps[StepKind.STUDY].total  # every record has one study step
        row.overdue_units += int(values[-1] or 0)


def _fill_from_tally(
    rows: dict[str, TrackingRow], own: TrackingRow, directive: Directive, day: dt.date
) -> None:
    """The root's rows from the directive's tally (coso.followup.tally): two grouped reads of
    a few rows per child, the same figures as the live roll-up."""
    steps, overdue = tally.read(directive, day)
    for (top, kind), (done, late, overdue_n, pending) in steps.items():
        row = own if top == own.unit_id else rows.get(str(top))
        if row is None:
            continue
        counts = row.steps[kind].counts
        counts["done"] += done
        counts["late"] += late
        counts["overdue"] += overdue_n
        counts["pending"] += pending
        if kind == StepKind.STUDY:
            row.units += done + late + overdue_n + pending
    for top, n in overdue.items():
        row = own if top == own.unit_id else rows.get(str(top))
        if row is not None:
            row.overdue_units += n


def tracking(directive: Directive, unit: Unit, *, day: dt.date | None = None) -> Tracking:
    """Completion of each step of `directive` in `unit`'s subtree on `day` (default today), one
    row per child unit (its whole subtree) and one for the unit's own record, overdue units
    first. Four queries whatever the size of the subtree; the roll-up reads each record of the
    subtree once, grouped by the prefix of its unit's path."""
    day = day or today()
    root = span_on(unit, day)
    children = list(
        UnitSpan.objects.filter(parent=unit, valid_from__lte=day, valid_to__gt=day).values_list(
            "unit_id", "unit__code", "name"
        )
    )
    rows = {str(uid): TrackingRow(code, name, uid) for uid, code, name in children}
    own = TrackingRow(unit.code, root.name, unit.pk, own=True)
    rows[""] = own  # the unit's own record: nothing after its path
    if root.parent_id is None and tally.usable(directive, root, day):
        _fill_from_tally(rows, own, directive, day)
    else:
        grp, grp_params = _first_segment(len(root.path) + 1)
        lo, hi = subtree_range(root.path)
        _fill(
            rows,
            _rows(
                _ROLL_UP.format(inner=_subtree_rows().format(grp=grp)),
                [*grp_params, day, lo, hi, day, day, directive.pk],
            ),
        )
    del rows[""]
    total = TrackingRow(unit.code, root.name, unit.pk)
    shown = [r for r in rows.values() if r.units]
    for row in [*shown, own]:
        total.add(row)
    shown.sort(key=lambda r: (-r.overdue_units, -r.overdue_steps, natural_key(r.code)))
    if own.units:
        shown.insert(0, own)
    records = list(
        Implementation.objects.filter(directive=directive, unit=unit).prefetch_related(
            "steps__meeting"
        )
    )
    return Tracking(directive, unit, root.name, day, shown, total, records)


# --- lists -----------------------------------------------------------------------------------


def in_subtree(unit: Unit, day: dt.date) -> QuerySet[Implementation]:
    """Records of units in `unit`'s subtree on `day` (a semi-join on the path range)."""
    span = span_on(unit, day)
    return Implementation.objects.filter(unit__in=subtree_spans(span, day).values("unit_id"))


class RecordPages:
    """The subtree's records on `day` (of one directive, if given), newest document first, then
    by unit id: counted per directive in one grouped query and sliced directive by directive
    along the (directive, unit) index, so no page sorts the country's half-million records.
    The only root counts every record minus those of units not existing that day (two seeks
    on the units' validity) instead of joining each record to its unit."""

    def __init__(self, unit: Unit, day: dt.date, directive: int | None = None) -> None:
        self.day = day
        span = span_on(unit, day)
        self.root = span.parent_id is None and not spans_outside(span.path, on=day)
        base = Implementation.objects.all() if self.root else in_subtree(unit, day)
        if directive is not None:
            base = base.filter(directive_id=directive)
        self.base = base
        counts = Counter(dict(base.values_list("directive_id").annotate(n=Count("id"))))
        if self.root:
            counts.subtract(_records_of_absent_units(day, directive))
        order = Directive.objects.filter(pk__in=[d for d, n in counts.items() if n > 0])
        self.counts = [
            (pk, counts[pk])
            for pk in order.order_by("-issued_on", "id").values_list("pk", flat=True)
        ]

    def count(self) -> int:
        return sum(n for _pk, n in self.counts)

    def __len__(self) -> int:
        return self.count()

    def _rows(self, directive: int) -> QuerySet[Implementation]:
        rows = self.base.filter(directive_id=directive)
        if self.root:
            rows = rows.filter(unit__valid_from__lte=self.day, unit__valid_to__gt=self.day)
        return rows.order_by("unit_id")

    def __getitem__(self, item: slice) -> list[Implementation]:
        start, stop = item.start or 0, item.stop if item.stop is not None else self.count()
        found: list[Implementation] = []
        for directive, n in self.counts:
            if stop <= 0:
                break
            if start < n:
                page = self._rows(directive).select_related("directive", "unit")
                found += page.prefetch_related("steps")[max(start, 0) : min(stop, n)]
            start, stop = start - n, stop - n
        return found


def _records_of_absent_units(day: dt.date, directive: int | None) -> Counter[int]:
    """Records per directive of units not existing on `day`, read from the few such units
    (CROSS JOIN keeps SQLite from scanning the records first)."""
    found: Counter[int] = Counter()
    which = "" if directive is None else " AND i.directive_id = %s"
    for absent in ("u.valid_to <= %s", "u.valid_from > %s"):
        params: list[Any] = [day] if directive is None else [day, directive]
        for pk, n in _rows(
            "SELECT i.directive_id, COUNT(*) FROM units_unit u "
            "CROSS JOIN followup_implementation i "
            f"WHERE i.unit_id = u.id AND {absent}{which} GROUP BY i.directive_id",
            params,
        ):
            found[pk] += n
    return found


def unit_records(unit: Unit) -> list[Implementation]:
    """The unit's own records, newest document first, with their steps (two queries)."""
    return list(
        Implementation.objects.filter(unit=unit)
        .select_related("directive")
        .prefetch_related("steps__meeting")
        .order_by("-directive__issued_on", "-directive_id")
    )


def directives_for(unit_ids: QuerySet[Any] | None) -> QuerySet[Directive]:
    """Directives registered at a unit of `unit_ids` (`Scope.unit_ids`: None for every unit) or
    cascaded to one, newest first.

    Both as semi-joins on the scope's ids: asked directive by directive (a correlated EXISTS),
    PostgreSQL walked each directive's implementations, 77,000 for one cascaded to the whole
    country, testing each unit against the scope (1.1 s for a province)."""
    rows = Directive.objects.select_related("owner").order_by("-issued_on", "-id")
    if unit_ids is None:
        return rows
    cascaded = Implementation.objects.filter(unit_id__in=unit_ids).values("directive_id")
    return rows.filter(Q(owner_id__in=unit_ids) | Q(pk__in=cascaded))


# --- home-page reminders ---------------------------------------------------------------------


@dataclass
class Reminder:
    step: Step
    unit_code: str
    state: str  # overdue or pending (due soon)


# The home page counts reminders up to this many of each kind ("10,000+" beyond): a bounded
# read whatever the size of the tree; the tracking view has the exact figures.
REMINDER_CAP = 10_000


@dataclass
class Reminders:
    unit: Unit
    day: dt.date
    horizon: int  # days
    overdue: int  # at most REMINDER_CAP + 1
    soon: int
    items: list[Reminder]

    @property
    def total(self) -> int:
        return self.overdue + self.soon

    @property
    def overdue_capped(self) -> bool:
        return self.overdue > REMINDER_CAP

    @property
    def soon_capped(self) -> bool:
        return self.soon > REMINDER_CAP

    @property
    def cap(self) -> int:
        return REMINDER_CAP


def _in_tree(span: UnitSpan, day: dt.date) -> Q:
    """Steps of records whose unit is in `span`'s subtree on `day`. Under the only root of the
    day, that is every unit existing then: a check on the record's unit, not a semi-join over
    the whole tree."""
    only_root = (
        span.parent_id is None
        and not UnitSpan.objects.filter(parent__isnull=True, valid_from__lte=day, valid_to__gt=day)
        .exclude(unit_id=span.unit_id)
        .exists()
    )
    if only_root:
        return Q(implementation__unit__valid_from__lte=day, implementation__unit__valid_to__gt=day)
    return Q(implementation__unit__in=subtree_spans(span, day).values("unit_id"))


# Open steps of the records of a subtree's units, driven from the subtree: the path index,
# then each unit's records, then each record's steps (below a child of the root, where a walk
# of every open step of the country by due date would find the few of the subtree last). The
# step's dates are tested through COALESCE so that no index on them competes with the record's
# (SQLite, without statistics, would read every open step of the country for each record).
# Params: lo, hi, day, day, due from, due before.
_OPEN_BELOW = (
    "SELECT s.id FROM units_unitspan us CROSS JOIN followup_implementation i "
    "CROSS JOIN followup_step s WHERE us.path >= %s AND us.path < %s AND us.valid_from <= %s "
    "AND us.valid_to > %s AND i.unit_id = us.unit_id AND s.implementation_id = i.id "
    "AND COALESCE(s.done_on, NULL) IS NULL AND COALESCE(s.due, s.due) >= %s "
    "AND COALESCE(s.due, s.due) < %s"
)


def _open_below(
    span: UnitSpan,
    day: dt.date,
    since: dt.date,
    until: dt.date,
    directives: Sequence[int] = (),
    kinds: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """_OPEN_BELOW, and with `directives` and `kinds` (from the tallies) only the records of
    those directives and the steps of those kinds: a province's records of every directive
    are tens of thousands, its steps due on the day its first reminders fall a few thousand."""
    lo, hi = subtree_range(span.path)
    sql, params = _OPEN_BELOW, [lo, hi, day, day, since, until]
    for column, values in (("i.directive_id", directives), ("s.kind", kinds)):
        if values:
            sql += f" AND {column} IN ({', '.join(['%s'] * len(values))})"
            params += list(values)
    return sql, params


# What a reminder shows of its step.
_STEP_RELATED = ("implementation__directive", "implementation__unit")


def _first_below(
    span: UnitSpan,
    day: dt.date,
    since: dt.date,
    until: dt.date,
    limit: int,
    directives: Sequence[int] = (),
    kinds: Sequence[str] = (),
) -> list[Step]:
    """The first `limit` open steps of the subtree due in [since, until), read from the
    subtree's own records (_OPEN_BELOW), of `directives` and `kinds` when given."""
    sql, params = _open_below(span, day, since, until, directives, kinds)
    with connection.cursor() as cur:
        cur.execute(f"{sql} ORDER BY s.due, s.id LIMIT %s", [*params, limit])
        keys = [row[0] for row in cur.fetchall()]
    found = {s.pk: s for s in Step.objects.filter(pk__in=keys).select_related(*_STEP_RELATED)}
    return [found[key] for key in keys]


def reminders(unit: Unit, day: dt.date | None = None, *, limit: int = 10) -> Reminders | None:
    """Steps not yet done in `unit`'s subtree that are overdue or due within the `followup`
    rule set's `reminder_days`: how many of each (counted up to REMINDER_CAP + 1), and the
    first `limit` by due date. Each query is bounded whatever the size of the tree: for a
    root or a child of one, the counts from the tallies (coso.followup.tally), then the first
    steps along the due-date index or from the subtree's records, whichever the tallies say
    passes fewer steps; below, everything read from the subtree's own records."""
    day = day or today()
    horizon = int(rule("followup.reminder_days", day))
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        return None
    until = day + dt.timedelta(days=horizon + 1)
    counted = tally.reminder_tally(span, day, horizon, wanted=limit)
    first: list[Step]
    if counted is None:
        with connection.cursor() as cur:
            counts = []
            for since, before in ((dt.date.min, day), (day, until)):
                sql, params = _open_below(span, day, since, before)
                cur.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) x", [*params, REMINDER_CAP + 1])
                counts.append(int(cur.fetchone()[0]))
        overdue, soon = counts
        first = _first_below(span, day, dt.date.min, until, limit)
    else:
        overdue, soon = (min(n, REMINDER_CAP + 1) for n in (counted.overdue, counted.soon))
        # A walk of the due-date index passes the whole root's open steps until it has found
        # the subtree's first `limit`: for a province with fewer (or none, when it has done
        # its work) that was every open step of the country, 518,000 and 2.1 s. The tallies
        # give the due dates the first `limit` lie between, which bound the walk (`window`),
        # and it is taken when it should pass fewer than a read from the subtree (`steps`, done
        # or not): a step walked costs about 5 us, one read from a province 1.5 us, and a walk
        # passes half its window on average, all of it when the subtree has fewer than `limit`
        # (national dataset, PostgreSQL).
        few = counted.overdue + counted.soon < limit
        walked = counted.window if few else counted.window / 2
        if counted.first_due is None or counted.last_due is None:
            first = []  # nothing open: nothing to walk to
        elif span.parent_id is None or walked * 5 <= counted.steps * 1.5:
            steps = Step.objects.filter(
                _in_tree(span, day),
                done_on__isnull=True,
                due__gte=counted.first_due,
                due__lte=counted.last_due,
            )
            first = list(steps.select_related(*_STEP_RELATED).order_by("due", "pk")[:limit])
        else:
            after = counted.last_due + dt.timedelta(days=1)
            first = _first_below(
                span, day, counted.first_due, after, limit, counted.directives, counted.kinds
            )
    items = [Reminder(s, s.implementation.unit.code, s.state_on(day)) for s in first]
    return Reminders(unit, day, horizon, overdue, soon, items)


# --- evidence for assessments ----------------------------------------------------------------


def directive_timeliness(unit: Unit, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Steps of every directive due in [start, end) for units in `unit`'s subtree (as the tree
    stood on the period's last day, or today if earlier), judged today: how many were due, done
    on time, done late, overdue (not done, due date passed) and pending (not yet due).

    The assessment of units cites these figures as evidence ("directives done on time").
    """
    judged = today()
    as_of = min(end - dt.timedelta(days=1), judged)
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=as_of, valid_to__gt=as_of).first()
    if span is None:  # ended or not yet created then: its last (or first) position
        span = UnitSpan.objects.filter(unit=unit).order_by("-valid_from").first()
        if span is None:
            return {"due": 0, "on_time": 0, "late": 0, "overdue": 0, "pending": 0}
        as_of = span.valid_from
    lo, hi = subtree_range(span.path)
    units = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=as_of, valid_to__gt=as_of
    ).values("unit_id")
    done = Q(done_on__isnull=False)
    figures = Step.objects.filter(
        due__gte=start, due__lt=end, implementation__unit__in=units
    ).aggregate(
        n_due=Count("pk"),
        n_on_time=Count("pk", filter=done & Q(done_on__lte=F("due"))),
        n_late=Count("pk", filter=done & Q(done_on__gt=F("due"))),
        n_overdue=Count("pk", filter=Q(done_on__isnull=True, due__lt=judged)),
        n_pending=Count("pk", filter=Q(done_on__isnull=True, due__gte=judged)),
    )
    return {key[2:]: int(value or 0) for key, value in figures.items()}


# --- a branch's local targets ----------------------------------------------------------------


def resolutions_with_targets(unit: Unit, *, since_year: int) -> list[Resolution]:
    """The unit's resolutions from `since_year` on, newest first, each with its targets
    (`local_targets`, prefetched: two queries)."""
    return list(
        Resolution.objects.filter(unit=unit, year__gte=since_year)
        .prefetch_related("local_targets")
        .order_by("-year", "-number")
    )


# --- a study session's attendance ------------------------------------------------------------


def attendance_of(meeting_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(present, expected) of each meeting, from its invitations (members counted in the
    quorum), or the figures fixed when it was closed; one query for the meetings of a page."""
    wanted = sorted(set(meeting_ids))
    if not wanted:
        return {}
    counted = Q(invitations__counted=True)
    rows = (
        Meeting.objects.filter(pk__in=wanted)
        .annotate(
            n_expected=Count("invitations", filter=counted),
            n_present=Count("invitations", filter=counted & Q(invitations__status="present")),
        )
        .values_list("pk", "status", "expected_count", "present_count", "n_expected", "n_present")
    )
    out: dict[int, tuple[int, int]] = {}
    for pk, status, expected, present, n_expected, n_present in rows:
        if status == MeetingStatus.CLOSED and expected is not None:
            out[pk] = (present or 0, expected)
        else:
            out[pk] = (n_present, n_expected)
    return out
