"""Keep `DailyDelta` in step with the spans.

Writers call `refresh_days(days)` with every date on which a span they wrote starts or ends,
inside their transaction. The rows for those days are recomputed from the spans, so the table
cannot drift however the spans were changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection

from coso.core.dates import FAR_FUTURE
from coso.stats.models import DailyDelta

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


def refresh_days(days: Iterable[dt.date]) -> None:
    wanted = sorted({d for d in days if d is not None and d != FAR_FUTURE})
    if not wanted:
        return
    for i in range(0, len(wanted), 500):
        DailyDelta.objects.filter(day__in=wanted[i : i + 500]).delete()
    _write(_compute(wanted))
    refresh_derived(wanted)


def add_member_spans(spans: Iterable[tuple[dt.date, dt.date, str, bool, bool]]) -> None:
    """Add the contribution of new member spans (valid_from, valid_to, status, exempt,
    in_transit) to DailyDelta, for writers that only add spans (imports).

    Recounting the days instead reads every span that starts or ends on each of them: after a
    100,000-member import at national size that is millions of index entries. Adding is exact
    as long as nothing else changed on those days in the same write (the import test checks the
    result against a full recount).
    """
    totals: Counter[tuple[dt.date, str]] = Counter()
    for start, end, status, exempt, in_transit in spans:
        for metric in _member_metrics(status, exempt, in_transit):
            totals[(start, metric)] += 1
            if end != FAR_FUTURE:
                totals[(end, metric)] -= 1
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
    for _refresh, rebuild in _derived:
        rebuild()
