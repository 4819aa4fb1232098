"""Keeping `MemberTally` and `LevelTally` in step with the classifications.

The tally of a year counts, per branch as the tree stands on 31/12 of that year, the members
whose span is valid that day and who hold a current classification of the year, by level. A
rating refreshes the branch of its member; a bulk load rebuilds the year; the scheduled job
`quality_tally` recounts this year and last year each night, so a member moved between the
rating and 31/12 of its year is counted at the new branch from the next night on.

`LevelTally` sums a year per child of each root (rated units per kind and level, all units per
kind, rated members per level) so that the summary of the whole country reads a few hundred
rows instead of joining every classification with the tree: a unit's rating moves one count,
a branch's member recount moves its difference, a year's rebuild recounts it, and unit spans
starting or ending on or before 31/12 of a tallied year drop that year's stamp (the reader then
counts live until the nightly job rebuilds it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, Sum

from coso.core.dates import today
from coso.members.models import MemberSpan
from coso.quality.models import Classification, LevelTally, LevelTallyStamp, MemberTally
from coso.units.models import UnitSpan

MEMBER = "member"
TOTAL = "total"


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
    old = MemberTally.objects.filter(year=year, unit_id=unit_id)
    before = Counter(dict(old.values_list("level", "count")))
    old.delete()
    rows = _counts(year, unit_id)
    MemberTally.objects.bulk_create(rows)
    after = Counter({r.level: r.count for r in rows})
    for level in set(before) | set(after):
        _move(year, unit_id, MEMBER, level, after[level] - before[level])


def rebuild_year(year: int) -> int:
    """Recount the whole year's tally; returns the rows written."""
    MemberTally.objects.filter(year=year).delete()
    rows = _counts(year)
    MemberTally.objects.bulk_create(rows, batch_size=5000)
    rebuild_levels(year)
    return len(rows)


JOB_NAME = "quality_tally"


def rebuild_recent(day: dt.date) -> str:
    """The scheduled job: recount the tallies of this year and last year (members moved after
    their rating are then counted where they stand on 31/12), and the summed tallies of older
    years whose tree a reorganization changed."""
    rows = rebuild_year(day.year) + rebuild_year(day.year - 1)
    rated = set(Classification.objects.values_list("year", flat=True).distinct())
    for year in sorted(rated - set(LevelTallyStamp.objects.values_list("year", flat=True))):
        rows += rebuild_levels(year)
    return f"Đã đếm lại xếp loại đảng viên năm {day.year - 1} và {day.year}: {rows} dòng."


# --- LevelTally ------------------------------------------------------------------------------


def _root_and_top() -> tuple[str, str]:
    """SQL of the first and second segments of `us.path` ("/root/top/..."; '' under a root's
    own path)."""
    if connection.vendor == "postgresql":
        return "split_part(us.path, '/', 2)", "split_part(us.path, '/', 3)"
    rest = "substr(us.path, instr(substr(us.path, 2), '/') + 2)"
    return (
        "substr(us.path, 2, instr(substr(us.path, 2), '/') - 1)",
        f"substr({rest}, 1, instr({rest}, '/') - 1)",
    )


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def rebuild_levels(year: int) -> int:
    """Recount the year's `LevelTally` from the classifications, the members' tallies and the
    tree of 31/12 (three grouped reads); returns the rows written."""
    day = _day(year)
    LevelTally.objects.filter(year=year).delete()
    LevelTallyStamp.objects.filter(year=year).delete()
    root, top = _root_and_top()
    on = "us.valid_from <= %s AND us.valid_to > %s"
    found = _rows(
        f"SELECT {root}, {top}, us.kind, c.level, COUNT(*) FROM quality_classification c "
        f"JOIN units_unitspan us ON us.unit_id = c.unit_id AND {on} "
        "WHERE c.year = %s AND c.current = %s AND c.unit_id IS NOT NULL "
        f"GROUP BY {root}, {top}, us.kind, c.level",
        [day, day, year, True],
    )
    found += _rows(
        f"SELECT {root}, {top}, us.kind, %s, COUNT(*) FROM units_unitspan us WHERE {on} "
        f"GROUP BY {root}, {top}, us.kind",
        [TOTAL, day, day],
    )
    found += _rows(
        f"SELECT {root}, {top}, %s, t.level, SUM(t.count) FROM quality_membertally t "
        f"JOIN units_unitspan us ON us.unit_id = t.unit_id AND {on} "
        f"WHERE t.year = %s GROUP BY {root}, {top}, t.level",
        [MEMBER, day, day, year],
    )
    rows = [
        LevelTally(
            year=year,
            root_id=int(r),
            top_id=int(t) if t else int(r),
            kind=kind,
            level=level,
            count=int(n),
        )
        for r, t, kind, level, n in found
    ]
    LevelTally.objects.bulk_create(rows, batch_size=2000)
    LevelTallyStamp.objects.create(year=year)
    return len(rows)


def _move(year: int, unit_id: int, kind: str | None, level: str, delta: int) -> None:
    """Add `delta` to the count of `level` where `unit_id` stands on 31/12 of `year` (under its
    kind, or `kind` when given); nothing when the year has no tally or the unit no place."""
    if not delta or not LevelTallyStamp.objects.filter(year=year).exists():
        return
    day = _day(year)
    span = UnitSpan.objects.filter(unit_id=unit_id, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        return
    ids = [int(p) for p in span.path.strip("/").split("/")]
    keys = {"year": year, "top_id": ids[1] if len(ids) > 1 else ids[0], "kind": kind or span.kind}
    updated = LevelTally.objects.filter(**keys, level=level).update(count=F("count") + delta)
    if not updated:
        LevelTally.objects.create(**keys, level=level, root_id=ids[0], count=delta)


def unit_rated(year: int, unit_id: int, old_level: str | None, new_level: str) -> None:
    """A unit's rating of `year` decided (superseding `old_level`, if any)."""
    if old_level == new_level:
        return
    if old_level:
        _move(year, unit_id, None, old_level, -1)
    _move(year, unit_id, None, new_level, 1)


def usable(year: int) -> bool:
    return LevelTallyStamp.objects.filter(year=year).exists()


def read_levels(year: int, root_id: int) -> dict[str, dict[str, int]]:
    """{kind or "member": {level or "total": n}} of a root's tree on 31/12 of `year`."""
    table: dict[str, dict[str, int]] = {}
    rows = (
        LevelTally.objects.filter(year=year, root_id=root_id)
        .values_list("kind", "level")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for kind, level, n in rows:
        table.setdefault(kind, {})[level] = int(n or 0)
    return table


def refresh_for_days(days: list[dt.date], units: set[int]) -> None:
    """Unit spans starting or ending on the days written, on or before 31/12 of a tallied
    year: that year's tree changed, its stamp goes."""
    if not days:
        return
    first = min(days)
    stale = [s.year for s in LevelTallyStamp.objects.all() if first <= _day(s.year)]
    if stale and UnitSpan.objects.filter(Q(valid_from__in=days) | Q(valid_to__in=days)).exists():
        LevelTallyStamp.objects.filter(year__in=stale).delete()


def rebuild_all_levels() -> int:
    """Every year with a member tally or a unit rating, and this year and last (bulk loaders):
    the years the daily job keeps (`rebuild_recent`), so that a root's summary of a year not
    rated yet reads its summed tallies too. Without them the centre's summary read the
    country's spans (a generated national registry on SQLite: 0.8-0.9 s, 23 ms with them; the
    two years' tallies cost 0.7-0.9 s each to build)."""
    day = today()
    years = set(Classification.objects.values_list("year", flat=True).distinct())
    return sum(rebuild_levels(y) for y in sorted(years | {day.year, day.year - 1}))
