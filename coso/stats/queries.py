"""Figures for a unit's subtree as of a date: the numbers behind `coso stats` and `coso tree`.

Membership is counted from `MemberSpan`s valid on the day whose unit is in the subtree on that
day (the subtree is a range of `UnitSpan.path`). When the unit is the only root on the day, the
member and unit figures are sums of `DailyDelta` rows instead (of its month and year sums,
`DailyDeltaSum`, before the day's month), which stay small however many members there are. Participation, positions and external roles never add to the totals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from django.db import connections, router
from django.db.models import Q

from coso.core.errors import CosoError
from coso.members.models import MemberSpan
from coso.stats.models import DailyDeltaSum, SidePiece, SubtreeDelta
from coso.stats.tally import BRANCH_KINDS, SUBTREE_DEPTH, TALLIED_DEPTHS
from coso.units.models import Unit, UnitSpan
from coso.units.queries import span_on, subtree_range

MEMBER_KEYS = ("total", "official", "probationary", "exempt", "in_transit")

# Spans valid on the day in the subtree; every query below joins on it. Params: lo, hi, day, day.
_SUBTREE = "us.path >= %s AND us.path < %s AND us.valid_from <= %s AND us.valid_to > %s"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    # Raw reads go where the router sends this request's reads (a replica for a page's GET).
    with connections[router.db_for_read(MemberSpan)].cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def _sorted(counts: Counter[str] | dict[str, int]) -> dict[str, int]:
    return {k: counts[k] for k in sorted(counts) if counts[k]}


def _members_dict(counts: Counter[str]) -> dict[str, int]:
    return {k: counts[k] for k in MEMBER_KEYS}


def _is_only_root(span: UnitSpan, day: dt.date) -> bool:
    if span.parent_id is not None:
        return False
    return not (
        UnitSpan.objects.filter(parent__isnull=True, valid_from__lte=day, valid_to__gt=day)
        .exclude(unit_id=span.unit_id)
        .exists()
    )


def _span_members(lo: str, hi: str, day: dt.date) -> Counter[str]:
    counts: Counter[str] = Counter()
    rows = _rows(
        "SELECT ms.status, ms.exempt, ms.in_transit, COUNT(*) "
        "FROM units_unitspan us "
        "JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
        f"WHERE {_SUBTREE} AND ms.valid_from <= %s AND ms.valid_to > %s "
        "GROUP BY ms.status, ms.exempt, ms.in_transit",
        [lo, hi, day, day, day, day],
    )
    for status, exempt, in_transit, n in rows:
        counts["total"] += n
        counts[status] += n
        if exempt:
            counts["exempt"] += n
        if in_transit:
            counts["in_transit"] += n
    return counts


def _span_units(lo: str, hi: str, day: dt.date, unit_id: int) -> tuple[Counter[str], Counter[str]]:
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    rows = _rows(
        "SELECT us.kind, us.tags, COUNT(*) FROM units_unitspan us "
        f"WHERE {_SUBTREE} AND us.unit_id <> %s GROUP BY us.kind, us.tags",
        [lo, hi, day, day, unit_id],
    )
    for kind, tags, n in rows:
        kinds[kind] += n
        if kind in BRANCH_KINDS:
            for tag in (tags or "").split(";"):
                if tag:
                    categories[tag] += n
    return kinds, categories


# How participation and "outside" figures are found; the answer is the same (tests check it).
# "members": from the subtree's home member spans (small and middle-sized subtrees);
# "side": from the whole side tables (positions, participations, external roles), cheaper once
# the subtree holds more members than those tables have rows; "whole": the only root, where
# "outside" can only mean a unit that does not exist on the day.
Plan = Literal["members", "side", "whole"]
SIDE_TABLES_FROM_MEMBERS = 1_000_000
OUTSIDE_FROM_SIDE_TABLES = 100_000

# Spans valid on the day. Params: day, day.
_VALID = "{t}.valid_from <= %s AND {t}.valid_to > %s"
# The unit `col` has a span inside the subtree on the day. Params: day, day, lo, hi.
_INSIDE = (
    "SELECT 1 FROM units_unitspan xs WHERE xs.unit_id = {col} "
    "AND xs.valid_from <= %s AND xs.valid_to > %s AND xs.path >= %s AND xs.path < %s"
)
# The kind of the position's unit on the day (NULL when it does not exist). Params: day, day.
_POS_UNIT = (
    "LEFT JOIN units_unitspan ps ON ps.unit_id = pos.unit_id "
    "AND ps.valid_from <= %s AND ps.valid_to > %s"
)


def _participants(lo: str, hi: str, day: dt.date, plan: Plan) -> int:
    if plan == "members":
        # CROSS JOIN: SQLite keeps this order (the subtree's units, then their participations
        # by index); left to choose, it scanned every participation through its covering index
        # (85 ms instead of 2 for a commune at national size).
        sql = (
            "SELECT COUNT(DISTINCT p.member_id) FROM units_unitspan us "
            "CROSS JOIN members_participation p "
            f"WHERE p.unit_id = us.unit_id AND {_SUBTREE} AND {_VALID.format(t='p')}"
        )
        params: list[Any] = [lo, hi, day, day, day, day]
    elif plan == "whole":
        # Units existing on the day are exactly those of the tree, so only participations in
        # units that do not exist then are left out: those few thousand ids are listed once
        # from the lifetime indexes, and the participations are read from their covering index
        # (a join to every participation's unit was 4x slower at national size).
        sql = (
            "SELECT COUNT(DISTINCT p.member_id) FROM members_participation p "
            f"WHERE {_VALID.format(t='p')} AND p.unit_id NOT IN ("
            "SELECT id FROM units_unit WHERE valid_to <= %s "
            "UNION ALL SELECT id FROM units_unit WHERE valid_from > %s)"
        )
        params = [day, day, day, day]
    else:
        sql = (
            "SELECT COUNT(DISTINCT p.member_id) FROM members_participation p "
            f"WHERE {_VALID.format(t='p')} AND EXISTS ({_INSIDE.format(col='p.unit_id')})"
        )
        params = [day, day, day, day, lo, hi]
    return int(_rows(sql, params)[0][0] or 0)


def _outside_rows(lo: str, hi: str, day: dt.date, plan: Plan) -> list[tuple[Any, ...]]:
    """Rows (what, kind, role, n, m): "p" participations (members, units), "pos" positions by
    the kind of their unit and role, "ext" external roles."""
    inside: list[Any] = [day, day, lo, hi]
    if plan == "members":
        # The subtree's home members once, then what each holds (three index lookups a member).
        home = (
            "WITH home(member_id) AS MATERIALIZED (SELECT ms.member_id FROM units_unitspan us "
            "JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
            f"WHERE {_SUBTREE} AND {_VALID.format(t='ms')}) "
        )
        # Positions come first: with the participation count leading, SQLite 3.40 ran the
        # statement eight times slower (measured on a national-size table).
        return _rows(
            home + "SELECT 'pos', ps.kind, pos.role, COUNT(*), 0 "
            f"FROM home h JOIN members_position pos ON pos.member_id = h.member_id {_POS_UNIT} "
            f"WHERE {_VALID.format(t='pos')} AND NOT EXISTS ({_INSIDE.format(col='pos.unit_id')}) "
            "GROUP BY ps.kind, pos.role "
            "UNION ALL SELECT 'ext', NULL, NULL, COUNT(*), 0 "
            "FROM home h JOIN members_externalrole er ON er.member_id = h.member_id "
            f"WHERE {_VALID.format(t='er')} "
            "UNION ALL SELECT 'p', NULL, NULL, COUNT(DISTINCT p.member_id), "
            "COUNT(DISTINCT p.unit_id) "
            "FROM home h JOIN members_participation p ON p.member_id = h.member_id "
            f"WHERE {_VALID.format(t='p')} AND NOT EXISTS ({_INSIDE.format(col='p.unit_id')})",
            [lo, hi, day, day, day, day, day, day, day, day, *inside, day, day, day, day, *inside],
        )
    # Is {t}.member_id a home member of the subtree on the day?
    home = (
        "EXISTS (SELECT 1 FROM members_memberspan ms JOIN units_unitspan us "
        "ON us.unit_id = ms.unit_id WHERE ms.member_id = {t}.member_id "
        f"AND {_VALID.format(t='ms')} AND {_SUBTREE})"
    )
    home_params = [day, day, lo, hi, day, day]
    if plan == "whole":
        # A member span valid on the day lies in a unit existing then, so in the tree.
        home = (
            "EXISTS (SELECT 1 FROM members_memberspan ms WHERE ms.member_id = {t}.member_id "
            f"AND {_VALID.format(t='ms')})"
        )
        home_params = [day, day]
        # Every unit existing on the day is inside: look only at units that do not exist then.
        # CROSS JOIN keeps SQLite from starting with the (large) side table; portable SQL.
        elsewhere = (
            "units_unit u CROSS JOIN members_{table} {t} "
            "WHERE (u.valid_from > %s OR u.valid_to <= %s) AND {t}.unit_id = u.id AND {valid}"
        )
        elsewhere_params: list[Any] = [day, day, day, day]
    else:
        elsewhere = f"members_{{table}} {{t}} WHERE {{valid}} AND NOT EXISTS ({_INSIDE})".replace(
            "{col}", "{t}.unit_id"
        )
        elsewhere_params = [day, day, *inside]

    def where(table: str, t: str) -> str:
        return elsewhere.format(table=table, t=t, valid=_VALID.format(t=t))

    return _rows(
        "SELECT 'p', NULL, NULL, COUNT(DISTINCT p.member_id), COUNT(DISTINCT p.unit_id) "
        f"FROM {where('participation', 'p')} AND {home.format(t='p')} "
        "UNION ALL SELECT 'pos', ps.kind, pos.role, COUNT(*), 0 FROM "
        + where("position", "pos").replace(" WHERE ", f" {_POS_UNIT} WHERE ", 1)
        + f" AND {home.format(t='pos')} GROUP BY ps.kind, pos.role "
        "UNION ALL SELECT 'ext', NULL, NULL, COUNT(*), 0 FROM members_externalrole er "
        f"WHERE {_VALID.format(t='er')} AND {home.format(t='er')}",
        [
            *elsewhere_params,
            *home_params,
            day,
            day,
            *elsewhere_params,
            *home_params,
            day,
            day,
            *home_params,
        ],
    )


def _outside(lo: str, hi: str, day: dt.date, plan: Plan) -> dict[str, Any]:
    """What home members of the subtree do in units outside it (the seed's border guards)."""
    return _outside_from(_outside_rows(lo, hi, day, plan))


def _outside_from(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    positions: Counter[str] = Counter()
    for what, kind, role, n, m in rows:
        if what == "p" and (n or m):
            out["participations"] = _sorted(Counter({"members": n, "units": m}))
        elif what == "pos":
            # A post in a unit that does not exist on the day still shows, under "ended".
            positions[f"{kind or 'ended'}.{role}"] += n
        elif what == "ext" and n:
            out["external_roles"] = n
    if positions:
        out["positions"] = _sorted(positions)
    return dict(sorted(out.items()))


def _side_figures(unit_id: int, day: dt.date) -> tuple[int, dict[str, Any]]:
    """A tallied unit's participants and "outside" figures on `day`, counted from its rows of
    SidePiece valid that day (one read of a covering index)."""
    participants = 0
    rows: list[tuple[Any, ...]] = []
    for what, kind, role, n, members, units in _rows(
        "SELECT what, kind, role, COUNT(*), COUNT(DISTINCT member_id), COUNT(DISTINCT other_id) "
        "FROM stats_sidepiece WHERE unit_id = %s AND valid_from <= %s AND valid_to > %s "
        "GROUP BY what, kind, role",
        [unit_id, day, day],
    ):
        if what == SidePiece.IN:
            participants = int(members)
        elif what == SidePiece.PARTICIPATION:
            rows.append((what, None, None, int(members), int(units)))
        else:
            rows.append((what, kind or None, role, int(n), 0))
    return participants, _outside_from(rows)


Figures = tuple[Counter[str], Counter[str], Counter[str]]


def _split(sums: Iterable[tuple[str, int | None]]) -> Figures:
    """Sums by metric ("members.total", "units.branch", ...) as members, kinds, categories."""
    members: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for metric, n in sums:
        group, _, key = metric.partition(".")
        target = {"members": members, "units": kinds, "branch_categories": categories}.get(group)
        if target is not None:
            target[key] += n or 0
    return members, kinds, categories


# The root's sums up to D: the years before D's year and the months of D's year before D's
# month (DailyDeltaSum), then the days of D's month (DailyDelta). Params: year, year, month,
# month, D.
_ROOT_SUMS = (
    "SELECT metric, SUM(delta) FROM ("
    f"SELECT metric, delta FROM stats_dailydeltasum WHERE grain = {DailyDeltaSum.YEAR} "
    "AND day < %s "
    f"UNION ALL SELECT metric, delta FROM stats_dailydeltasum WHERE grain = {DailyDeltaSum.MONTH} "
    "AND day >= %s AND day < %s "
    "UNION ALL SELECT metric, delta FROM stats_dailydelta WHERE day >= %s AND day <= %s"
    ") sums GROUP BY metric"
)


def _delta_figures(day: dt.date) -> Figures:
    """The whole registry's figures on `day`: the sums of `DailyDelta` up to `day`, read from
    its month and year sums (two thousand rows at national size rather than a hundred thousand)."""
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    return _split(_rows(_ROOT_SUMS, [year, year, month, month, day]))


# A tallied unit's rows up to D: the years before D's year, the months of D's year before D's
# month, the days of D's month up to D (see SubtreeDelta). `{unit}` is the unit's condition;
# params: the day bounds below, then the condition's. CROSS JOIN, where the units come from
# their spans, keeps SQLite starting from them (PostgreSQL plans it as a plain join).
_GRAINS = " UNION ALL ".join(
    f"SELECT {{cols}} FROM {{source}} WHERE t.grain = {grain} "
    f"AND t.day >= %s AND t.day {op} %s AND {{unit}} {{more}}"
    for grain, op in ((SubtreeDelta.YEAR, "<"), (SubtreeDelta.MONTH, "<"), (SubtreeDelta.DAY, "<="))
)


def _grain_bounds(day: dt.date) -> list[dt.date]:
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    return [dt.date.min, year, year, month, month, day]


def _subtree_figures(unit_id: int, day: dt.date) -> Figures:
    """A tallied unit's figures on `day`, summed from SubtreeDelta (about a hundred rows each)."""
    sql = _GRAINS.format(
        cols="t.metric, t.delta", source="stats_subtreedelta t", unit="t.unit_id = %s", more=""
    )
    bounds = _grain_bounds(day)
    params: list[Any] = []
    for i in range(3):
        params += [*bounds[2 * i : 2 * i + 2], unit_id]
    sums: Counter[str] = Counter()
    for metric, n in _rows(sql, params):
        sums[metric] += n
    return _split(sums.items())


def tallied_totals(span: UnitSpan, day: dt.date) -> dict[int, int]:
    """Members on `day` under each tallied unit below `span` (by unit id), from SubtreeDelta;
    empty unless `span`'s children are tallied units (the root's, a province's: TALLIED_DEPTHS).
    Joined on the parent, so no list of ids is sent."""
    if span.depth + 1 not in TALLIED_DEPTHS:
        return {}
    # The children by the parent index: a path range from a root would cover the whole table.
    sql = _GRAINS.format(
        cols="t.unit_id, t.delta",
        source="units_unitspan us CROSS JOIN stats_subtreedelta t",
        unit="t.unit_id = us.unit_id AND us.parent_id = %s AND us.valid_from <= %s "
        "AND us.valid_to > %s",
        more="AND t.metric = 'members.total'",
    )
    bounds = _grain_bounds(day)
    params: list[Any] = []
    for i in range(3):
        params += [*bounds[2 * i : 2 * i + 2], span.unit_id, day, day]
    totals: Counter[int] = Counter()
    for unit_id, n in _rows(sql, params):
        totals[unit_id] += n
    return dict(totals)


def stats_from_spans(unit: Unit, day: dt.date, *, plan: Plan | None = None) -> dict[str, Any]:
    """`stats_as_of` counted from the spans, never from `DailyDelta` (the reference answer).

    `plan` forces how participation and "outside" figures are found (the answer is the same;
    "whole" is only right for the only root); by default it depends on the subtree's size.
    """
    span = span_on(unit, day)
    lo, hi = subtree_range(span.path)
    members = _span_members(lo, hi, day)
    return _finish(unit, span, day, members, plan=plan)


def _finish(
    unit: Unit,
    span: UnitSpan,
    day: dt.date,
    members: Counter[str],
    *,
    plan: Plan | None = None,
    deltas: tuple[Counter[str], Counter[str]] | None = None,
    side: tuple[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    lo, hi = subtree_range(span.path)
    kinds, categories = deltas or _span_units(lo, hi, day, unit.pk)
    outside_plan: Plan
    if plan is None:
        plan = "side" if members["total"] > SIDE_TABLES_FROM_MEMBERS else "members"
        # "Outside" reads three rows per home member with the members plan, three per side
        # row with the other: a province (160,000 members, 38,000 participations at national
        # size) is cheaper from the side tables; its participants stay cheaper by its units.
        outside_plan = "side" if members["total"] > OUTSIDE_FROM_SIDE_TABLES else "members"
    else:
        outside_plan = plan
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "members": _members_dict(members),
        "units": _sorted(kinds),
        "branch_categories": _sorted(categories),
        "participants": side[0] if side else _participants(lo, hi, day, plan),
        "outside": side[1] if side else _outside(lo, hi, day, outside_plan),
    }


def stats_as_of(unit: Unit, day: dt.date) -> dict[str, Any]:
    """The figures of `coso stats CODE --as-of DAY --json` for the unit's subtree on `day`.

    Raises `CosoError` when the unit did not exist on that day.
    """
    span = span_on(unit, day)
    if span.depth == SUBTREE_DEPTH:
        members, kinds, categories = _subtree_figures(unit.pk, day)
        return _finish(
            unit, span, day, members, deltas=(kinds, categories), side=_side_figures(unit.pk, day)
        )
    if not _is_only_root(span, day):
        lo, hi = subtree_range(span.path)
        return _finish(unit, span, day, _span_members(lo, hi, day))
    members, kinds, categories = _root_figures(span, day)
    return _finish(unit, span, day, members, plan="whole", deltas=(kinds, categories))


def _root_figures(span: UnitSpan, day: dt.date) -> Figures:
    members, kinds, categories = _delta_figures(day)
    kinds[span.kind] -= 1  # the root is not below itself
    return members, kinds, categories


def member_figures(unit: Unit, day: dt.date) -> dict[str, Any]:
    """The "members" and "units" of `stats_as_of` alone (the home page's figures), read the
    same way; participation and "outside" figures, which cost the most in a province (about a
    second at national size), are not computed.

    Raises `CosoError` when the unit did not exist on that day.
    """
    span = span_on(unit, day)
    if span.depth == SUBTREE_DEPTH:
        members, kinds, _categories = _subtree_figures(unit.pk, day)
    elif not _is_only_root(span, day):
        lo, hi = subtree_range(span.path)
        members = _span_members(lo, hi, day)
        kinds, _categories = _span_units(lo, hi, day, unit.pk)
    else:
        members, kinds, _categories = _root_figures(span, day)
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "members": _members_dict(members),
        "units": _sorted(kinds),
    }


# --- tree ---------------------------------------------------------------------------------------


def _natural(text: str) -> tuple[Any, ...]:
    """Codes sort as people expect: 9 before 10, then text."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text))


def subtree_member_counts(
    unit: Unit, day: dt.date, depth: int | None = None
) -> tuple[list[UnitSpan], dict[int, int]]:
    """The subtree's spans on `day` (by path; only `depth` levels below the unit unless None)
    and members in each one's whole subtree (by unit id)."""
    span = span_on(unit, day)
    lo, hi = subtree_range(span.path)
    spans = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related("unit")
    if depth is not None and depth <= 1:
        # The unit and its children by the parent index (a root's path range is every span).
        spans = spans.filter(Q(pk=span.pk) | Q(parent_id=unit.pk) if depth else Q(pk=span.pk))
    else:
        spans = spans.filter(path__gte=lo, path__lt=hi)
        if depth is not None:
            spans = spans.filter(depth__lte=span.depth + depth)
    listed = list(spans.order_by("path"))
    if depth is not None and depth <= 1 and span.depth + 1 in TALLIED_DEPTHS:
        # The children are tallied units: their totals are sums of a few rows each.
        totals = tallied_totals(span, day)
        own = _rows(
            "SELECT COUNT(*) FROM members_memberspan "
            "WHERE unit_id = %s AND valid_from <= %s AND valid_to > %s",
            [unit.pk, day, day],
        )[0][0]
        totals[unit.pk] = int(own or 0) + sum(totals.values())
        return listed, totals
    # Members counted by the path of their unit: each is added to every unit on the path.
    by_path = _rows(
        "SELECT us.path, COUNT(*) FROM units_unitspan us "
        "JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
        f"WHERE {_SUBTREE} AND ms.valid_from <= %s AND ms.valid_to > %s "
        "GROUP BY us.path",
        [lo, hi, day, day, day, day],
    )
    counted: dict[int, int] = defaultdict(int)
    first = span.path.count("/") - 2  # position of the unit itself in a path's list of ids
    for path, n in by_path:
        # The path lists the unit and its ancestors; only those inside the subtree matter.
        for part in path.strip("/").split("/")[first:]:
            counted[int(part)] += n
    return listed, counted


def subtree_total(unit: Unit, day: dt.date) -> int:
    """Members in the unit's subtree on `day` (as `stats_as_of`), by the cheapest way."""
    span = span_on(unit, day)
    if span.depth == SUBTREE_DEPTH:
        return _subtree_figures(unit.pk, day)[0]["total"]
    if _is_only_root(span, day):
        return registry_total(day)
    lo, hi = subtree_range(span.path)
    return _span_members(lo, hi, day)["total"]


def registry_total(day: dt.date) -> int:
    """Members of the whole registry on `day` (every root), from `DailyDelta`'s sums."""
    return int(_delta_figures(day)[0]["total"])


def tree_lines(unit: Unit, day: dt.date, depth: int | None = None) -> list[str]:
    """The subtree on `day` as indented lines "code  name  [kind]  N đảng viên".

    `depth` limits how many levels below the unit are shown (0: the unit alone); the member
    counts always cover the whole subtree.
    """
    spans, totals = subtree_member_counts(unit, day, depth)
    if not spans:
        return []
    root = spans[0]
    children: dict[int | None, list[UnitSpan]] = defaultdict(list)
    for s in spans[1:]:
        children[s.parent_id].append(s)
    for kids in children.values():
        kids.sort(key=lambda s: (_natural(s.unit.code), s.name))

    lines: list[str] = []
    stack: list[tuple[UnitSpan, int]] = [(root, 0)]
    while stack:
        s, level = stack.pop()
        lines.append(
            f"{'  ' * level}{s.unit.code}  {s.name}  [{s.kind}]  {totals.get(s.unit_id, 0)} đảng viên"
        )
        if depth is None or level < depth:
            stack.extend((c, level + 1) for c in reversed(children.get(s.unit_id, [])))
    return lines


# --- over time, and by age (the unit page's charts) ---------------------------------------------

# Points of the members-over-time chart: each is `member_figures` on one day, which reads a few
# thousand DailyDeltaSum and DailyDelta rows at the root, about a hundred SubtreeDelta rows per figure in a
# province and the subtree's spans below it (a commune: about 1,500).
SERIES_POINTS = 12


def sample_days(start: dt.date, end: dt.date, points: int = SERIES_POINTS) -> list[dt.date]:
    """`points` days evenly spread from `start` to `end`, both included (fewer when the range
    has fewer days)."""
    if end < start:
        start, end = end, start
    span = (end - start).days
    if span == 0 or points <= 1:
        return [end]
    n = min(points, span + 1)
    return sorted({start + dt.timedelta(days=round(span * i / (n - 1))) for i in range(n)})


def members_over_time(
    unit: Unit, start: dt.date, end: dt.date, points: int = SERIES_POINTS
) -> list[tuple[dt.date, dict[str, int]]]:
    """The "members" figures of `stats_as_of` on `points` days from `start` to `end` (the days
    the unit existed), read as `member_figures` reads them: the chart of a unit's members over
    time and by status."""
    out: list[tuple[dt.date, dict[str, int]]] = []
    start = max(start, unit.valid_from)  # the unit's lifetime only
    end = min(end, unit.valid_to - dt.timedelta(days=1))
    if end < start:
        return out
    for day in sample_days(start, end, points):
        try:
            out.append((day, member_figures(unit, day)["members"]))
        except CosoError:
            continue  # a gap in the unit's history
    return out


# Ages on the day (years), and party ages (years since the first admission; probationary
# members apart): the lower bound of each band.
AGE_BANDS = (18, 31, 41, 51, 61, 71, 81)
PARTY_AGE_BANDS = (0, 5, 10, 20, 30, 40, 50)
# Above this many members the profile is not computed on request: it reads each member's birth
# date and gender (a province at national size holds about 160,000, the country 5.6 million).
PROFILE_MAX_MEMBERS = 50_000


def _years(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _band(value: int, bands: tuple[int, ...]) -> int:
    index = 0
    for i, lower in enumerate(bands):
        if value >= lower:
            index = i
    return index


def band_labels(bands: tuple[int, ...], *, below_first: bool = False) -> list[str]:
    """ "18–30", …, "81+" (the first band takes everything below it too when `below_first`)."""
    labels = []
    for i, lower in enumerate(bands):
        if i + 1 < len(bands):
            upper = bands[i + 1] - 1
            labels.append(f"≤{upper}" if below_first and i == 0 else f"{lower}–{upper}")
        else:
            labels.append(f"{lower}+")
    return labels


def age_profile(unit: Unit, day: dt.date) -> dict[str, Any] | None:
    """Members of the subtree on `day` by gender and age band, and by gender and party-age band
    (the pyramids); None when the subtree holds more than PROFILE_MAX_MEMBERS members.

    Party age here is the years since the first admission decision for official members (the
    age of `coso.members.party_age` without its gaps for readmitted members); probationary
    members, whose party age is 0, have their own row. Raises `CosoError` when the unit did
    not exist on that day.
    """
    total = member_figures(unit, day)["members"]["total"]
    if total > PROFILE_MAX_MEMBERS:
        return None
    span = span_on(unit, day)
    lo, hi = subtree_range(span.path)
    ages = {g: [0] * len(AGE_BANDS) for g in ("male", "female")}
    party = {g: [0] * (len(PARTY_AGE_BANDS) + 1) for g in ("male", "female")}
    for gender, born, admitted, status in _rows(
        "SELECT m.gender, m.birth_date, m.first_admitted_on, ms.status "
        "FROM units_unitspan us "
        "JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
        "JOIN members_member m ON m.id = ms.member_id "
        f"WHERE {_SUBTREE} AND ms.valid_from <= %s AND ms.valid_to > %s",
        [lo, hi, day, day, day, day],
    ):
        g = "female" if gender == "female" else "male"
        born = dt.date.fromisoformat(str(born)) if not isinstance(born, dt.date) else born
        ages[g][_band(_years(born, day), AGE_BANDS)] += 1
        if status == "official" and admitted is not None:
            if not isinstance(admitted, dt.date):
                admitted = dt.date.fromisoformat(str(admitted))
            party[g][1 + _band(max(_years(admitted, day), 0), PARTY_AGE_BANDS)] += 1
        else:
            party[g][0] += 1
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "members": total,
        "age_bands": band_labels(AGE_BANDS, below_first=True),
        "ages": ages,
        "party_age_bands": ["probationary", *band_labels(PARTY_AGE_BANDS)],
        "party_ages": party,
    }


__all__ = [
    "MEMBER_KEYS",
    "age_profile",
    "members_over_time",
    "registry_total",
    "sample_days",
    "stats_as_of",
    "stats_from_spans",
    "subtree_member_counts",
    "subtree_total",
    "tallied_totals",
    "tree_lines",
]
