"""Figures for a unit's subtree as of a date: the numbers behind `coso stats` and `coso tree`.

Membership is counted from `MemberSpan`s valid on the day whose unit is in the subtree on that
day (the subtree is a range of `UnitSpan.path`). When the unit is the only root on the day, the
member and unit figures are sums of `DailyDelta` rows instead, which stay small however many
members there are. Participation, positions and external roles never add to the totals.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from django.db import connection
from django.db.models import Sum

from coso.stats.models import DailyDelta
from coso.stats.tally import BRANCH_KINDS
from coso.units.models import Unit, UnitSpan
from coso.units.queries import span_on, subtree_range

MEMBER_KEYS = ("total", "official", "probationary", "exempt", "in_transit")

# Spans valid on the day in the subtree; every query below joins on it. Params: lo, hi, day, day.
_SUBTREE = "us.path >= %s AND us.path < %s AND us.valid_from <= %s AND us.valid_to > %s"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
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


# Above this many home members, "outside" figures are driven from the side tables (positions,
# participations, external roles) rather than from the subtree's member spans: reading each
# span's member id costs a table lookup, which dominates for a province or the whole country.
SIDE_TABLES_FROM_MEMBERS = 20_000


def _participants(lo: str, hi: str, day: dt.date, from_side: bool) -> int:
    if from_side:
        sql = (
            "SELECT COUNT(DISTINCT p.member_id) FROM members_participation p "
            "WHERE p.valid_from <= %s AND p.valid_to > %s AND EXISTS ("
            f"SELECT 1 FROM units_unitspan us WHERE us.unit_id = p.unit_id AND {_SUBTREE})"
        )
        params: list[Any] = [day, day, lo, hi, day, day]
    else:
        sql = (
            "SELECT COUNT(DISTINCT p.member_id) FROM units_unitspan us "
            "JOIN members_participation p ON p.unit_id = us.unit_id "
            f"WHERE {_SUBTREE} AND p.valid_from <= %s AND p.valid_to > %s"
        )
        params = [lo, hi, day, day, day, day]
    return int(_rows(sql, params)[0][0] or 0)


def _outside(lo: str, hi: str, day: dt.date, from_side: bool) -> dict[str, Any]:
    """What home members of the subtree do in units outside it (the seed's border guards)."""
    # The other unit's span on the day, if it lies inside the subtree.
    inside = (
        "SELECT 1 FROM units_unitspan xs WHERE xs.unit_id = {col} "
        "AND xs.valid_from <= %s AND xs.valid_to > %s AND xs.path >= %s AND xs.path < %s"
    )
    inside_params: list[Any] = [day, day, lo, hi]
    valid = "{t}.valid_from <= %s AND {t}.valid_to > %s"
    pos_unit = (
        "LEFT JOIN units_unitspan ps ON ps.unit_id = pos.unit_id "
        "AND ps.valid_from <= %s AND ps.valid_to > %s"
    )

    if from_side:
        home = (
            "EXISTS (SELECT 1 FROM members_memberspan ms JOIN units_unitspan us "
            "ON us.unit_id = ms.unit_id WHERE ms.member_id = {t}.member_id "
            f"AND ms.valid_from <= %s AND ms.valid_to > %s AND {_SUBTREE})"
        )
        home_params: list[Any] = [day, day, lo, hi, day, day]
        part_sql = (
            "SELECT COUNT(DISTINCT p.member_id), COUNT(DISTINCT p.unit_id) "
            f"FROM members_participation p WHERE {valid.format(t='p')} "
            f"AND NOT EXISTS ({inside.format(col='p.unit_id')}) AND {home.format(t='p')}"
        )
        part_params = [day, day, *inside_params, *home_params]
        pos_sql = (
            f"SELECT ps.kind, pos.role, COUNT(*) FROM members_position pos {pos_unit} "
            f"WHERE {valid.format(t='pos')} "
            f"AND NOT EXISTS ({inside.format(col='pos.unit_id')}) AND {home.format(t='pos')} "
            "GROUP BY ps.kind, pos.role"
        )
        pos_params = [day, day, day, day, *inside_params, *home_params]
        ext_sql = (
            f"SELECT COUNT(*) FROM members_externalrole er WHERE {valid.format(t='er')} "
            f"AND {home.format(t='er')}"
        )
        ext_params = [day, day, *home_params]
    else:
        home_from = "units_unitspan us JOIN members_memberspan ms ON ms.unit_id = us.unit_id"
        home_where = f"{_SUBTREE} AND {valid.format(t='ms')}"
        home_params = [lo, hi, day, day, day, day]
        part_sql = (
            "SELECT COUNT(DISTINCT p.member_id), COUNT(DISTINCT p.unit_id) "
            f"FROM {home_from} JOIN members_participation p ON p.member_id = ms.member_id "
            f"WHERE {home_where} AND {valid.format(t='p')} "
            f"AND NOT EXISTS ({inside.format(col='p.unit_id')})"
        )
        part_params = [*home_params, day, day, *inside_params]
        pos_sql = (
            "SELECT ps.kind, pos.role, COUNT(*) "
            f"FROM {home_from} JOIN members_position pos ON pos.member_id = ms.member_id "
            f"{pos_unit} WHERE {home_where} AND {valid.format(t='pos')} "
            f"AND NOT EXISTS ({inside.format(col='pos.unit_id')}) "
            "GROUP BY ps.kind, pos.role"
        )
        pos_params = [day, day, *home_params, day, day, *inside_params]
        ext_sql = (
            f"SELECT COUNT(*) FROM {home_from} "
            "JOIN members_externalrole er ON er.member_id = ms.member_id "
            f"WHERE {home_where} AND {valid.format(t='er')}"
        )
        ext_params = [*home_params, day, day]

    members, units = _rows(part_sql, part_params)[0]
    positions: Counter[str] = Counter()
    for kind, role, n in _rows(pos_sql, pos_params):
        # A post in a unit that no longer exists on the day still shows, under "ended".
        positions[f"{kind or 'ended'}.{role}"] += n
    external = int(_rows(ext_sql, ext_params)[0][0] or 0)
    out: dict[str, Any] = {}
    participations = _sorted(Counter({"members": members or 0, "units": units or 0}))
    if participations:
        out["participations"] = participations
    if positions:
        out["positions"] = _sorted(positions)
    if external:
        out["external_roles"] = external
    return out


def _delta_figures(day: dt.date) -> tuple[Counter[str], Counter[str], Counter[str]]:
    members: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    sums = DailyDelta.objects.filter(day__lte=day).values("metric").annotate(n=Sum("delta"))
    for row in sums:
        group, _, key = row["metric"].partition(".")
        target = {"members": members, "units": kinds, "branch_categories": categories}.get(group)
        if target is not None:
            target[key] += row["n"] or 0
    return members, kinds, categories


def stats_from_spans(unit: Unit, day: dt.date, *, from_side: bool | None = None) -> dict[str, Any]:
    """`stats_as_of` counted from the spans, never from `DailyDelta` (the reference answer).

    `from_side` forces how participation and "outside" figures are found (same answer either
    way); by default it depends on how many members the subtree has.
    """
    span = span_on(unit, day)
    lo, hi = subtree_range(span.path)
    members = _span_members(lo, hi, day)
    return _finish(unit, span, day, members, from_side=from_side)


def _finish(
    unit: Unit,
    span: UnitSpan,
    day: dt.date,
    members: Counter[str],
    *,
    from_side: bool | None = None,
    deltas: tuple[Counter[str], Counter[str]] | None = None,
) -> dict[str, Any]:
    lo, hi = subtree_range(span.path)
    kinds, categories = deltas or _span_units(lo, hi, day, unit.pk)
    if from_side is None:
        from_side = members["total"] > SIDE_TABLES_FROM_MEMBERS
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "members": _members_dict(members),
        "units": _sorted(kinds),
        "branch_categories": _sorted(categories),
        "participants": _participants(lo, hi, day, from_side),
        "outside": _outside(lo, hi, day, from_side),
    }


def stats_as_of(unit: Unit, day: dt.date) -> dict[str, Any]:
    """The figures of `coso stats CODE --as-of DAY --json` for the unit's subtree on `day`.

    Raises `CosoError` when the unit did not exist on that day.
    """
    span = span_on(unit, day)
    if not _is_only_root(span, day):
        lo, hi = subtree_range(span.path)
        return _finish(unit, span, day, _span_members(lo, hi, day))
    members, kinds, categories = _delta_figures(day)
    kinds[span.kind] -= 1  # the root is not below itself
    return _finish(unit, span, day, members, deltas=(kinds, categories))


# --- tree ---------------------------------------------------------------------------------------


def _natural(text: str) -> tuple[Any, ...]:
    """Codes sort as people expect: 9 before 10, then text."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text))


def subtree_member_counts(unit: Unit, day: dt.date) -> tuple[list[UnitSpan], dict[int, int]]:
    """The subtree's spans on `day` (by path) and members in each unit's subtree (by unit id)."""
    span = span_on(unit, day)
    lo, hi = subtree_range(span.path)
    spans = list(
        UnitSpan.objects.filter(path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day)
        .select_related("unit")
        .order_by("path")
    )
    own = dict(
        _rows(
            "SELECT ms.unit_id, COUNT(*) FROM units_unitspan us "
            "JOIN members_memberspan ms ON ms.unit_id = us.unit_id "
            f"WHERE {_SUBTREE} AND ms.valid_from <= %s AND ms.valid_to > %s "
            "GROUP BY ms.unit_id",
            [lo, hi, day, day, day, day],
        )
    )
    totals: dict[int, int] = defaultdict(int)
    first = span.path.count("/") - 2  # position of the unit itself in a path's list of ids
    for s in spans:
        n = own.get(s.unit_id, 0)
        if not n:
            continue
        # The path lists the unit and its ancestors; only those inside the subtree matter.
        for part in s.path.strip("/").split("/")[first:]:
            totals[int(part)] += n
    return spans, totals


def tree_lines(unit: Unit, day: dt.date, depth: int | None = None) -> list[str]:
    """The subtree on `day` as indented lines "code  name  [kind]  N đảng viên".

    `depth` limits how many levels below the unit are shown (0: the unit alone); the member
    counts always cover the whole subtree.
    """
    spans, totals = subtree_member_counts(unit, day)
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


__all__ = [
    "MEMBER_KEYS",
    "stats_as_of",
    "stats_from_spans",
    "subtree_member_counts",
    "tree_lines",
]
