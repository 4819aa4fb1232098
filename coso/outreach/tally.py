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

from django.db import connection
from django.db.models import Max, Min, Q, Sum

from coso.core.dates import FAR_FUTURE
from coso.members.models import Member, MemberSpan
from coso.outreach.models import (
    CoverageDelta,
    CoverageMetric,
    CoverageStamp,
    Household,
    HouseholdResponsibility,
    ResponsibleRun,
    Visit,
)

Period = tuple[dt.date, dt.date]
Deltas = Counter[tuple[str, dt.date]]
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


def _add(out: Deltas, metric: str, periods: Iterable[Period], sign: int = 1) -> None:
    for start, end in periods:
        out[(metric, start)] += sign
        if end < FAR_FUTURE:
            out[(metric, end)] -= sign


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


def member_periods(responsibilities: Iterable[Period], spans: Iterable[Period]) -> list[Period]:
    """One member's contribution to `responsible_members`."""
    return intersect(merge(responsibilities), merge(spans))


# --- contributions read from the tables --------------------------------------------------------


def _household_deltas(households: Q, related: Q) -> Deltas:
    """The contribution of the households selected (`related` selects the same households'
    responsibilities and visits by `household_id`)."""
    resp: dict[int, list[Period]] = defaultdict(list)
    for hid, start, end in HouseholdResponsibility.objects.filter(related).values_list(
        "household_id", "valid_from", "valid_to"
    ):
        resp[hid].append((start, end))
    visits: dict[int, list[dt.date]] = defaultdict(list)
    for hid, on in Visit.objects.filter(related).values_list("household_id", "on"):
        visits[hid].append(on)
    out: Deltas = Counter()
    for hid, start, end in Household.objects.filter(households).values_list(
        "pk", "valid_from", "valid_to"
    ):
        for metric, periods in household_periods(
            (start, end), resp.get(hid, []), visits.get(hid, [])
        ).items():
            _add(out, metric, periods)
    return out


def _member_runs(members: Q, related: Q) -> dict[int, list[Period]]:
    """The runs of the members selected by `members` (on responsibilities) and `related` (the
    same members' spans)."""
    resp: dict[int, list[Period]] = defaultdict(list)
    for mid, start, end in HouseholdResponsibility.objects.filter(members).values_list(
        "member_id", "valid_from", "valid_to"
    ):
        resp[mid].append((start, end))
    if not resp:
        return {}
    spans: dict[int, list[Period]] = defaultdict(list)
    for mid, start, end in (
        MemberSpan.objects.filter(related)
        .filter(member_id__in=HouseholdResponsibility.objects.filter(members).values("member_id"))
        .values_list("member_id", "valid_from", "valid_to")
    ):
        spans[mid].append((start, end))
    return {mid: member_periods(periods, spans.get(mid, [])) for mid, periods in resp.items()}


def _apply(diff: Deltas) -> None:
    """Add the changes (one upsert, safe against a concurrent writer of the same day)."""
    rows = [(str(metric), day, n) for (metric, day), n in sorted(diff.items()) if n]
    if not rows:
        return
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO outreach_coveragedelta (metric, day, delta) VALUES (%s, %s, %s) "
            "ON CONFLICT (metric, day) DO UPDATE SET delta = outreach_coveragedelta.delta + "
            "excluded.delta",
            [(m, adapt(d), n) for m, d, n in rows],
        )


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
        new = _member_runs(Q(member_id__in=chunk), Q(member_id__in=chunk))
        old: dict[int, list[Period]] = defaultdict(list)
        for mid, a, b in ResponsibleRun.objects.filter(member_id__in=chunk).values_list(
            "member_id", "valid_from", "valid_to"
        ):
            old[mid].append((a, b))
        diff: Deltas = Counter()
        changed = [m for m in chunk if sorted(old.get(m, [])) != new.get(m, [])]
        if not changed:
            continue
        for mid in changed:
            _add(diff, CoverageMetric.MEMBERS, new.get(mid, []))
            _add(diff, CoverageMetric.MEMBERS, old.get(mid, []), -1)
        ResponsibleRun.objects.filter(member_id__in=changed).delete()
        ResponsibleRun.objects.bulk_create(
            [
                ResponsibleRun(member_id=mid, valid_from=a, valid_to=b)
                for mid in changed
                for a, b in new.get(mid, [])
            ]
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


def _ranges(bounds: dict[str, int | None]) -> Iterator[tuple[int, int]]:
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None or hi is None:
        return
    step = 20_000
    for start in range(lo, hi + 1, step):
        yield start, start + step


def rebuild() -> str:
    """The tally counted afresh from the register, responsibilities, visits and member spans
    (bulk loaders, `coso.stats.tally.rebuild_all`)."""
    CoverageDelta.objects.all().delete()
    ResponsibleRun.objects.all().delete()
    CoverageStamp.objects.all().delete()
    total: Deltas = Counter()
    for lo, hi in _ranges(Household.objects.aggregate(lo=Min("pk"), hi=Max("pk"))):
        total.update(
            _household_deltas(
                Q(pk__gte=lo, pk__lt=hi), Q(household_id__gte=lo, household_id__lt=hi)
            )
        )
    members = HouseholdResponsibility.objects.aggregate(lo=Min("member_id"), hi=Max("member_id"))
    runs = 0
    for lo, hi in _ranges(members):
        found = _member_runs(
            Q(member_id__gte=lo, member_id__lt=hi), Q(member_id__gte=lo, member_id__lt=hi)
        )
        rows = [
            ResponsibleRun(member_id=mid, valid_from=a, valid_to=b)
            for mid, periods in found.items()
            for a, b in periods
        ]
        ResponsibleRun.objects.bulk_create(rows, batch_size=CHUNK)
        runs += len(rows)
        for periods in found.values():
            _add(total, CoverageMetric.MEMBERS, periods)
    CoverageDelta.objects.bulk_create(
        [CoverageDelta(metric=m, day=d, delta=n) for (m, d), n in sorted(total.items()) if n],
        batch_size=CHUNK,
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
