"""The households page's figures at the only root, kept as per-day deltas.

At the national root `household_coverage` would read the whole register, every responsibility
and the quarter's visits on each request (seconds). Its four figures are counts of households
or members over periods, so each follows from deltas summed up to the day asked
(`CoverageDelta`, like `coso.stats` `DailyDelta`):

- households: a household counts over `[valid_from, valid_to)`;
- covered (households minus `without_member`): a household counts over the union of its
  responsibilities' periods cut to its own period;
- visited (`visited_this_quarter`): a household counts from its first visit in a quarter (or
  from its registration, if later) to the end of that quarter (or of its period);
- members (`responsible_members`): a member counts over the union of their responsibilities'
  periods cut to the union of their member spans — a member responsible for several households
  counts once: +1 when the first responsibility starts, -1 when the last ends. These periods
  (`ResponsibleRun`) are stored, since the member spans are written by other apps.

The tally is the sum of each household's and each member's contribution, so a write that
touches a few households and members changes it by the difference of their contributions
before and after the write, whatever the write was:

- the outreach operations wrap their writes in `households_in_step(...)` and call
  `refresh_members(...)` afterwards (inside their transaction);
- member spans starting or ending on the days a write gives `coso.stats.tally` refresh the
  members with such spans who are or were responsible for a household (`refresh_for_days`);
- the bulk generator and the demo loader rebuild the tally (`rebuild`), as does
  `coso.stats.tally.rebuild_all`.

The same deltas are kept per unit (`UnitCoverageDelta`) for the subtrees below the root: the
household figures under the household's village or area, `responsible_members` under the
member's home unit (runs are kept per unit). A subtree's figures on a day are its units' sums
(the units whose span lies in the subtree that day), plus the households its members are
responsible for in villages outside it (`CrossResponsibility`, kept with the runs: rare, border
guards for the villages' households). Reorganizations move units, not their deltas.

None of the figures at the only root depends on the tree (every household on the register lies
in it; a member counts wherever their span is), so reorganizations leave the tally alone; the
reader uses it only when the unit is the only root on the day asked, and computes live when the
tally is not built (`CoverageStamp`). Its figures equal the live computation's
(`tests/outreach/test_coverage_tally.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Q, Sum

from coso.core.bulk import insert_rows
from coso.core.dates import FAR_FUTURE, earlier_sql, later_sql
from coso.members.models import Member, MemberSpan
from coso.outreach.models import (
    CoverageDelta,
    CoverageMetric,
    CoverageStamp,
    CrossResponsibility,
    Household,
    HouseholdResponsibility,
    ResponsibleRun,
    UnitCoverageDelta,
    Visit,
)

Period = tuple[dt.date, dt.date]
# (metric, unit id, day) -> change; the root's deltas are their sums over units.
Deltas = Counter[tuple[str, int, dt.date]]
Run = tuple[int, dt.date, dt.date]  # unit id, valid_from, valid_to
Cross = tuple[int, int, int, dt.date, dt.date]  # member, household, unit, valid_from, valid_to
CHUNK = 2000


# --- periods -----------------------------------------------------------------------------------


def merge(periods: Iterable[Period]) -> list[Period]:
    """The union of half-open periods as sorted periods that neither overlap nor touch."""
    out: list[Period] = []
    for start, end in sorted(periods):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Sequence[Period], b: Sequence[Period]) -> list[Period]:
    """The intersection of two merged lists of periods (merged again)."""
    out: list[Period] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return merge(out)


def quarter_end(day: dt.date) -> dt.date:
    """The first day of the quarter after `day`'s."""
    month = 3 * ((day.month - 1) // 3) + 4
    if month > 12:
        return dt.date(day.year + 1, 1, 1) if day.year < FAR_FUTURE.year else FAR_FUTURE
    return dt.date(day.year, month, 1)


def _add(out: Deltas, metric: str, unit: int, periods: Iterable[Period], sign: int = 1) -> None:
    for start, end in periods:
        out[(metric, unit, start)] += sign
        if end < FAR_FUTURE:
            out[(metric, unit, end)] -= sign


def household_periods(
    period: Period, responsibilities: Iterable[Period], visits: Iterable[dt.date]
) -> dict[str, list[Period]]:
    """One household's contribution to each household figure."""
    firsts: dict[dt.date, dt.date] = {}
    for day in visits:
        end = quarter_end(day)
        if end not in firsts or day < firsts[end]:
            firsts[end] = day
    visited = []
    for end, first in firsts.items():
        start, stop = max(first, period[0]), min(end, period[1])
        if start < stop:
            visited.append((start, stop))
    return {
        CoverageMetric.HOUSEHOLDS: [period],
        CoverageMetric.COVERED: intersect(merge(responsibilities), [period]),
        CoverageMetric.VISITED: merge(visited),
    }


def member_runs(
    responsibilities: Iterable[tuple[int, int, dt.date, dt.date]],
    spans: Iterable[Run],
) -> tuple[list[Run], list[tuple[int, int, dt.date, dt.date]]]:
    """One member's contribution to `responsible_members`, unit by unit, and the periods in
    which they answer for a household of another area: from their responsibilities
    (household, area, valid_from, valid_to) and member spans (unit, valid_from, valid_to).
    Returns the runs (unit, from, to) and the cross periods (household, unit, from, to)."""
    resp = list(responsibilities)
    held = merge((a, b) for _h, _area, a, b in resp)
    by_unit: dict[int, list[Period]] = defaultdict(list)
    cross = []
    for unit, start, end in spans:
        by_unit[unit].append((start, end))
        for household, area, a, b in resp:
            if area != unit and max(a, start) < min(b, end):
                cross.append((household, unit, max(a, start), min(b, end)))
    runs = [
        (unit, a, b)
        for unit, periods in by_unit.items()
        for a, b in intersect(held, merge(periods))
    ]
    return sorted(runs), sorted(cross)


# --- contributions read from the tables --------------------------------------------------------


def _household_deltas(households: Q, related: Q) -> Deltas:
    """The contribution of the households selected (`related` selects the same households'
    responsibilities and visits by `household_id`), under each household's area."""
    resp: dict[int, list[Period]] = defaultdict(list)
    for hid, start, end in HouseholdResponsibility.objects.filter(related).values_list(
        "household_id", "valid_from", "valid_to"
    ):
        resp[hid].append((start, end))
    visits: dict[int, list[dt.date]] = defaultdict(list)
    for hid, on in Visit.objects.filter(related).values_list("household_id", "on"):
        visits[hid].append(on)
    out: Deltas = Counter()
    for hid, area, start, end in Household.objects.filter(households).values_list(
        "pk", "area_id", "valid_from", "valid_to"
    ):
        for metric, periods in household_periods(
            (start, end), resp.get(hid, []), visits.get(hid, [])
        ).items():
            _add(out, metric, area, periods)
    return out


def _member_state(members: Q, related: Q) -> tuple[dict[int, list[Run]], list[Cross]]:
    """The runs and cross periods of the members selected by `members` (on responsibilities)
    and `related` (the same members' spans)."""
    resp: dict[int, list[tuple[int, int, dt.date, dt.date]]] = defaultdict(list)
    for mid, hid, area, start, end in HouseholdResponsibility.objects.filter(members).values_list(
        "member_id", "household_id", "household__area_id", "valid_from", "valid_to"
    ):
        resp[mid].append((hid, area, start, end))
    if not resp:
        return {}, []
    spans: dict[int, list[Run]] = defaultdict(list)
    for mid, unit, start, end in (
        MemberSpan.objects.filter(related)
        .filter(member_id__in=HouseholdResponsibility.objects.filter(members).values("member_id"))
        .values_list("member_id", "unit_id", "valid_from", "valid_to")
    ):
        spans[mid].append((unit, start, end))
    runs: dict[int, list[Run]] = {}
    cross: list[Cross] = []
    for mid, held in resp.items():
        runs[mid], elsewhere = member_runs(held, spans.get(mid, []))
        cross.extend((mid, *row) for row in elsewhere)
    return runs, cross


def _run_deltas(out: Deltas, runs: Iterable[Run], sign: int = 1) -> None:
    for unit, start, end in runs:
        _add(out, CoverageMetric.MEMBERS, unit, [(start, end)], sign)


def _root(diff: Deltas) -> Counter[tuple[str, dt.date]]:
    root: Counter[tuple[str, dt.date]] = Counter()
    for (metric, _unit, day), n in diff.items():
        root[(metric, day)] += n
    return root


def _apply(diff: Deltas) -> None:
    """Add the changes to the units' and the root's deltas (one upsert each, safe against a
    concurrent writer of the same day)."""
    adapt = connection.ops.adapt_datefield_value
    units = [(str(m), u, adapt(d), n) for (m, u, d), n in sorted(diff.items()) if n]
    root = [(str(m), adapt(d), n) for (m, d), n in sorted(_root(diff).items()) if n]
    with connection.cursor() as cur:
        if units:
            cur.executemany(
                "INSERT INTO outreach_unitcoveragedelta (metric, unit_id, day, delta) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (unit_id, day, metric) DO UPDATE SET "
                "delta = outreach_unitcoveragedelta.delta + excluded.delta",
                units,
            )
        if root:
            cur.executemany(
                "INSERT INTO outreach_coveragedelta (metric, day, delta) VALUES (%s, %s, %s) "
                "ON CONFLICT (metric, day) DO UPDATE SET delta = outreach_coveragedelta.delta + "
                "excluded.delta",
                root,
            )


RUN_COLUMNS = ("member_id", "unit_id", "valid_from", "valid_to")
CROSS_COLUMNS = ("member_id", "household_id", "unit_id", "valid_from", "valid_to")


def built() -> bool:
    return CoverageStamp.objects.exists()


# --- writers -------------------------------------------------------------------------------------


@contextmanager
def households_in_step(*ids: int) -> Iterator[None]:
    """Around a write of these households (their register entry, responsibilities or visits):
    the tally changes by the difference of their contributions after and before."""
    if not built():
        yield
        return
    keys = sorted(set(ids))
    # Two writers of one household (visits are not otherwise locked) take turns.
    list(Household.objects.select_for_update().filter(pk__in=keys).values_list("pk", flat=True))
    before = _household_deltas(Q(pk__in=keys), Q(household_id__in=keys))
    yield
    diff = _household_deltas(Q(pk__in=keys), Q(household_id__in=keys))
    diff.subtract(before)
    _apply(diff)


def household_added(pk: int) -> None:
    """After a household is registered: its contribution added."""
    if built():
        _apply(_household_deltas(Q(pk=pk), Q(household_id=pk)))


def refresh_members(ids: Iterable[int]) -> None:
    """After a write of these members' responsibilities or spans: their runs recomputed, the
    tally changed by the difference with the runs stored."""
    keys = sorted({i for i in ids if i is not None})
    if not keys or not built():
        return
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        # Two writers of one member's responsibilities take turns (then each reads the other's).
        list(Member.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True))
        new, cross = _member_state(Q(member_id__in=chunk), Q(member_id__in=chunk))
        old: dict[int, list[Run]] = defaultdict(list)
        for mid, unit, a, b in ResponsibleRun.objects.filter(member_id__in=chunk).values_list(
            "member_id", "unit_id", "valid_from", "valid_to"
        ):
            old[mid].append((unit, a, b))
        # Cross periods follow the households' areas too: replaced whether or not runs changed.
        CrossResponsibility.objects.filter(member_id__in=chunk).delete()
        insert_rows(CrossResponsibility._meta.db_table, CROSS_COLUMNS, cross)
        changed = [m for m in chunk if sorted(old.get(m, [])) != new.get(m, [])]
        if not changed:
            continue
        diff: Deltas = Counter()
        for mid in changed:
            _run_deltas(diff, new.get(mid, []))
            _run_deltas(diff, old.get(mid, []), -1)
        ResponsibleRun.objects.filter(member_id__in=changed).delete()
        insert_rows(
            ResponsibleRun._meta.db_table,
            RUN_COLUMNS,
            [(mid, unit, a, b) for mid in changed for unit, a, b in new.get(mid, [])],
        )
        _apply(diff)


def refresh_for_days(days: list[dt.date], units: set[int]) -> None:
    """Member spans starting or ending on the days written (`coso.stats.tally.keep_in_step`):
    the members with such spans who are responsible for a household, and those counted from or
    to one of the days, recounted."""
    if not days or not built():
        return
    on_days = Q(valid_from__in=days) | Q(valid_to__in=days)
    touched = MemberSpan.objects.filter(on_days).values("member_id")
    refresh_members(
        [
            *HouseholdResponsibility.objects.filter(member_id__in=touched)
            .values_list("member_id", flat=True)
            .distinct(),
            # A span dropped (started and closed the same day) leaves no span on its day.
            *ResponsibleRun.objects.filter(on_days).values_list("member_id", flat=True),
        ]
    )


# --- the rebuild, set-wise ---------------------------------------------------------------------
#
# The same periods as `household_periods` and `member_runs`, computed by the database: at
# national size (3.2 million households, 638,000 responsible members) reading every row into
# Python took about 200 s of the generator's run. Dates are compared as values (ISO text on
# SQLite, which orders them the same way).


def _islands(source: str, keys: str) -> str:
    """`merge` by the database: the rows (keys…, a, b) of `source` (each with a < b) as the
    union of each key's periods, periods that overlap or touch made one (a gaps-and-islands
    query: a period starts an island unless it starts on or before the latest end before it)."""
    return (
        f"SELECT {keys}, MIN(a) AS a, MAX(b) AS b FROM ("
        f"SELECT {keys}, a, b, SUM(CASE WHEN a <= prev THEN 0 ELSE 1 END) OVER ("
        f"PARTITION BY {keys} ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS island FROM ("
        f"SELECT {keys}, a, b, MAX(b) OVER (PARTITION BY {keys} ORDER BY a, b "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM ({source}) AS s0"
        f") AS s1) AS s2 GROUP BY {keys}, island"
    )


def _quarter_end(day: str) -> str:
    """`quarter_end` by the database (FAR_FUTURE for the last quarter of its year)."""
    if connection.vendor == "postgresql":
        next_quarter = f"CAST(date_trunc('quarter', {day}) + interval '3 months' AS date)"
    else:
        next_quarter = (
            f"date({day}, 'start of month', '-' || ((CAST(strftime('%%m', {day}) AS INTEGER) - 1)"
            " %% 3) || ' months', '+3 months')"
        )
    return f"(CASE WHEN {day} >= %s THEN %s ELSE {next_quarter} END)"


def _pieces() -> tuple[str, list[Any]]:
    """(metric, unit_id, a, b): every household's and every run's contribution to each figure,
    as `household_periods` and the stored runs give them."""
    far = FAR_FUTURE
    last_quarter = dt.date(far.year, 10, 1)
    covered = _islands(
        f"SELECT r.household_id, h.area_id, {later_sql('r.valid_from', 'h.valid_from')} AS a, "
        f"{earlier_sql('r.valid_to', 'h.valid_to')} AS b FROM outreach_householdresponsibility r "
        "JOIN outreach_household h ON h.id = r.household_id "
        f"WHERE {later_sql('r.valid_from', 'h.valid_from')} < {earlier_sql('r.valid_to', 'h.valid_to')}",
        "household_id, area_id",
    )
    quarter = _quarter_end('v."on"')
    firsts = (
        f'SELECT household_id, {quarter} AS quarter, MIN(v."on") AS first '
        f"FROM outreach_visit v GROUP BY household_id, {quarter}"
    )
    start, stop = later_sql("f.first", "h.valid_from"), earlier_sql("f.quarter", "h.valid_to")
    sql = (
        f"SELECT %s AS metric, area_id AS unit_id, valid_from AS a, valid_to AS b "
        "FROM outreach_household "
        f"UNION ALL SELECT %s, area_id, a, b FROM ({covered}) AS covered "
        f"UNION ALL SELECT %s, h.area_id, {start}, {stop} FROM ({firsts}) AS f "
        f"JOIN outreach_household h ON h.id = f.household_id WHERE {start} < {stop} "
        "UNION ALL SELECT %s, unit_id, valid_from, valid_to FROM outreach_responsiblerun"
    )
    params: list[Any] = [
        str(CoverageMetric.HOUSEHOLDS),
        str(CoverageMetric.COVERED),
        str(CoverageMetric.VISITED),
        *[last_quarter, far] * 2,
        str(CoverageMetric.MEMBERS),
    ]
    return sql, params


def _write_runs(cur: Any) -> int:
    """`member_runs` by the database: each responsible member's runs (the union of their
    responsibilities cut to the union of their spans in each unit: the islands of two sets of
    islands meet in islands) and cross periods (a responsibility for a household of another
    area than the span's unit, cut to the span). Returns the number of runs."""
    held = _islands(
        "SELECT member_id, valid_from AS a, valid_to AS b FROM outreach_householdresponsibility",
        "member_id",
    )
    spans = _islands(
        "SELECT ms.member_id, ms.unit_id, ms.valid_from AS a, ms.valid_to AS b "
        "FROM members_memberspan ms WHERE ms.valid_from < ms.valid_to AND ms.member_id IN "
        "(SELECT member_id FROM outreach_householdresponsibility)",
        "member_id, unit_id",
    )
    cur.execute(
        f"INSERT INTO {ResponsibleRun._meta.db_table} ({', '.join(RUN_COLUMNS)}) "
        f"SELECT s.member_id, s.unit_id, {later_sql('h.a', 's.a')}, {earlier_sql('h.b', 's.b')} "
        f"FROM ({held}) AS h JOIN ({spans}) AS s ON s.member_id = h.member_id "
        "AND h.a < s.b AND s.a < h.b"
    )
    runs = int(cur.rowcount)
    start = later_sql("r.valid_from", "ms.valid_from")
    stop = earlier_sql("r.valid_to", "ms.valid_to")
    cur.execute(
        f"INSERT INTO {CrossResponsibility._meta.db_table} ({', '.join(CROSS_COLUMNS)}) "
        f"SELECT r.member_id, r.household_id, ms.unit_id, {start}, {stop} "
        "FROM outreach_householdresponsibility r "
        "JOIN outreach_household h ON h.id = r.household_id "
        "JOIN members_memberspan ms ON ms.member_id = r.member_id "
        f"WHERE h.area_id <> ms.unit_id AND {start} < {stop}"
    )
    return runs


def rebuild() -> str:
    """The tally counted afresh from the register, responsibilities, visits and member spans
    (bulk loaders, `coso.stats.tally.rebuild_all`), set-wise: the runs and cross periods, then
    every piece's +1 on its first day and -1 on its end summed by unit and day, then by day.
    `tests/outreach/test_coverage_tally.py` checks it against the writers' own increments and
    against the periods computed in Python."""
    for model in (
        CoverageDelta,
        UnitCoverageDelta,
        ResponsibleRun,
        CrossResponsibility,
        CoverageStamp,
    ):
        model.objects.all().delete()
    pieces, params = _pieces()
    with connection.cursor() as cur:
        runs = _write_runs(cur)
        cur.execute(
            f"WITH pieces (metric, unit_id, a, b) AS ({pieces}) "
            f"INSERT INTO {UnitCoverageDelta._meta.db_table} (metric, unit_id, day, delta) "
            "SELECT metric, unit_id, day, SUM(d) FROM ("
            "SELECT metric, unit_id, a AS day, 1 AS d FROM pieces UNION ALL "
            "SELECT metric, unit_id, b, -1 FROM pieces WHERE b < %s"
            ") AS steps GROUP BY metric, unit_id, day HAVING SUM(d) <> 0",
            [*params, FAR_FUTURE],
        )
        cur.execute(
            f"INSERT INTO {CoverageDelta._meta.db_table} (metric, day, delta) "
            f"SELECT metric, day, SUM(delta) FROM {UnitCoverageDelta._meta.db_table} "
            "GROUP BY metric, day HAVING SUM(delta) <> 0"
        )
    CoverageStamp.objects.create()
    return f"Đã đếm lại độ phủ hộ gia đình: {runs} khoảng phụ trách."


def read(day: dt.date) -> dict[str, int] | None:
    """The root figures on `day`, or None when the tally is not built (two queries)."""
    if not built():
        return None
    sums = dict(
        CoverageDelta.objects.filter(day__lte=day)
        .values_list("metric")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    households = int(sums.get(CoverageMetric.HOUSEHOLDS, 0) or 0)
    return {
        "responsible_members": int(sums.get(CoverageMetric.MEMBERS, 0) or 0),
        "households": households,
        "visited_this_quarter": int(sums.get(CoverageMetric.VISITED, 0) or 0),
        "without_member": households - int(sums.get(CoverageMetric.COVERED, 0) or 0),
    }


# A subtree's units on the day (params lo, hi, day, day), as in `coso.outreach.queries`.
_SUBTREE = "us.path >= %s AND us.path < %s AND us.valid_from <= %s AND us.valid_to > %s"


def read_subtree(lo: str, hi: str, day: dt.date, quarter: dt.date) -> dict[str, int] | None:
    """The figures of the subtree whose unit spans' paths lie in `[lo, hi)` on `day`, or None
    when the tally is not built (three queries, each reading the subtree's units by the path
    index and then each unit's rows by its own index, whatever the size of the subtree):

    - its units' sums: the households of its areas, covered and visited, and its members;
    - the households outside its areas its members answer for (cross periods), counted once
      and only when their area is not in the subtree that day, with those visited since
      `quarter` (the quarter's first day).

    `in_areas` is the number of households of its own areas (the length of its list).
    """
    if not built():
        return None
    with connection.cursor() as cur:
        cur.execute(
            "SELECT d.metric, SUM(d.delta) FROM units_unitspan us "
            "CROSS JOIN outreach_unitcoveragedelta d "
            f"WHERE {_SUBTREE} AND d.unit_id = us.unit_id AND d.day <= %s GROUP BY d.metric",
            [lo, hi, day, day, day],
        )
        sums = {metric: int(n or 0) for metric, n in cur.fetchall()}
        cur.execute(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM outreach_visit v "
            'WHERE v.household_id = x.household_id AND v."on" >= %s AND v."on" <= %s) '
            "THEN 1 ELSE 0 END), 0) FROM (SELECT DISTINCT c.household_id AS household_id "
            "FROM units_unitspan us CROSS JOIN outreach_crossresponsibility c "
            "CROSS JOIN outreach_household h "
            f"WHERE {_SUBTREE} AND c.unit_id = us.unit_id AND c.valid_from <= %s "
            "AND c.valid_to > %s AND h.id = c.household_id AND h.valid_from <= %s "
            "AND h.valid_to > %s AND NOT EXISTS (SELECT 1 FROM units_unitspan a "
            "WHERE a.unit_id = h.area_id AND a.valid_from <= %s AND a.valid_to > %s "
            "AND a.path >= %s AND a.path < %s)) x",
            [quarter, day, lo, hi, day, day, day, day, day, day, day, day, lo, hi],
        )
        extra, extra_visited = cur.fetchone()
    households = sums.get(CoverageMetric.HOUSEHOLDS, 0)
    return {
        "in_areas": households,
        "responsible_members": sums.get(CoverageMetric.MEMBERS, 0),
        "households": households + int(extra),
        "visited_this_quarter": sums.get(CoverageMetric.VISITED, 0) + int(extra_visited),
        "without_member": households - sums.get(CoverageMetric.COVERED, 0),
    }
