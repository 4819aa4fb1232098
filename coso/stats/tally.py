"""Keep `DailyDelta` in step with the spans.

Writers call `refresh_days(days)` with every date on which a span they wrote starts or ends,
inside their transaction. The rows for those days are recomputed from the spans, so the table
cannot drift however the spans were changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection

from coso.core.bulk import insert_rows
from coso.core.dates import FAR_FUTURE, earlier_sql, later_sql
from coso.stats.models import DailyDelta, DailyDeltaSum, SidePiece, SubtreeDelta

BRANCH_KINDS = ("branch", "grassroots_branch")

# Other derived data kept in step by the same calls, registered by apps above this one (which
# cannot be imported from here): (refresh for days and units, rebuild everything).
Refresh = Callable[[list[dt.date], set[int]], None]
_derived: list[tuple[Refresh, Callable[[], object]]] = []


def keep_in_step(refresh: Refresh, rebuild: Callable[[], object]) -> None:
    """Have `refresh_days` (and `refresh_derived`) and `rebuild_all` also refresh (rebuild)
    another derived table: `refresh(days, units)` gets the days on which spans written start or
    end, and units whose rows changed otherwise."""
    if (refresh, rebuild) not in _derived:
        _derived.append((refresh, rebuild))


def refresh_derived(days: Iterable[dt.date] = (), units: Iterable[int] = ()) -> None:
    """For writes that leave `DailyDelta` alone (positions, imported spans already added)."""
    wanted = sorted({d for d in days if d is not None and d != FAR_FUTURE})
    touched = set(units)
    if wanted or touched:
        _refresh_side(wanted, touched)
        for refresh, _rebuild in _derived:
            refresh(wanted, touched)


def _member_metrics(status: str, exempt: bool, in_transit: bool) -> list[str]:
    names = ["members.total", f"members.{status}"]
    if exempt:
        names.append("members.exempt")
    if in_transit:
        names.append("members.in_transit")
    return names


def _unit_metrics(kind: str, tags: str) -> list[str]:
    names = [f"units.{kind}"]
    if kind in BRANCH_KINDS:
        names += [f"branch_categories.{t}" for t in tags.split(";") if t]
    return names


# Member spans grouped by a start or end day. Shared with `coso generate`, whose workers run it
# on each chunk they write (so a national load needs no second pass over 16 million spans).
MEMBER_GROUPS = (
    "SELECT {column}, status, exempt, in_transit, COUNT(*) FROM {table} "
    "{where} GROUP BY {column}, status, exempt, in_transit"
)
SIGNS = (("valid_from", 1), ("valid_to", -1))


def add_member_groups(
    totals: Counter[tuple[dt.date, str]], rows: Iterable[tuple[object, ...]], sign: int
) -> None:
    """Add rows of MEMBER_GROUPS (day, status, exempt, in_transit, count) to `totals`."""
    for day, status, exempt, in_transit, n in rows:
        day = _as_date(day)
        if day == FAR_FUTURE:
            continue
        for metric in _member_metrics(str(status), bool(exempt), bool(in_transit)):
            totals[(day, metric)] += sign * int(n)  # type: ignore[call-overload]


def _compute(days: list[dt.date] | None, *, members: bool = True) -> Counter[tuple[dt.date, str]]:
    """Deltas for the given days (all days when None); unit figures only if not `members`."""
    totals: Counter[tuple[dt.date, str]] = Counter()
    chunks: list[list[dt.date] | None] = (
        [None] if days is None else [days[i : i + 500] for i in range(0, len(days), 500)]
    )
    with connection.cursor() as cur:
        for chunk in chunks:
            for column, sign in SIGNS:
                where, params = "", []
                if chunk is not None:
                    where = f"WHERE {column} IN ({','.join(['%s'] * len(chunk))})"
                    params = list(chunk)
                if members:
                    # The whole table: read the covering (unit, valid_from, valid_to, status, ...)
                    # index rather than visiting every row through a date index (2x faster on
                    # SQLite at national size); open ends change nothing ("<>" keeps SQLite on
                    # that index).
                    member_where = where or "WHERE unit_id >= 0"
                    if column == "valid_to":
                        member_where += " AND valid_to <> %s"
                    cur.execute(
                        MEMBER_GROUPS.format(
                            column=column, table="members_memberspan", where=member_where
                        ),
                        params + ([FAR_FUTURE] if column == "valid_to" else []),
                    )
                    add_member_groups(totals, cur.fetchall(), sign)
                cur.execute(
                    f"SELECT {column}, kind, tags, COUNT(*) FROM units_unitspan "
                    f"{where} GROUP BY {column}, kind, tags",
                    params,
                )
                for day, kind, tags, n in cur.fetchall():
                    day = _as_date(day)
                    if day == FAR_FUTURE:
                        continue
                    for metric in _unit_metrics(kind, tags):
                        totals[(day, metric)] += sign * n
    return totals


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _write(totals: Counter[tuple[dt.date, str]]) -> None:
    DailyDelta.objects.bulk_create(
        [DailyDelta(day=d, metric=m, delta=n) for (d, m), n in totals.items() if n],
        batch_size=5000,
    )


def refresh_days(days: Iterable[dt.date], units: Iterable[int] = ()) -> None:
    """Recount the figures of `days`. A writer of member spans also names the units of the
    spans it wrote or changed (`units`): a span written back-dated across a later move of its
    unit between provinces changes the provinces' figures on the move day too."""
    wanted = sorted({d for d in days if d is not None and d != FAR_FUTURE})
    if not wanted:
        return
    for i in range(0, len(wanted), 500):
        DailyDelta.objects.filter(day__in=wanted[i : i + 500]).delete()
    _write(_compute(wanted))
    regrain_daily(wanted)
    _refresh_subtrees(wanted, units)
    refresh_derived(wanted)


def add_member_spans(
    spans: Iterable[tuple[dt.date, dt.date, str, bool, bool]],
    units: Iterable[int] | None = None,
) -> None:
    """Add the contribution of new member spans (valid_from, valid_to, status, exempt,
    in_transit) to DailyDelta, for writers that only add spans (imports). `units` gives each
    span's unit (in the same order) for the subtree tallies; without it they are recounted on
    the spans' days.

    Recounting the days instead reads every span that starts or ends on each of them: after a
    100,000-member import at national size that is millions of index entries. Adding is exact
    as long as nothing else changed on those days in the same write (the import test checks the
    result against a full recount).
    """
    spans = list(spans)
    unit_spans: list[tuple[int, dt.date, dt.date, str, bool, bool]]
    if units is None:
        unit_spans = []
        _refresh_subtrees(sorted({d for s in spans for d in s[:2] if d != FAR_FUTURE}))
    else:
        unit_spans = [(u, *s) for u, s in zip(units, spans, strict=True)]
    totals: Counter[tuple[dt.date, str]] = Counter()
    for start, end, status, exempt, in_transit in spans:
        for metric in _member_metrics(status, exempt, in_transit):
            totals[(start, metric)] += 1
            if end != FAR_FUTURE:
                totals[(end, metric)] -= 1
    _add_subtree_member_spans(unit_spans)
    rows = [(d, m, n) for (d, m), n in totals.items() if n]
    if not rows:
        return
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO stats_dailydelta (day, metric, delta) VALUES (%s, %s, %s) "
            "ON CONFLICT (metric, day) DO UPDATE SET delta = stats_dailydelta.delta + "
            "excluded.delta",
            [(adapt(d), m, n) for d, m, n in rows],
        )
    # A day whose changes now cancel out keeps no row, as a recount would write none.
    DailyDelta.objects.filter(delta=0).delete()
    regrain_daily(sorted({d for d, _m, _n in rows}))


def rebuild_all(member_totals: Counter[tuple[dt.date, str]] | None = None) -> None:
    """Recompute the whole table (after bulk loads that bypass the operations).

    A loader that has already counted the member spans it wrote (with MEMBER_GROUPS and
    `add_member_groups`) passes those totals; only the unit spans are then read.
    """
    DailyDelta.objects.all().delete()
    if member_totals is None:
        _write(_compute(None))
    else:
        totals = _compute(None, members=False)
        totals.update(member_totals)  # adds, keeping negative deltas (`+` would drop them)
        _write(totals)
    regrain_daily(None)
    rebuild_subtrees()
    rebuild_side()
    for _refresh, rebuild in _derived:
        rebuild()


# --- month and year sums of DailyDelta -------------------------------------------------------

# Month and year starts of a `day` column, as SQL on each database (dates are ISO text in
# SQLite).
_TRUNC = {
    "sqlite": ("substr(day, 1, 8) || '01'", "substr(day, 1, 5) || '01-01'"),
    "postgresql": (
        "CAST(date_trunc('month', day) AS date)",
        "CAST(date_trunc('year', day) AS date)",
    ),
}


def regrain_daily(days: Iterable[dt.date] | None) -> None:
    """Rewrite the month and year rows of `DailyDeltaSum` for the months and years of `days`
    (every row when None) from the day rows of `DailyDelta`: a few statements whatever the
    number of months (an import's spans start over decades)."""
    month, year = _TRUNC[connection.vendor]
    table, source = DailyDeltaSum._meta.db_table, DailyDelta._meta.db_table
    insert = f"INSERT INTO {table} (grain, day, metric, delta) SELECT %s, {{start}}, metric, "
    insert += "SUM(delta) FROM {source} WHERE {where} GROUP BY {start}, metric "
    insert += "HAVING SUM(delta) <> 0"
    with connection.cursor() as cur:
        if days is None:
            cur.execute(f"DELETE FROM {table}")
            cur.execute(
                insert.format(start=month, source=source, where="day IS NOT NULL"),
                [DailyDeltaSum.MONTH],
            )
            cur.execute(
                insert.format(start=year, source=table, where="grain = %s"),
                [DailyDeltaSum.YEAR, DailyDeltaSum.MONTH],
            )
            return
        months = sorted({_first_of_month(d) for d in days if d != FAR_FUTURE})
        years = sorted({_first_of_year(d) for d in months})
        for grain, starts, start, source_table, part in (
            (DailyDeltaSum.MONTH, months, month, source, None),
            (DailyDeltaSum.YEAR, years, year, table, DailyDeltaSum.MONTH),
        ):
            for i in range(0, len(starts), 400):
                chunk = starts[i : i + 400]
                marks = ",".join(["%s"] * len(chunk))
                cur.execute(
                    f"DELETE FROM {table} WHERE grain = %s AND day IN ({marks})", [grain, *chunk]
                )
                # The bounds let the day index find the rows; the list keeps only those months.
                where = f"day >= %s AND day <= %s AND {start} IN ({marks})"
                params: list[Any] = [chunk[0], _last_day(grain, chunk[-1]), *chunk]
                if part is not None:
                    where = f"grain = %s AND {where}"
                    params = [part, *params]
                cur.execute(
                    insert.format(start=start, source=source_table, where=where), [grain, *params]
                )


def _last_day(grain: int, start: dt.date) -> dt.date:
    """The last day of the month or year beginning on `start`."""
    if grain == DailyDeltaSum.MONTH:
        return _next_month(start) - dt.timedelta(days=1)
    return start.replace(month=12, day=31)


# --- subtree tallies ------------------------------------------------------------------------
# `SubtreeDelta` holds, for every unit right below a root (a province), the net change of its
# subtree's figures on each day. A member span counts towards the province on the days its unit
# lies under it: the span's period cut by each of its unit's spans, whose path names the
# province (its second id). So a move of a subtree changes the province's figures on the move
# day without any member event, and a rename changes nothing (the two pieces cancel out).

SUBTREE_DEPTH = 1  # the depth of the tallied units: right below a root
# One level lower (communes; districts until 30/06/2025) only the member total is tallied:
# what a province's tree shows of each child, which counting would read from the province's
# 150,000 member spans (60-70 ms at national size). Every figure there would be five times the
# rows for figures a commune counts from its own 1,700 spans at once.
TOTAL_DEPTH = SUBTREE_DEPTH + 1
TALLIED_DEPTHS = (SUBTREE_DEPTH, TOTAL_DEPTH)
TOTAL = "members.total"

# The pieces (member span ∩ unit span) that start or end on given days, by the unit's path.
# A piece starts on max(member from, unit from): either the member span starts inside the unit
# span, or the unit span starts inside the member span (strictly, so no piece counts twice);
# likewise for ends. Param: the days, once.
_PIECES = (
    (
        "SELECT us.path, ms.valid_from, ms.status, ms.exempt, ms.in_transit, COUNT(*) "
        "FROM members_memberspan ms JOIN units_unitspan us ON us.unit_id = ms.unit_id "
        "AND us.valid_from <= ms.valid_from AND us.valid_to > ms.valid_from "
        "WHERE ms.valid_from IN ({days}) AND us.depth >= {depth} {within}"
        "GROUP BY us.path, ms.valid_from, ms.status, ms.exempt, ms.in_transit",
        1,
    ),
    (
        "SELECT us.path, us.valid_from, ms.status, ms.exempt, ms.in_transit, COUNT(*) "
        "FROM units_unitspan us JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
        "AND ms.valid_from < us.valid_from AND ms.valid_to > us.valid_from "
        "WHERE us.valid_from IN ({days}) AND us.depth >= {depth} {within}"
        "GROUP BY us.path, us.valid_from, ms.status, ms.exempt, ms.in_transit",
        1,
    ),
    (
        "SELECT us.path, ms.valid_to, ms.status, ms.exempt, ms.in_transit, COUNT(*) "
        "FROM members_memberspan ms JOIN units_unitspan us ON us.unit_id = ms.unit_id "
        "AND us.valid_from < ms.valid_to AND us.valid_to >= ms.valid_to "
        "WHERE ms.valid_to IN ({days}) AND us.depth >= {depth} {within}"
        "GROUP BY us.path, ms.valid_to, ms.status, ms.exempt, ms.in_transit",
        -1,
    ),
    (
        "SELECT us.path, us.valid_to, ms.status, ms.exempt, ms.in_transit, COUNT(*) "
        "FROM units_unitspan us JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
        "AND ms.valid_from < us.valid_to AND ms.valid_to > us.valid_to "
        "WHERE us.valid_to IN ({days}) AND us.depth >= {depth} {within}"
        "GROUP BY us.path, us.valid_to, ms.status, ms.exempt, ms.in_transit",
        -1,
    ),
)


def _top(path: str) -> int:
    """The tallied unit a span with this path counts towards: the id right below the root."""
    return int(path.split("/")[SUBTREE_DEPTH + 1])


def _member_tops(path: str, metrics: list[str]) -> list[tuple[int, str]]:
    """The (tallied unit, figure) pairs a member at a unit with this path counts towards: each
    figure towards the unit right below the root, the total also towards the one below that."""
    ids = path.split("/")  # "/1/5/77/" -> ["", "1", "5", "77", ""]
    pairs = [(int(ids[SUBTREE_DEPTH + 1]), m) for m in metrics]
    if len(ids) > TOTAL_DEPTH + 2 and TOTAL in metrics:
        pairs.append((int(ids[TOTAL_DEPTH + 1]), TOTAL))
    return pairs


def _first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _first_of_year(day: dt.date) -> dt.date:
    return day.replace(month=1, day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


SubtreeTotals = Counter[tuple[int, dt.date, str]]


SUBTREE_COLUMNS = ("unit_id", "grain", "day", "metric", "delta")


def _write_subtrees(totals: SubtreeTotals) -> None:
    # Tuples, not model instances with their ids read back (nobody uses them); COPY on
    # PostgreSQL.
    insert_rows(
        SubtreeDelta._meta.db_table,
        SUBTREE_COLUMNS,
        ((u, SubtreeDelta.DAY, d, m, n) for (u, d, m), n in totals.items() if n),
    )


SubtreeKeys = set[tuple[int, dt.date]]  # (tallied unit, day)

# Keys per statement, sent as a VALUES list: three parameters each, under SQLite's limit.
_KEYS_CHUNK = 3000


def _with_keys(keys: list[tuple[dt.date | int, ...]]) -> tuple[str, list[Any]]:
    """A `WITH keys (unit_id, day[, next]) AS (... VALUES ...)` clause and its parameters.

    The `LIMIT` (the number of keys) is for SQLite's planner, which takes a VALUES list's row
    count for the logarithmic estimate it compares with a table's: past about 230 keys it
    thought the join would search `stats_subtreedelta` more often than the table has rows and
    built a Bloom filter on it first, a scan of its ten million rows (0.9 s a statement,
    60 s of a 20,000-member import at national size). A literal LIMIT gives it the true
    estimate, so it searches the index for each key (10 ms)."""
    adapt = connection.ops.adapt_datefield_value
    width = len(keys[0])
    columns = ", ".join(("unit_id", "day", "next")[:width])
    row = "(" + ", ".join(["%s"] * width) + ")"
    params = [adapt(v) if isinstance(v, dt.date) else v for key in keys for v in key]
    values = ", ".join([row] * len(keys))
    return (
        f"WITH keys ({columns}) AS (SELECT * FROM (VALUES {values}) AS v LIMIT {len(keys)}) ",
        params,
    )


def _delete_keyed(head: str, condition: str, returning: Sequence[str] = ()) -> str:
    """DELETE of the rows of `stats_subtreedelta t` joined to the keys on `condition`, giving
    back the `returning` columns of the rows deleted. On PostgreSQL a join (USING): as `id IN
    (...)` over a table written in the same transaction, never analyzed, it planned a semi-join
    rescanning the table for each row (minutes in the tests)."""
    if connection.vendor == "postgresql":
        back = f" RETURNING {', '.join(f't.{c}' for c in returning)}" if returning else ""
        return f"{head}DELETE FROM stats_subtreedelta t USING keys k WHERE {condition}{back}"
    back = f" RETURNING {', '.join(returning)}" if returning else ""
    return (
        f"{head}DELETE FROM stats_subtreedelta WHERE id IN "
        f"(SELECT t.id FROM keys k JOIN stats_subtreedelta t ON {condition}){back}"
    )


def _chunks(keys: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(keys)
    for i in range(0, len(ordered), _KEYS_CHUNK):
        yield ordered[i : i + _KEYS_CHUNK]


def _take_day_rows(keys: SubtreeKeys) -> SubtreeTotals:
    """The day rows of these (tallied unit, day) keys, deleted. Read by their keys: a day's
    rows for every unit (every commune of the country) are many more."""
    found: SubtreeTotals = Counter()
    condition = f"t.unit_id = k.unit_id AND t.grain = {SubtreeDelta.DAY} AND t.day = k.day"
    with connection.cursor() as cur:
        for chunk in _chunks(keys):
            head, params = _with_keys(chunk)
            cur.execute(
                _delete_keyed(head, condition, ("unit_id", "day", "metric", "delta")), params
            )
            for u, d, m, n in cur.fetchall():
                found[(u, _as_date(d), m)] += n
    return found


def _regrain(keys: SubtreeKeys) -> None:
    """Rewrite the month and year rows of these (tallied unit, day) keys' months and years from
    their day and month rows: a unit's, not every unit's (a month of the country's communes
    holds about ten thousand day rows, one commune's two or three)."""
    months = {(u, _first_of_month(d)) for u, d in keys}
    years = {(u, _first_of_year(d)) for u, d in months}
    with connection.cursor() as cur:
        for grain, part, starts, end_of in (
            (SubtreeDelta.MONTH, SubtreeDelta.DAY, months, _next_month),
            (SubtreeDelta.YEAR, SubtreeDelta.MONTH, years, lambda y: y.replace(year=y.year + 1)),
        ):
            for chunk in _chunks(starts):
                head, params = _with_keys([(u, start, end_of(start)) for u, start in chunk])
                cur.execute(
                    _delete_keyed(head, "t.unit_id = k.unit_id AND t.grain = %s AND t.day = k.day"),
                    [*params, grain],
                )
                cur.execute(
                    f"{head}INSERT INTO stats_subtreedelta (unit_id, grain, day, metric, delta) "
                    "SELECT k.unit_id, %s, k.day, t.metric, SUM(t.delta) FROM keys k "
                    "JOIN stats_subtreedelta t ON t.unit_id = k.unit_id AND t.grain = %s "
                    "AND t.day >= k.day AND t.day < k.next "
                    "GROUP BY k.unit_id, k.day, t.metric HAVING SUM(t.delta) <> 0",
                    [*params, grain, part],
                )


def _count_subtrees(days: list[dt.date], within: tuple[str, str] | None = None) -> SubtreeTotals:
    """The day rows of `days` (at most 500, no FAR_FUTURE) counted from the spans, for every
    tallied unit or for the units whose paths lie `within` (lo, hi) alone."""
    totals: SubtreeTotals = Counter()
    marks = ",".join(["%s"] * len(days))
    where, bounds = ("", []) if within is None else ("AND us.path >= %s AND us.path < %s ", within)
    with connection.cursor() as cur:
        # One statement for the four kinds of pieces, one for the units: a writer's refresh
        # costs a fixed number of queries.
        cur.execute(
            " UNION ALL ".join(
                sql.replace("SELECT ", f"SELECT {sign}, ", 1) for sql, sign in _PIECES
            ).format(days=marks, depth=SUBTREE_DEPTH, within=where),
            [*days, *bounds] * len(_PIECES),
        )
        for sign, path, day, status, exempt, in_transit, n in cur.fetchall():
            day = _as_date(day)
            metrics = _member_metrics(str(status), bool(exempt), bool(in_transit))
            for top, metric in _member_tops(path, metrics):
                totals[(top, day, metric)] += int(sign) * int(n)
        # A tallied unit's figures count the units below it, not itself.
        cur.execute(
            " UNION ALL ".join(
                f"SELECT {sign}, path, {column}, kind, tags, COUNT(*) FROM units_unitspan us "
                f"WHERE {column} IN ({marks}) AND depth > {SUBTREE_DEPTH} {where}"
                f"GROUP BY path, {column}, kind, tags"
                for column, sign in SIGNS
            ),
            [*days, *bounds] * len(SIGNS),
        )
        for sign, path, day, kind, tags, n in cur.fetchall():
            top, day = _top(path), _as_date(day)
            for metric in _unit_metrics(kind, tags):
                totals[(top, day, metric)] += int(sign) * int(n)
    return totals


def _refresh_subtrees(days: list[dt.date], units: Iterable[int] = ()) -> None:
    """Recount the day rows of `days` (no FAR_FUTURE) for every tallied unit, and those of the
    days when a span of one of `units` starts or ends after the first of `days` into or out of a
    tallied unit (see `_crossings`), for the tallied units concerned."""
    totals: SubtreeTotals = Counter()
    # The keys whose day rows are rewritten: those there were and those there are.
    keys: SubtreeKeys = set()
    for i in range(0, len(days), 500):
        chunk = days[i : i + 500]
        totals.update(_count_subtrees(chunk))
        old = SubtreeDelta.objects.filter(grain=SubtreeDelta.DAY, day__in=chunk)
        keys.update(old.values_list("unit_id", "day").distinct())
        old.delete()
    if days:
        for day, top, within in _crossings(set(units), days[0], set(days)):
            totals.update({k: n for k, n in _count_subtrees([day], within).items() if k[0] == top})
            crossed = SubtreeDelta.objects.filter(grain=SubtreeDelta.DAY, day=day, unit_id=top)
            keys.update(crossed.values_list("unit_id", "day").distinct())
            crossed.delete()
    _write_subtrees(totals)
    _regrain(keys | {(u, d) for u, d, _m in totals})


def _crossings(
    units: set[int], after: dt.date, recounted: set[dt.date]
) -> list[tuple[dt.date, int, tuple[str, str]]]:
    """(day, tallied unit, its path range) whose day rows a member span written at one of
    `units` from `after` on may have changed besides the days written.

    A member span counts towards a tallied unit in pieces cut at its unit's span boundaries, so
    a span written back-dated across a move of its unit between provinces or communes changes
    the move day's rows of both: the piece that ends there and the one that starts. Only
    boundaries where the tallied unit changes matter (a rename or a move within a commune adds
    and removes the same piece), and only for the tallied units on either side: a recount of
    their rows for that day reads the pieces starting or ending under them on it, not the whole
    country's (a province's on the day of the 2025 reform: 200-450 ms at national size)."""
    if not units:
        return []
    marks = ",".join(["%s"] * len(units))
    by_unit: dict[int, list[tuple[dt.date, dt.date, str]]] = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT unit_id, valid_from, valid_to, path FROM units_unitspan "
            f"WHERE unit_id IN ({marks}) AND depth >= %s AND valid_to > %s",
            [*sorted(units), SUBTREE_DEPTH, after],
        )
        for unit_id, start, end, path in cur.fetchall():
            by_unit.setdefault(unit_id, []).append((_as_date(start), _as_date(end), path))
    found: set[tuple[dt.date, int, tuple[str, str]]] = set()
    for spans in by_unit.values():
        before: dict[dt.date, set[str]] = {}  # boundary -> paths ending there, starting there
        since: dict[dt.date, set[str]] = {}
        for start, end, path in spans:
            ids = path.split("/")
            # The paths of the tallied units it lies under ("/1/5/", "/1/5/77/").
            prefixes = {"/".join(ids[: d + 2]) + "/" for d in TALLIED_DEPTHS if len(ids) > d + 2}
            if start > after:
                since.setdefault(start, set()).update(prefixes)
            if end != FAR_FUTURE:
                before.setdefault(end, set()).update(prefixes)
        for day in {*before, *since} - recounted:
            old, new = before.get(day, set()), since.get(day, set())
            for prefix in old ^ new:
                top = int(prefix.rstrip("/").rsplit("/", 1)[1])
                found.add((day, top, (prefix, prefix[:-1] + "0")))
    return sorted(found)


def _add_subtree_member_spans(spans: list[tuple[int, dt.date, dt.date, str, bool, bool]]) -> None:
    """Add new member spans (unit, from, to, status, exempt, in_transit) to the subtree tallies:
    each piece of a span under one of its unit's spans counts towards the piece's province."""
    if not spans:
        return
    by_unit: dict[int, list[tuple[dt.date, dt.date, str]]] = {}
    units = sorted({s[0] for s in spans})
    for i in range(0, len(units), 500):
        chunk = units[i : i + 500]
        with connection.cursor() as cur:
            cur.execute(
                "SELECT unit_id, valid_from, valid_to, path FROM units_unitspan "
                f"WHERE unit_id IN ({','.join(['%s'] * len(chunk))}) AND depth >= %s",
                [*chunk, SUBTREE_DEPTH],
            )
            for unit_id, start, end, path in cur.fetchall():
                by_unit.setdefault(unit_id, []).append((_as_date(start), _as_date(end), path))
    totals: SubtreeTotals = Counter()
    for unit_id, start, end, status, exempt, in_transit in spans:
        metrics = _member_metrics(status, exempt, in_transit)
        for u_start, u_end, path in by_unit.get(unit_id, []):
            a, b = max(start, u_start), min(end, u_end)
            if a >= b:
                continue
            for top, metric in _member_tops(path, metrics):
                totals[(top, a, metric)] += 1
                if b != FAR_FUTURE:
                    totals[(top, b, metric)] -= 1
    keys = {(u, d) for (u, d, _m), n in totals.items() if n}
    # Merge with the day rows already there (an upsert needs a unique key the reads do not).
    existing = _take_day_rows(keys)
    existing.update(totals)
    _write_subtrees(existing)
    _regrain(keys)


# The member figures as columns of one row per unit and day: one sort of the pieces instead of
# one per figure. A member span's status is probationary or official (a constraint).
_MEMBER_COLUMNS = {
    "total": "1",
    "official": "CASE WHEN status = 'official' THEN 1 ELSE 0 END",
    "probationary": "CASE WHEN status = 'probationary' THEN 1 ELSE 0 END",
    "exempt": "CASE WHEN exempt THEN 1 ELSE 0 END",
    "in_transit": "CASE WHEN in_transit THEN 1 ELSE 0 END",
}


def rebuild_subtrees() -> None:
    """Recount every row of `SubtreeDelta` from the spans, set-wise (bulk loads)."""
    month, year = _TRUNC[connection.vendor]
    far = FAR_FUTURE
    tables = ("tally_top", "tally_piece", "tally_day", "tally_month", "tally_year")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in _MEMBER_COLUMNS)
    SubtreeDelta.objects.all().delete()
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        # Each unit span at or below the tallied units, with the tallied units its path names:
        # `top` right below a root, `low` one level lower (None for the top's own spans). One
        # row a span, so that each piece is cut once for both. Below the lower level, a join
        # on the path range from its spans (the same unit may have several, hence DISTINCT),
        # whose parent is the top.
        span = "us.unit_id, us.valid_from, us.valid_to, us.depth, us.kind, us.tags"
        cur.execute(
            f"CREATE TEMPORARY TABLE tally_top AS SELECT DISTINCT {span}, b.parent_id AS top, "
            "b.unit_id AS low FROM units_unitspan b CROSS JOIN units_unitspan us "
            "WHERE b.depth = %s AND us.path >= b.path "
            "AND us.path < substr(b.path, 1, length(b.path) - 1) || '0' "
            f"UNION ALL SELECT {span}, us.unit_id, NULL FROM units_unitspan us "
            "WHERE us.depth = %s",
            [TOTAL_DEPTH, SUBTREE_DEPTH],
        )
        # The pieces' starts (+1) and ends (-1), summed by tallied units and day.
        columns = ", ".join(f"{e} AS {c}" for c, e in _MEMBER_COLUMNS.items())
        negated = ", ".join(f"-({e})" for e in _MEMBER_COLUMNS.values())
        pieces = "FROM tally_top t JOIN members_memberspan ms ON ms.unit_id = t.unit_id "
        pieces += "AND ms.valid_from < t.valid_to AND ms.valid_to > t.valid_from"
        cur.execute(
            f"CREATE TEMPORARY TABLE tally_piece AS SELECT top, low, day, {sums} FROM ("
            "SELECT t.top, t.low, CASE WHEN ms.valid_from > t.valid_from "
            f"THEN ms.valid_from ELSE t.valid_from END AS day, {columns} {pieces} "
            "UNION ALL SELECT t.top, t.low, CASE WHEN ms.valid_to < t.valid_to "
            f"THEN ms.valid_to ELSE t.valid_to END, {negated} {pieces} "
            "WHERE ms.valid_to <> %s OR t.valid_to <> %s"
            ") pieces GROUP BY top, low, day",
            [far, far],
        )
        # By unit and day: every figure of the top, the total alone of the lower level (see
        # TOTAL_DEPTH), summed where a unit was at both levels in turn.
        low = ", ".join(c if c == "total" else "0" for c in _MEMBER_COLUMNS)
        cur.execute(
            f"CREATE TEMPORARY TABLE tally_day AS SELECT top, day, {sums} FROM ("
            f"SELECT top, day, {', '.join(_MEMBER_COLUMNS)} FROM tally_piece "
            f"UNION ALL SELECT low, day, {low} FROM tally_piece WHERE low IS NOT NULL"
            ") levels GROUP BY top, day"
        )
        cur.execute(
            f"CREATE TEMPORARY TABLE tally_month AS SELECT top, {month} AS day, "
            f"{sums} FROM tally_day GROUP BY top, {month}"
        )
        cur.execute(
            f"CREATE TEMPORARY TABLE tally_year AS SELECT top, {year} AS day, "
            f"{sums} FROM tally_month GROUP BY top, {year}"
        )
        for grain, table in (
            (SubtreeDelta.DAY, "tally_day"),
            (SubtreeDelta.MONTH, "tally_month"),
            (SubtreeDelta.YEAR, "tally_year"),
        ):
            for column in _MEMBER_COLUMNS:
                cur.execute(
                    "INSERT INTO stats_subtreedelta (unit_id, grain, day, metric, delta) "
                    f"SELECT top, %s, day, %s, {column} FROM {table} WHERE {column} <> 0",
                    [grain, f"members.{column}"],
                )
        # Units: few enough to count in Python.
        units: SubtreeTotals = Counter()
        for column, sign in SIGNS:
            cur.execute(
                f"SELECT top, {column}, kind, tags, COUNT(*) FROM tally_top WHERE depth > %s "
                f"AND {column} <> %s GROUP BY top, {column}, kind, tags",
                [SUBTREE_DEPTH, far],
            )
            for top, day, kind, tags, n in cur.fetchall():
                for metric in _unit_metrics(kind, tags):
                    units[(top, _as_date(day), metric)] += sign * n
        for table in tables:
            cur.execute(f"DROP TABLE {table}")
    rows: list[tuple[int, int, dt.date, str, int]] = []
    for grain, start in (
        (SubtreeDelta.DAY, lambda d: d),
        (SubtreeDelta.MONTH, _first_of_month),
        (SubtreeDelta.YEAR, _first_of_year),
    ):
        grained: SubtreeTotals = Counter()
        for (u, d, m), n in units.items():
            grained[(u, start(d), m)] += n
        rows += [(u, grain, d, m, n) for (u, d, m), n in grained.items() if n]
    insert_rows(SubtreeDelta._meta.db_table, SUBTREE_COLUMNS, rows)


# --- side tallies ---------------------------------------------------------------------------
# `SidePiece`: the participations, posts and external roles cut into the periods over which
# they count towards one province (see its docstring). Rows are a function of the current
# side rows, member spans and unit spans only, so recounting a member's rows after any change
# gives exactly what a rebuild gives.


def _top_sql(path: str) -> str:
    """The id right below the root in `path` (a span at depth >= 1), as SQL on each database."""
    if connection.vendor == "postgresql":
        return f"CAST(split_part({path}, '/', 3) AS INTEGER)"
    rest = f"substr({path}, instr(substr({path}, 2), '/') + 2)"
    return f"CAST(substr({rest}, 1, instr({rest}, '/') - 1) AS INTEGER)"


def _side_sql(members: str) -> str:
    """INSERT of the rows of the side rows whose `members` condition (on member_id) holds."""
    # x: the side rows; h: x cut by its member's home spans and their unit's spans, with the
    # province (home) they lie under.
    x_from = later_sql("x.valid_from", "ms.valid_from")
    x_to = earlier_sql("x.valid_to", "ms.valid_to")
    overlap = "{t}.valid_from < {to} AND {t}.valid_to > {frm}"
    return (
        "WITH x(what, member_id, other_id, role, valid_from, valid_to) AS ("
        f"SELECT 'p', member_id, unit_id, '', valid_from, valid_to FROM members_participation "
        f"WHERE {members} "
        f"UNION ALL SELECT 'pos', member_id, unit_id, role, valid_from, valid_to "
        f"FROM members_position WHERE {members} "
        f"UNION ALL SELECT 'ext', member_id, NULL, '', valid_from, valid_to "
        f"FROM members_externalrole WHERE {members}), "
        "h(what, member_id, other_id, role, home, valid_from, valid_to) AS ("
        f"SELECT x.what, x.member_id, x.other_id, x.role, {_top_sql('hs.path')}, "
        f"{later_sql(x_from, 'hs.valid_from')}, {earlier_sql(x_to, 'hs.valid_to')} "
        "FROM x JOIN members_memberspan ms ON ms.member_id = x.member_id "
        "AND ms.valid_from < x.valid_to AND ms.valid_to > x.valid_from "
        "JOIN units_unitspan hs ON hs.unit_id = ms.unit_id AND hs.depth >= 1 "
        f"AND {overlap.format(t='hs', frm=x_from, to=x_to)}) "
        "INSERT INTO stats_sidepiece "
        "(unit_id, what, member_id, other_id, kind, role, valid_from, valid_to) "
        "SELECT home, what, member_id, NULL, '', '', valid_from, valid_to FROM h "
        "WHERE what = 'ext' "
        # In a unit that exists, not under the home province (or the root itself).
        "UNION ALL SELECT h.home, h.what, h.member_id, h.other_id, "
        "CASE WHEN h.what = 'pos' THEN us.kind ELSE '' END, h.role, "
        f"{later_sql('h.valid_from', 'us.valid_from')}, {earlier_sql('h.valid_to', 'us.valid_to')} "
        "FROM h JOIN units_unitspan us ON us.unit_id = h.other_id "
        "AND us.valid_from < h.valid_to AND us.valid_to > h.valid_from "
        f"WHERE h.what <> 'ext' AND (us.depth = 0 OR {_top_sql('us.path')} <> h.home) "
        # In a unit that does not exist yet, or no longer.
        "UNION ALL SELECT h.home, h.what, h.member_id, h.other_id, '', h.role, h.valid_from, "
        f"{earlier_sql('h.valid_to', 'u.valid_from')} "
        "FROM h JOIN units_unit u ON u.id = h.other_id "
        "WHERE h.what <> 'ext' AND h.valid_from < u.valid_from "
        "UNION ALL SELECT h.home, h.what, h.member_id, h.other_id, '', h.role, "
        f"{later_sql('h.valid_from', 'u.valid_to')}, h.valid_to "
        "FROM h JOIN units_unit u ON u.id = h.other_id "
        "WHERE h.what <> 'ext' AND h.valid_to > u.valid_to "
        # Participations, where they take place (whoever the member is).
        f"UNION ALL SELECT {_top_sql('us.path')}, 'in', x.member_id, x.other_id, '', '', "
        f"{later_sql('x.valid_from', 'us.valid_from')}, {earlier_sql('x.valid_to', 'us.valid_to')} "
        "FROM x JOIN units_unitspan us ON us.unit_id = x.other_id AND us.depth >= 1 "
        "AND us.valid_from < x.valid_to AND us.valid_to > x.valid_from WHERE x.what = 'p'"
    )


def rebuild_side() -> None:
    """Recount every row of `SidePiece` from the side rows and the spans, set-wise."""
    SidePiece.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(_side_sql("member_id >= 0"))


def refresh_side_rows(members: Iterable[int]) -> None:
    """Recount the rows of these members (after their participations, posts or external roles
    or their spans changed), inside the writer's transaction."""
    ids = sorted(set(members))
    with connection.cursor() as cur:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join(["%s"] * len(chunk))
            cur.execute(f"DELETE FROM stats_sidepiece WHERE member_id IN ({marks})", chunk)
            cur.execute(_side_sql(f"member_id IN ({marks})"), chunk * 3)


# Above this many units changed on the days of a write (a reorganization of a country), the
# whole table is recounted rather than the members concerned found one unit at a time.
SIDE_REBUILD_UNITS = 2_000

# Members with a participation, post or external role (the only ones with rows).
_HAS_SIDE = (
    "(EXISTS (SELECT 1 FROM members_participation p WHERE p.member_id = {m}) "
    "OR EXISTS (SELECT 1 FROM members_position p WHERE p.member_id = {m}) "
    "OR EXISTS (SELECT 1 FROM members_externalrole p WHERE p.member_id = {m}))"
)


def _side_members_sql(n: int) -> tuple[str, str]:
    """For `n` days: the count of units whose spans start or end on them (params: the days
    twice), and the members whose side rows may have changed (params: see `_refresh_side`)."""
    marks = ",".join(["%s"] * n)
    has_side = _HAS_SIDE.format(m="ms.member_id")
    # Units whose spans start or end on the days (moves, merges, renames, endings).
    moved = (
        f"SELECT unit_id FROM units_unitspan WHERE valid_from IN ({marks}) "
        f"UNION SELECT unit_id FROM units_unitspan WHERE valid_to IN ({marks})"
    )
    return f"SELECT COUNT(*) FROM ({moved}) moved", (
        # Members whose spans start or end on the days,
        f"SELECT ms.member_id FROM members_memberspan ms WHERE ms.valid_from IN ({marks}) "
        f"AND {has_side} UNION SELECT ms.member_id FROM members_memberspan ms "
        f"WHERE ms.valid_to IN ({marks}) AND {has_side} "
        # members at home in the units changed (around the days only),
        f"UNION SELECT ms.member_id FROM ({moved}) moved JOIN members_memberspan ms "
        "ON ms.unit_id = moved.unit_id AND ms.valid_from <= %s AND ms.valid_to >= %s "
        f"WHERE {has_side} "
        # rows held in them, and rows counted for them before (a row carried to another
        # unit by a merge no longer names the old one).
        f"UNION SELECT member_id FROM members_participation WHERE unit_id IN ({moved}) "
        f"UNION SELECT member_id FROM members_position WHERE unit_id IN ({moved}) "
        f"UNION SELECT member_id FROM stats_sidepiece WHERE other_id IN ({moved})"
    )


def _refresh_side(days: list[dt.date], units: set[int]) -> None:
    """After spans starting or ending on `days` were written, and rows in `units` changed:
    recount the members whose rows may differ (two statements when nobody holds side rows
    there, whatever the size of the subtrees moved)."""
    members: set[int] = set()
    with connection.cursor() as cur:
        for i in range(0, len(days), 500):
            chunk = days[i : i + 500]
            changed, concerned = _side_members_sql(len(chunk))
            cur.execute(changed, chunk * 2)
            if cur.fetchone()[0] > SIDE_REBUILD_UNITS:
                rebuild_side()
                return
            cur.execute(
                concerned, [*chunk, *chunk, *chunk, *chunk, chunk[-1], chunk[0], *(chunk * 6)]
            )
            members.update(r[0] for r in cur.fetchall())
        # Rows held in units changed otherwise.
        for ids in _chunked(sorted(units)):
            unit_marks = ",".join(["%s"] * len(ids))
            cur.execute(
                f"SELECT member_id FROM members_participation WHERE unit_id IN ({unit_marks}) "
                f"UNION SELECT member_id FROM members_position WHERE unit_id IN ({unit_marks}) "
                f"UNION SELECT member_id FROM stats_sidepiece WHERE other_id IN ({unit_marks})",
                ids * 3,
            )
            members.update(r[0] for r in cur.fetchall())
    refresh_side_rows(members)


def _chunked(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
