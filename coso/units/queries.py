"""Reads of the unit tree as of a date, for the pages and the API alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from collections import defaultdict
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from coso.core.dates import fmt
from coso.core.errors import CosoError
from coso.units.models import Unit, UnitEvent, UnitSpan, fold_words


def get_unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise CosoError(f"Không có đơn vị mã «{code}».")
    return unit


def span_on(unit: Unit, day: dt.date) -> UnitSpan:
    """The unit's span valid on `day`; refuses if the unit did not exist then."""
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        raise CosoError(f"Đơn vị «{unit.code}» không tồn tại vào ngày {fmt(day)}.")
    return span


def subtree_range(path: str) -> tuple[str, str]:
    """Bounds such that lo <= p < hi exactly for paths p starting with `path` (which ends in /)."""
    return path, path[:-1] + "0"  # "0" sorts right after "/"


def subtree_spans(span: UnitSpan, day: dt.date) -> QuerySet[UnitSpan]:
    """Spans valid on `day` of the unit and everything below it then."""
    lo, hi = subtree_range(span.path)
    return UnitSpan.objects.filter(path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day)


def spans_outside(path: str, *, on: dt.date | None = None, ended_by: dt.date | None = None) -> bool:
    """Whether some unit span lies outside the subtree of `path` (of the spans valid `on` that
    day, if given), or, with `ended_by`, some span ended on or before that day.

    One query, each test a seek on its own index (an OR of the ranges in one WHERE makes
    SQLite read every span valid that day: 0.2 s nationally).
    """
    lo, hi = subtree_range(path)
    tests = [UnitSpan.objects.filter(path__lt=lo), UnitSpan.objects.filter(path__gte=hi)]
    if on is not None:
        tests = [t.filter(valid_from__lte=on, valid_to__gt=on) for t in tests]
    if ended_by is not None:
        tests.append(UnitSpan.objects.filter(valid_to__lte=ended_by))
    parts: list[str] = []
    params: list[Any] = []
    for test in tests:
        # No ordering: the model's (unit, valid_from) would have SQLite walk that index instead.
        sql, test_params = test.order_by().values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(test_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " OR ".join(parts), params)
        return bool(cursor.fetchone()[0])


def natural_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """Codes sort as people expect: 9 before 10."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", code) if p
    )


def children_on(unit: Unit, day: dt.date, visible: Q | None) -> list[UnitSpan]:
    """The unit's children on `day` that the reader may see (`visible`, a condition on their
    spans, see `Scope.span_filter`; None: all), by code."""
    children = UnitSpan.objects.filter(parent=unit, valid_from__lte=day, valid_to__gt=day)
    if visible is not None:
        children = children.filter(visible)
    return sorted(children.select_related("unit"), key=lambda s: natural_key(s.unit.code))


def unit_events(unit: Unit) -> list[UnitEvent]:
    """The unit's history, oldest first, with each decision and the other unit (one query)."""
    return list(
        UnitEvent.objects.filter(unit=unit)
        .select_related("decision", "other")
        .order_by("effective_on", "id")
    )


# --- which span to show ---------------------------------------------------------------------


class Existence(StrEnum):
    """Where a day falls in a unit's life."""

    EXISTS = "exists"
    NOT_YET = "not_yet"  # before it was created
    ENDED = "ended"  # on or after its end (merged, dissolved)


def existence_on(unit: Unit, day: dt.date) -> Existence:
    """Read from the unit's own period, without a query."""
    if day < unit.valid_from:
        return Existence.NOT_YET
    if day >= unit.valid_to:
        return Existence.ENDED
    return Existence.EXISTS


@dataclasses.dataclass(frozen=True)
class Shown:
    """The span a unit page (or the API's unit detail) shows for a day."""

    span: UnitSpan
    existence: Existence
    day: dt.date  # the day whose facts are shown: the day asked, or the shown span's start

    @property
    def exists(self) -> bool:
        return self.existence == Existence.EXISTS


def shown_span(unit: Unit, day: dt.date) -> Shown | None:
    """The span valid on `day`; a unit not existing then shows its first (future) or last span.

    None only for a unit without any span. The parent comes with the span (both front ends
    name it).
    """
    spans = list(
        UnitSpan.objects.filter(unit=unit).select_related("unit", "parent").order_by("valid_from")
    )
    for span in spans:
        if span.valid_from <= day < span.valid_to:
            return Shown(span, Existence.EXISTS, day)
    if not spans:
        return None
    if day < spans[0].valid_from:
        return Shown(spans[0], Existence.NOT_YET, spans[0].valid_from)
    return Shown(spans[-1], Existence.ENDED, spans[-1].valid_from)


# --- the tree as of a date ------------------------------------------------------------------


@dataclasses.dataclass
class TreeNode:
    span: UnitSpan
    members: int  # members in the node's whole subtree on the day
    has_children: bool  # on the day, whether or not they are visible or shown
    children: list[TreeNode]


def tree_as_of(unit: Unit, day: dt.date, *, depth: int, visible: Q | None) -> TreeNode:
    """The unit on `day` with `depth` levels below it, children in code order.

    `visible` (a condition on spans, see `Scope.span_filter`; None: everything) keeps the nodes
    below the root the reader may see: a past
    subtree may hold units outside the reader's scope today. Refuses (CosoError) when the unit
    did not exist on `day`.
    """
    # stats sits beside units and reads this module; imported here to keep the import one-way.
    from coso.stats.queries import subtree_member_counts

    spans, totals = subtree_member_counts(unit, day, depth)
    root = spans[0]
    last = root.depth + depth
    lo, hi = subtree_range(root.path)
    # Which shown units have children on the day: the parents of the level below the last.
    below_last = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day, depth=last + 1)
    if depth <= 1:
        # By the parent index: a root's path range would be every span of the table.
        lasts = [s.unit_id for s in spans if s.depth == last]
        grandchildren = below_last.filter(
            parent_id__in=UnitSpan.objects.filter(
                valid_from__lte=day, valid_to__gt=day, parent_id=root.unit_id
            ).values("unit_id")
            if depth
            else lasts
        )
    else:
        grandchildren = below_last.filter(path__gt=lo, path__lt=hi)
    with_children = {s.parent_id for s in spans} | set(
        grandchildren.order_by().values_list("parent_id", flat=True).distinct()
    )
    shown = spans[1:]
    if visible is not None and shown:
        # The levels shown, each span's unit probed (no list of ids growing with the tree; a
        # semi-join with the reader's units would read the whole subtree of their role).
        levels = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
        if depth <= 1:
            levels = levels.filter(parent_id=root.unit_id)
        else:
            levels = levels.filter(path__gt=lo, path__lt=hi, depth__lte=last)
        allowed = set(levels.filter(visible).values_list("unit_id", flat=True))
        shown = [s for s in shown if s.unit_id in allowed]
    below: dict[int, list[UnitSpan]] = defaultdict(list)
    for s in shown:
        if s.parent_id is not None:
            below[s.parent_id].append(s)

    def node(s: UnitSpan) -> TreeNode:
        kids = sorted(below.get(s.unit_id, []), key=lambda k: natural_key(k.unit.code))
        return TreeNode(
            s, totals.get(s.unit_id, 0), s.unit_id in with_children, [node(k) for k in kids]
        )

    return node(root)


# --- the unit picker (issue 13, point 3) ----------------------------------------------------

PICK_LIMIT = 20
# A scope with at most this many units today is searched within its path ranges (any word of
# the name, anywhere); a larger one by the name indexes (the name, or the name after the words
# of its kind, starting with what was typed).
SMALL_SCOPE = 2000


def _prefix_range(key: str) -> tuple[str, str]:
    """lo <= s < hi exactly for the strings s of [0-9a-z…] starting with `key` (byte order, and
    a collation's, for letters and digits): the last character raised by one."""
    return key, key[:-1] + chr(min(ord(key[-1]) + 1, sys.maxunicode))


@dataclasses.dataclass(frozen=True)
class Picked:
    """A unit offered by the picker: its span today and its parent's name then."""

    span: UnitSpan
    parent_name: str

    @property
    def code(self) -> str:
        return self.span.unit.code


def pick_units(
    text: str, day: dt.date, visible: Q | None, *, limit: int = PICK_LIMIT
) -> list[Picked]:
    """Units existing on `day` whose code starts with `text`, or whose name matches it typed
    without tones («chi bo thon thong nhat», «thong nhat»), for a picker: at most `limit`,
    the code's match first. `visible` is a condition on today's spans (`Scope.spans_today`:
    path ranges of the reader's roles; None: every unit), so units out of scope never appear.

    Bounded work at any scale: the code by the unique code index; the name by a prefix range on
    `search_name`/`search_key` (indexed), or, in a scope of at most SMALL_SCOPE units, by the
    words anywhere in the name over the scope's path range. Six queries at most, each
    LIMITed.
    """
    typed = (text or "").strip()[:100]
    words = fold_words(typed)
    if not typed or not words:
        return []
    alive = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
    if visible is not None:
        alive = alive.filter(visible)
    found: dict[int, UnitSpan] = {}

    def take(rows: QuerySet[UnitSpan]) -> None:
        for span in rows.select_related("unit", "parent")[: limit - len(found)]:
            found.setdefault(span.unit_id, span)

    code = typed.replace("\x00", "")
    if code and " " not in code:
        for variant in dict.fromkeys((code, code.upper())):  # codes are mostly upper case
            lo, hi = _prefix_range(variant)
            take(alive.filter(unit__code__gte=lo, unit__code__lt=hi).order_by("unit__code"))
    small = visible is not None and alive[: SMALL_SCOPE + 1].count() <= SMALL_SCOPE
    if len(found) < limit and small:
        rows = alive
        for word in words:
            rows = rows.filter(search_name__contains=word)
        take(rows.order_by("search_key", "path"))
    elif len(found) < limit:
        lo, hi = _prefix_range("".join(words))
        for column in ("search_name", "search_key"):
            if len(found) < limit:
                where = {f"{column}__gte": lo, f"{column}__lt": hi}
                take(alive.filter(**where).order_by(column, "path"))
    spans = list(found.values())[:limit]
    parents = {s.parent_id for s in spans if s.parent_id is not None}
    names = dict(
        UnitSpan.objects.filter(
            unit_id__in=parents, valid_from__lte=day, valid_to__gt=day
        ).values_list("unit_id", "name")
    )
    return [Picked(s, names.get(s.parent_id or 0, "")) for s in spans]


def units_named(text: str, day: dt.date, visible: Q | None) -> list[UnitSpan]:
    """Units existing on `day` whose whole name is `text` (tones and case aside), within
    `visible`; at most two, enough to tell whether the name is unique."""
    key = "".join(fold_words(text))
    if not key:
        return []
    rows = UnitSpan.objects.filter(search_name=key, valid_from__lte=day, valid_to__gt=day)
    if visible is not None:
        rows = rows.filter(visible)
    return list(rows.select_related("unit")[:2])
