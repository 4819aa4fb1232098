"""Reads of the quality app, one function per question, for pages, API and command line.

Counts over a subtree are joins on the path range of the spans valid on the day (31/12 of the
year), never a list of ids that grows with the tree; each count is one query whatever the
subtree's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Coalesce

from coso.core.models import Decision
from coso.quality import tally
from coso.quality.models import (
    LEVELS,
    Assessment,
    Classification,
    CriteriaSet,
    MemberReview,
)
from coso.quality.operations import applies, year_end, year_rules
from coso.quality.tally import MEMBER, TOTAL
from coso.stats.queries import subtree_total
from coso.units.models import Unit, UnitSpan
from coso.units.queries import subtree_range

KEYS = [*LEVELS, "not_rated"]


# --------------------------------------------------------------------------------------------
# Criteria sets


def criteria_versions() -> list[CriteriaSet]:
    """Every version of every criteria set, newest version of each family first."""
    return list(CriteriaSet.objects.select_related("owner").order_by("family", "-version"))


def criteria_in_force(day: dt.date) -> list[CriteriaSet]:
    """The version of each family in force on `day` (newest with effective_from <= day)."""
    found: dict[str, CriteriaSet] = {}
    for version in CriteriaSet.objects.filter(effective_from__lte=day).order_by(
        "family", "version"
    ):
        found[version.family] = version
    return list(found.values())


def criteria_for_unit(unit: Unit, start: dt.date, end: dt.date) -> list[CriteriaSet]:
    """The criteria sets that apply to `unit` for the period [start, end)."""
    span = (
        UnitSpan.objects.filter(unit=unit, valid_from__lt=end, valid_to__gt=start)
        .order_by("-valid_from")
        .first()
    )
    if span is None:
        return []
    return [c for c in criteria_in_force(end - dt.timedelta(days=1)) if applies(c, span)]


# --------------------------------------------------------------------------------------------
# A unit's history


@dataclass
class YearRow:
    year: int
    classification: Classification | None = None
    assessments: list[Assessment] = field(default_factory=list)


def unit_history(unit: Unit) -> list[YearRow]:
    """The unit's classifications (current ones) and assessments per year, newest first."""
    rows: dict[int, YearRow] = {}
    for c in Classification.objects.filter(unit=unit, current=True).select_related("decision"):
        rows.setdefault(c.year, YearRow(c.year)).classification = c
    for a in Assessment.objects.filter(unit=unit).select_related(
        "criteria_set", "decision", "proposal"
    ):
        rows.setdefault(a.period_start.year, YearRow(a.period_start.year)).assessments.append(a)
    return [rows[y] for y in sorted(rows, reverse=True)]


def classification_trail(unit: Unit | None = None, member: Any = None) -> list[Classification]:
    """Every decision on the subject, re-ratings included, newest first."""
    found = (
        Classification.objects.filter(unit=unit)
        if unit
        else Classification.objects.filter(member=member)
    )
    return list(found.select_related("decision", "decider").order_by("-year", "-pk"))


# --------------------------------------------------------------------------------------------
# Counts over a subtree


def _day(year: int) -> dt.date:
    return year_end(year)


def root_span(unit: Unit, day: dt.date) -> UnitSpan | None:
    """The unit's span on `day`, or its last one before (an ended unit: where it stood)."""
    spans = UnitSpan.objects.filter(unit=unit)
    return (
        spans.filter(valid_from__lte=day, valid_to__gt=day).first()
        or spans.filter(valid_from__lte=day).order_by("-valid_from").first()
    )


def _span_range(prefix: str, span: UnitSpan, day: dt.date) -> Q:
    lo, hi = subtree_range(span.path)
    return Q(
        **{
            f"{prefix}valid_from__lte": day,
            f"{prefix}valid_to__gt": day,
            f"{prefix}path__gte": lo,
            f"{prefix}path__lt": hi,
        }
    )


def _on(span: UnitSpan, day: dt.date) -> dt.date:
    """The day the subtree is read: the year's end, or the unit's last day if it ended before."""
    return day if span.valid_to > day else span.valid_to - dt.timedelta(days=1)


# Subtree reads start from the subtree's spans (path range index) and seek each unit's rows:
# CROSS JOIN fixes that order on SQLite, whose planner otherwise walks the year's ten million
# ratings by the member index (45 s for one commune nationally). Params: lo, hi, day, day.
_SPANS = (
    "units_unitspan us WHERE us.path >= %s AND us.path < %s "
    "AND us.valid_from <= %s AND us.valid_to > %s"
)


def _subtree(span: UnitSpan, day: dt.date) -> list[Any]:
    lo, hi = subtree_range(span.path)
    return [lo, hi, day, day]


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def _marks(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def unit_counts_by_kind(span: UnitSpan, year: int, kinds: list[str]) -> dict[str, dict[str, int]]:
    """{kind: {level: n, ..., "not_rated": n}} for the rated kinds of the subtree (1 query;
    a root's from the summed tallies, 2 small ones)."""
    day = _on(span, _day(year))
    summed = _summed(span, year, day)
    if summed is not None:
        table: dict[str, dict[str, int]] = {}
        for kind in kinds:
            counts = summed.get(kind, {})
            if counts.get(TOTAL):
                row = {level: counts.get(level, 0) for level in LEVELS}
                row["not_rated"] = max(0, counts[TOTAL] - sum(row.values()))
                table[kind] = row
        return table
    # One pass over the subtree's spans: each span with its current rating of the year, if any
    # (at most one: classification_one_per_unit_year), so the count per kind and level gives
    # both the units of each kind (all levels and none) and the rated ones.
    rows = _rows(
        "SELECT us.kind, c.level, COUNT(*) FROM "
        + _SPANS.replace(
            "units_unitspan us",
            "units_unitspan us LEFT JOIN quality_classification c"
            " ON c.unit_id = us.unit_id AND c.year = %s AND c.current = %s",
        )
        + f" AND us.kind IN ({_marks(kinds)}) GROUP BY us.kind, c.level",
        [year, True, *_subtree(span, day), *kinds],
    )
    totals: dict[str, int] = {}
    for kind, _level, n in rows:
        totals[kind] = totals.get(kind, 0) + n
    table = {}
    for kind in kinds:
        if totals.get(kind):
            table[kind] = dict.fromkeys(KEYS, 0)
    for kind, level, n in rows:
        if level is not None:
            table[kind][level] += n
    for kind, row in table.items():
        row["not_rated"] = max(0, totals.get(kind, 0) - sum(row[lv] for lv in LEVELS))
    return table


def member_counts(span: UnitSpan, year: int) -> dict[str, int]:
    """{level: n, ..., "not_rated": n} for the members of the subtree at the year's end: the
    rated from the branches' tallies (coso.quality.tally; a root's from the summed tallies),
    all of them from coso.stats (`subtree_total`)."""
    day = _on(span, _day(year))
    summed = _summed(span, year, day)
    if summed is not None:
        rated = summed.get(MEMBER, {})
    else:
        rated = dict(
            _rows(
                "SELECT t.level, SUM(t.count) FROM "
                + _SPANS.replace(
                    "units_unitspan us", "units_unitspan us CROSS JOIN quality_membertally t"
                )
                + " AND t.unit_id = us.unit_id AND t.year = %s GROUP BY t.level",
                [*_subtree(span, day), year],
            )
        )
    # The members' total alone (as `coso stats`), not the participation and "outside" figures
    # stats_as_of also reads (two subtree-wide counts at the root on a past day, more below).
    total = subtree_total(span.unit, day)
    counts = {level: int(rated.get(level, 0)) for level in LEVELS}
    counts["not_rated"] = max(0, total - sum(counts.values()))
    return counts


def _summed(span: UnitSpan, year: int, day: dt.date) -> dict[str, dict[str, int]] | None:
    """A root's counts of the year from the summed tallies when they are current, else None."""
    if span.parent_id is not None or day != _day(year) or not tally.usable(year):
        return None
    return tally.read_levels(year, span.unit_id)


def classification_summary(unit: Unit, year: int) -> dict[str, Any]:
    """What `coso classification CODE --year YEAR --json` prints: the regulation applied and
    the counts per level for the units and the members of the subtree."""
    rules, source = year_rules(year)
    span = root_span(unit, _day(year))
    units = dict.fromkeys(KEYS, 0)
    members = dict.fromkeys(KEYS, 0)
    by_kind: dict[str, dict[str, int]] = {}
    if span is not None:
        by_kind = unit_counts_by_kind(span, year, list(rules["rated_unit_kinds"]))
        for row in by_kind.values():
            for key in KEYS:
                units[key] += row[key]
        members = member_counts(span, year)
    return {
        "regulation": rules["regulation"],
        "source": source,
        "units": units,
        "members": members,
        "by_kind": by_kind,
    }


def percentages(counts: dict[str, int]) -> dict[str, float | None]:
    """Each level's share of all (rated and not rated), in percent with one decimal."""
    total = sum(counts.values())
    return {k: (round(100 * v / total, 1) if total else None) for k, v in counts.items()}


def level_series(
    unit: Unit, years: list[int], known: dict[int, dict[str, int]] | None = None
) -> list[tuple[int, dict[str, int]]]:
    """The units' counts per level for each year (the chart over the years), 2 queries a year;
    none for the years in `known` (counts already read, e.g. the summary's `units` of its
    year, which are these same counts)."""
    series = []
    for year in years:
        if known is not None and year in known:
            series.append((year, dict(known[year])))
            continue
        rules, _source = year_rules(year)
        span = root_span(unit, _day(year))
        totals = dict.fromkeys(KEYS, 0)
        if span is not None:
            for row in unit_counts_by_kind(span, year, list(rules["rated_unit_kinds"])).values():
                for key in KEYS:
                    totals[key] += row[key]
        series.append((year, totals))
    return series


def years_rated(limit: int = 6) -> list[int]:
    """The latest years with any classification, oldest first: one index seek per year (a
    DISTINCT would read the ten million ratings of a national registry)."""
    years: list[int] = []
    rows = Classification.objects.order_by("-year").values_list("year", flat=True)
    while len(years) < limit:
        below = rows.filter(year__lt=years[-1]) if years else rows
        found = list(below[:1])
        if not found:
            break
        years.append(found[0])
    return sorted(years)


@dataclass(frozen=True)
class RatedUnit:
    code: str
    name: str
    kind: str
    level: str
    score: int | None
    decision: str


def rated_units(
    unit: Unit, year: int, levels: list[str] | None = None, limit: int = 500
) -> tuple[list[RatedUnit], int]:
    """The rated units of the subtree (of `levels`), best first then by code, and how many."""
    span = root_span(unit, _day(year))
    if span is None:
        return [], 0
    day = _on(span, _day(year))
    summed = _summed(span, year, day)
    if summed is not None:
        return _rated_at_root(span, year, day, levels or list(LEVELS), limit, summed)
    wanted = levels or list(LEVELS)
    where = (
        _SPANS.replace("units_unitspan us", "units_unitspan us CROSS JOIN quality_classification c")
        + f" AND c.unit_id = us.unit_id AND c.year = %s AND c.current = %s"
        f" AND c.level IN ({_marks(wanted)})"
    )
    params = [*_subtree(span, day), year, True, *wanted]
    if limit <= 0:
        return [], int(_rows(f"SELECT COUNT(*) FROM {where}", params)[0][0])
    rank = " ".join(f"WHEN %s THEN {i}" for i in range(len(LEVELS)))
    rows = _rows(
        # The decision's number by its key (as a LEFT JOIN, SQLite scans the decisions per row);
        # how many there are in all counted in the same pass (the rows are all read to be
        # sorted anyway), rather than by a second walk of the subtree.
        # The code by its key too: joined, PostgreSQL read the spans in unit order to merge
        # them with the units, 585,000 spans for a province's 10,000 (190 ms, 36 by path).
        "SELECT (SELECT u.code FROM units_unit u WHERE u.id = c.unit_id) AS code, us.name,"
        " us.kind, c.level, c.score,"
        " (SELECT d.number FROM core_decision d WHERE d.id = c.decision_id), COUNT(*) OVER () FROM "
        + where
        + f" ORDER BY CASE c.level {rank} END, CASE WHEN c.score IS NULL THEN 1 ELSE 0 END,"
        " c.score DESC, code LIMIT %s",
        [*params, *LEVELS, limit],
    )
    count = int(rows[0][6]) if rows else 0
    return [RatedUnit(c, n, k, lv, s, d or "") for c, n, k, lv, s, d, _all in rows], count


Picked = tuple[int, str, int | None, str, int | None]  # unit id, level, score, code, decision


def _best_of_level(year: int, level: str, day: dt.date, want: int) -> list[Picked]:
    """The `want` best rated units of one level in the whole tree (score down, then code), read
    along the partial index `classification_rated_units`: the score of the last row wanted, the
    rows above it and its ties (sorted here by code), then unscored rows by code. Never sorts
    the level's hundred thousand rows, whose order by code alone SQLite would take from the
    member index."""
    rated = Classification.objects.filter(
        year=year,
        current=True,
        unit__isnull=False,
        level=level,
        unit__valid_from__lte=day,
        unit__valid_to__gt=day,
    )
    columns = ("unit_id", "level", "score", "unit__code", "decision_id")
    scored = rated.filter(score__isnull=False)
    last = list(scored.order_by("-score").values_list("score", flat=True)[want - 1 : want])
    if last:
        cut = last[0]
        rows = list(scored.filter(score__gte=cut).values_list(*columns))
        rows.sort(key=lambda r: (-(r[2] or 0), r[3]))
        return rows[:want]
    rows = sorted(scored.values_list(*columns), key=lambda r: (-(r[2] or 0), r[3]))
    unscored = rated.filter(score__isnull=True).order_by("unit__code").values_list(*columns)
    return rows + list(unscored[: want - len(rows)])


def _rated_at_root(
    span: UnitSpan,
    year: int,
    day: dt.date,
    levels: list[str],
    limit: int,
    summed: dict[str, dict[str, int]],
) -> tuple[list[RatedUnit], int]:
    """`rated_units` of a root with the year's summed tallies: the count from them, the rows
    level by level (best first), each level's query stopping at the rows still wanted; names
    and kinds of those rows only (one bounded query)."""
    count = sum(
        n for kind, row in summed.items() if kind != MEMBER for lv, n in row.items() if lv in levels
    )
    picked: list[Picked] = []
    for level in [lv for lv in LEVELS if lv in levels]:
        if len(picked) >= limit:
            break
        picked += _best_of_level(year, level, day, limit - len(picked))
    numbers = dict(
        Decision.objects.filter(pk__in={p[4] for p in picked if p[4]}).values_list("pk", "number")
    )
    spans = {
        s.unit_id: s
        for s in UnitSpan.objects.filter(
            unit_id__in=[p[0] for p in picked], valid_from__lte=day, valid_to__gt=day
        )
    }
    rows = [
        RatedUnit(code, spans[uid].name, spans[uid].kind, lv, score, numbers.get(decision or 0, ""))
        for uid, lv, score, code, decision in picked
        if uid in spans and spans[uid].path.startswith(span.path)
    ]
    return rows, count


def clean_and_strong(unit: Unit, year: int, limit: int = 500) -> tuple[list[RatedUnit], int]:
    """The "clean and strong" organizations of the year: the levels the year's rule names."""
    rules, _source = year_rules(year)
    return rated_units(unit, year, list(rules.get("clean_strong_levels", LEVELS[:2])), limit)


@dataclass(frozen=True)
class Ranked:
    position: int
    assessment: Assessment
    total: int
    decided: bool


def ranking(unit: Unit, start: dt.date, limit: int = 200) -> list[Ranked]:
    """Assessments of the subtree's units for the period starting `start`, by points (the
    decided total where decided, else the self-assessed one), highest first."""
    span = root_span(unit, start)
    if span is None:
        return []
    day = _on(span, start)
    found = (
        Assessment.objects.filter(_span_range("unit__spans__", span, day), period_start=start)
        .annotate(points=Coalesce("decided_total", "self_total"))
        .select_related("unit", "criteria_set", "proposal")
        .order_by("-points", "unit__code")[:limit]
    )
    return [
        Ranked(i, a, a.decided_total if a.decided_total is not None else a.self_total, a.decided)
        for i, a in enumerate(found, start=1)
    ]


def member_year(member: Any, year: int) -> tuple[MemberReview | None, Classification | None]:
    review = (
        MemberReview.objects.filter(member=member, year=year)
        .select_related("unit", "residence_unit")
        .first()
    )
    rating = (
        Classification.objects.filter(member=member, year=year, current=True)
        .select_related("decision")
        .first()
    )
    return review, rating


def assessments_of(unit: Unit) -> list[Assessment]:
    return list(
        Assessment.objects.filter(unit=unit).select_related("criteria_set", "proposal", "decision")
    )
