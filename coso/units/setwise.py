"""A reorganization plan applied set-wise: checked in memory, written in bulk statements.

The row-by-row engine (`coso.units.plans`, one call to `coso.units.operations` per row) reads
and writes a few dozen statements per row; the whole 2025 reform of the country is tens of
thousands of rows moving hundreds of thousands of units. Here the state the plan touches is read
once (the subtrees of the units the plan names, the members and posts of the units it merges,
retypes or dissolves), every row is checked and applied to that state in memory, in order, with
the same rules as the operations, and the result is written with a handful of bulk statements:
the same units, spans, events, member spans, member events, posts, participations and
`DailyDelta` rows the row-by-row engine writes (tests/units/test_setwise.py compares them on
random plans).

This engine only ever applies plans that succeed. A row that the operations would refuse raises
`Refused`, and the caller runs the row-by-row engine instead, which names every refused row with
its line and column: the refusals and their wording stay in one place. So does anything this
engine does not model (history recorded after the plan's date, a unit without a current span):
it is refused here and handled there.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from coso.core.bulk import insert_rows
from coso.core.dates import FAR_FUTURE
from coso.core.models import Decision
from coso.core.rules import rule
from coso.core.tabular import Row
from coso.members.models import (
    Member,
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    Participation,
    Position,
)
from coso.stats.tally import refresh_days
from coso.units.models import (
    SPAN_COLUMNS,
    Unit,
    UnitEvent,
    UnitEventKind,
    UnitKind,
    UnitSpan,
    format_tags,
    kind_label,
    search_keys,
)
from coso.units.posts import PostFate, default_fate, fate_problem, role_after, role_rank
from coso.units.queries import subtree_range

log = logging.getLogger(__name__)
# Ids per statement when they are written into the SQL text (integers only) or bound.
ID_CHUNK = 5000
BOUND_CHUNK = 900
# Past this many units whose members a plan counts, one pass over every unit's members.
COUNT_ALL_ABOVE = 20_000


class Refused(Exception):
    """A row the operations would refuse, or a state this engine does not model."""


@dataclass(eq=False)
class _Unit:
    """A unit's state on the plan's day as the plan advances."""

    id: int
    code: str
    unit_from: dt.date
    ended: bool  # before or during the plan
    span_id: int | None = None  # its span open in the database when the plan starts
    span_from: dt.date | None = None
    name: str = ""
    kind: str = ""
    parent: int | None = None
    path: str = ""
    depth: int = 0
    tags: str = ""
    event: UnitEvent | int | None = None
    loaded: bool = False  # has a current span
    full: bool = False  # its children are known
    children: set[int] = field(default_factory=set)
    dirty: bool = False  # its span changed during the plan
    created: bool = False
    ended_now: bool = False

    def opened_today(self, on: dt.date) -> bool:
        """Whether its current span starts on `on` (changes then correct it in place)."""
        return self.created or self.dirty or self.span_from == on


@dataclass(eq=False)
class _MSpan:
    id: int | None
    member: int
    unit: int
    group: int | None
    status: str
    exempt: bool
    in_transit: bool
    valid_from: dt.date
    valid_to: dt.date
    dirty: bool = False
    closed: bool = False


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


class SetwisePlan:
    """Apply `rows` on `on`; call `run()` inside the plan's transaction."""

    def __init__(
        self,
        rows: list[Row],
        on: dt.date,
        decision: Decision | None,
        batch: str,
        report: Any,
        tick: Callable[[], object] = lambda: None,
        *,
        derive: bool = True,
    ) -> None:
        self.rows = rows
        self.on = on
        self.decision = decision
        self.batch = batch
        self.report = report
        self.tick = tick
        # Whether to refresh the tallies derived from what is written (DailyDelta, warnings,
        # activity): not in a dry run, which is rolled back and would throw them away unread.
        self.derive = derive
        self.units: dict[int, _Unit] = {}
        self.by_code: dict[str, int] = {}
        self.codes: dict[int, str] = {}
        self.events: list[UnitEvent] = []
        self.member_events: list[MemberEvent] = []
        self.counts: dict[int, int] = {}  # member spans valid on `on` per unit (by_unit)
        self.mspans: list[_MSpan] = []
        self.future: list[_MSpan] = []  # member spans from after `on` at the loaded units
        # The open member spans valid on `on` (not closed by the plan) by home unit and group.
        self.at: dict[tuple[bool, int], list[_MSpan]] = {}
        self.future_at: dict[tuple[bool, int], list[_MSpan]] = {}
        self.homes: dict[int, int | None] = {}  # Member.home_unit of the members loaded
        self.attached: dict[type[Position] | type[Participation], list[Any]] = {}
        self.new_attached: list[Any] = []
        self.dirty_attached: dict[int, Any] = {}  # by id(): unsaved rows are unhashable
        self.moved_homes: set[int] = set()
        self.allowed: dict[str, list[str]] = rule("unit_kinds.allowed_children", on)
        self.roots: list[str] = rule("unit_kinds.root_kinds", on)
        self.home_kinds: list[str] = rule("unit_kinds.home_kinds", on)

    # -- reading ------------------------------------------------------------------------------

    def _parse(self) -> list[tuple[Row, str, str, str]]:
        from coso.units.plans import NEEDS

        parsed = []
        for row in self.rows:
            v = row.values
            op = v.get("op", "").strip().lower()
            code = v.get("unit", "").strip()
            into = v.get("into", "").strip()
            if op not in NEEDS or not code:
                raise Refused
            for column in NEEDS[op]:
                if column != "into" and not v.get(column, "").strip():
                    raise Refused
            if op in ("move", "merge") and not into:
                raise Refused
            parsed.append((row, op, code, into))
        return parsed

    def _load(self, parsed: list[tuple[Row, str, str, str]]) -> None:
        on = self.on
        # Nothing recorded after the plan's day (history is appended in date order): the spans
        # valid on `on` are then exactly the open ones, and no later change can be in the way.
        # Two index ranges, not an OR that SQLite answers by scanning every open span.
        if (
            UnitSpan.objects.filter(valid_from__gt=on).exists()
            or UnitSpan.objects.filter(valid_to__gt=on, valid_to__lt=FAR_FUTURE).exists()
        ):
            raise Refused
        named = sorted({c for _r, _op, code, into in parsed for c in (code, into) if c})
        for chunk in _chunks(named, BOUND_CHUNK):
            for pk, code, start, end in Unit.objects.filter(code__in=chunk).values_list(
                "pk", "code", "valid_from", "valid_to"
            ):
                self._unit(pk, code, start, end)
        subjects = {code for _r, op, code, _i in parsed if op != "create"}
        spans: list[tuple[Any, ...]] = []
        for chunk in _chunks([self.by_code[c] for c in named if c in self.by_code], BOUND_CHUNK):
            spans += self._read_spans(Q(unit_id__in=chunk))
        # The subtrees of the units the plan changes: their units, children and paths.
        tops = sorted(s[6] for s in spans if self.codes.get(s[1]) in subjects)
        ranges: list[str] = []
        for path in tops:
            if not ranges or not path.startswith(ranges[-1]):
                ranges.append(path)
        for path in ranges:
            lo, hi = subtree_range(path)
            spans += self._read_spans(Q(path__gte=lo, path__lt=hi))
        self._take_spans(spans)
        top_ids = {int(path.rstrip("/").rsplit("/", 1)[-1]) for path in ranges}
        for u in self.units.values():
            if u.loaded and not top_ids.isdisjoint(int(i) for i in u.path.strip("/").split("/")):
                u.full = True
        for u in self.units.values():
            parent = self.units.get(u.parent) if u.loaded and u.parent is not None else None
            if parent is not None and parent.full:
                parent.children.add(u.id)
        # The parents of the units changed (a retype checks the kind of the parent).
        missing = sorted(
            {u.parent for u in self.units.values() if u.full and u.parent is not None}
            - {u.id for u in self.units.values() if u.loaded}
        )
        for chunk in _chunks(missing, BOUND_CHUNK):
            self._take_spans(self._read_spans(Q(unit_id__in=chunk)))
        self._load_counts(parsed)
        self._load_members(parsed)
        self._load_attached(parsed)

    def _unit(self, pk: int, code: str, start: dt.date, end: dt.date) -> _Unit:
        u = self.units.get(pk)
        if u is None:
            u = self.units[pk] = _Unit(pk, code, start, end != FAR_FUTURE)
            self.by_code[code] = pk
            self.codes[pk] = code
        return u

    def _read_spans(self, where: Q) -> list[tuple[Any, ...]]:
        # Only the path range or the ids in SQL: with a condition on valid_to too, SQLite picks
        # the valid_to index and reads every open span of the country for each range. The spans
        # valid on `on` are the open ones (nothing is recorded after `on`, checked in _load).
        rows = (
            UnitSpan.objects.filter(where)
            .values_list(
                "valid_to",
                "pk",
                "unit_id",
                "valid_from",
                "name",
                "kind",
                "parent_id",
                "path",
                "depth",
                "tags",
                "event_id",
                "unit__code",
                "unit__valid_from",
                "unit__valid_to",
            )
            .order_by()
        )
        return [r[1:] for r in rows if r[0] == FAR_FUTURE and r[3] <= self.on]

    def _take_spans(self, spans: list[tuple[Any, ...]]) -> None:
        for (
            sid,
            uid,
            start,
            name,
            kind,
            parent,
            path,
            depth,
            tags,
            event,
            code,
            ufrom,
            uto,
        ) in spans:
            u = self._unit(uid, code, ufrom, uto)
            if u.loaded:
                continue
            u.span_id, u.span_from, u.name, u.kind, u.parent = sid, start, name, kind, parent
            u.path, u.depth, u.tags, u.event, u.loaded = path, depth, tags, event, True

    def _subtree(self, u: _Unit) -> list[_Unit]:
        """The unit and everything below it, now."""
        out, stack = [], [u]
        while stack:
            x = stack.pop()
            if not x.full:
                raise Refused
            out.append(x)
            stack.extend(self.units[c] for c in x.children)
        return out

    def _load_counts(self, parsed: list[tuple[Row, str, str, str]]) -> None:
        """Members at home on `on` in every unit a move or merge may carry (event details)."""
        ids: set[int] = set()
        for _r, op, code, _i in parsed:
            pk = self.by_code.get(code)
            if op in ("move", "merge") and pk is not None and self.units[pk].full:
                ids.update(x.id for x in self._subtree(self.units[pk]))
        on = self.on
        valid = MemberSpan.objects.filter(valid_from__lte=on, valid_to__gt=on).order_by()
        if len(ids) > COUNT_ALL_ABOVE:
            # Most of the country (the whole reform: 220,000 units): one pass over the spans
            # valid on the day costs 2-4 s, probing unit by unit 13 s on PostgreSQL.
            counts = valid.values("unit_id").annotate(n=Count("*")).values_list("unit_id", "n")
            self.counts.update((u, n) for u, n in counts if u in ids)
            return
        for chunk in _chunks(sorted(ids), 10_000):
            self.counts.update(
                valid.filter(unit_id__in=chunk)
                .values("unit_id")
                .annotate(n=Count("*"))
                .values_list("unit_id", "n")
            )

    def _sensitive(self, parsed: list[tuple[Row, str, str, str]], ops: set[str]) -> list[int]:
        ids: set[int] = set()
        for _r, op, code, into in parsed:
            if op in ops:
                ids.update(self.by_code[c] for c in (code, into) if c in self.by_code)
        return sorted(ids)

    def _load_members(self, parsed: list[tuple[Row, str, str, str]]) -> None:
        """Member spans from `on` on at the units merged, merged into, retyped or dissolved."""
        on = self.on
        ids = self._sensitive(parsed, {"merge", "retype", "dissolve"})
        seen: set[int] = set()
        # The unit and the group each on its own index; the period filtered here (a condition on
        # valid_to would lead SQLite to the index of every open span).
        queries = [
            MemberSpan.objects.filter(**{f"{column}__in": chunk})
            for chunk in _chunks(ids, BOUND_CHUNK)
            for column in ("unit_id", "group_id")
        ]
        for query in queries:
            for values in query.values_list(
                "pk",
                "member_id",
                "unit_id",
                "group_id",
                "status",
                "exempt",
                "in_transit",
                "valid_from",
                "valid_to",
            ):
                if values[0] in seen or values[8] <= on:
                    continue
                seen.add(values[0])
                span = _MSpan(*values)
                if span.valid_from <= on:
                    self.mspans.append(span)
                    self._index(span)
                else:
                    self.future.append(span)
                    for key in self._keys(span):
                        self.future_at.setdefault(key, []).append(span)
        members = sorted({s.member for s in self.mspans})
        for chunk in _chunks(members, BOUND_CHUNK):
            self.homes.update(Member.objects.filter(pk__in=chunk).values_list("pk", "home_unit_id"))

    def _load_attached(self, parsed: list[tuple[Row, str, str, str]]) -> None:
        ids = self._sensitive(parsed, {"merge", "dissolve"})
        for model in (Position, Participation):
            rows: list[Any] = []
            for chunk in _chunks(ids, BOUND_CHUNK):
                rows += model.objects.filter(unit_id__in=chunk).filter(
                    Q(valid_to__gt=self.on) | Q(valid_from__gte=self.on)
                )
            self.attached[model] = rows

    # -- helpers mirroring coso.units.operations ----------------------------------------------

    def _get(self, code: str) -> _Unit:
        pk = self.by_code.get(code)
        if pk is None:
            raise Refused
        return self.units[pk]

    def _current(self, u: _Unit) -> _Unit:
        """current_span: the unit exists, has not ended and has a span valid on the day."""
        if u.ended or not u.loaded or self.on < u.unit_from:
            raise Refused
        return u

    def _placement(self, kind: str, parent: _Unit | None) -> None:
        if kind not in UnitKind.values:
            raise Refused
        if parent is None:
            if kind not in self.roots:
                raise Refused
        elif kind not in self.allowed.get(parent.kind, []):
            raise Refused

    def _code(self, pk: int | None) -> str | None:
        if pk is None:
            return None
        if pk not in self.codes:
            self.codes[pk] = Unit.objects.values_list("code", flat=True).get(pk=pk)
        return self.codes[pk]

    def _event(
        self, kind: str, u: _Unit, details: dict[str, Any], other: _Unit | None = None
    ) -> UnitEvent:
        event = UnitEvent(
            kind=kind,
            unit_id=u.id,
            other_id=other.id if other else None,
            effective_on=self.on,
            decision=self.decision,
            batch=self.batch,
            details=details,
        )
        self.events.append(event)
        return event

    def _change(self, u: _Unit, event: UnitEvent, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(u, name, value)
        u.event = event
        u.dirty = True

    def _label(self, u: _Unit) -> str:
        return f"{u.code} «{u.name}»"

    def _live(self, pk: int, *, group: bool = False) -> list[_MSpan]:
        return list(self.at.get((group, pk), ()))

    @staticmethod
    def _keys(span: _MSpan) -> list[tuple[bool, int]]:
        keys = [(False, span.unit)]
        if span.group is not None:
            keys.append((True, span.group))
        return keys

    def _index(self, span: _MSpan) -> None:
        for key in self._keys(span):
            self.at.setdefault(key, []).append(span)

    def _unindex(self, span: _MSpan) -> None:
        for key in self._keys(span):
            self.at[key].remove(span)

    def _distinct_from_on(self, pk: int, *, group: bool) -> int:
        """Members with a span at `pk` (home or party group) valid on `on` or later."""
        spans = self._live(pk, group=group) + self.future_at.get((group, pk), [])
        return len({s.member for s in spans})

    # -- the operations -----------------------------------------------------------------------

    def _create(self, code: str, into: _Unit | None, v: dict[str, str]) -> str:
        kind = v["kind"].strip()
        name = v["name"].strip()
        # Every code the plan names was looked up when loading, this one included.
        if kind not in UnitKind.values or code in self.by_code:
            raise Refused
        tags = _tags(v.get("category", ""))
        parent = self._current(into) if into is not None else None
        self._placement(kind, parent)
        pk = Unit.objects.create(code=code, valid_from=self.on).pk
        u = self._unit(pk, code, self.on, FAR_FUTURE)
        event = self._event(
            UnitEventKind.CREATE,
            u,
            {"name": name, "kind": kind, "tags": sorted(tags)},
            other=into,
        )
        u.name, u.kind, u.parent = name, kind, parent.id if parent else None
        u.path = f"{parent.path if parent else '/'}{pk}/"
        u.depth = parent.depth + 1 if parent else 0
        u.tags, u.event = format_tags(tags), event
        u.loaded = u.full = u.created = True
        if parent is not None:
            parent.children.add(pk)
        self.counts[pk] = 0
        self.report.created += 1
        where = f" thuộc {self._label(into)}" if into else " (gốc)"
        return f"thành lập {self._label(u)} ({kind_label(kind)}){where}"

    def _rename(self, u: _Unit, name: str) -> str:
        before = self._label(self._current(u))
        name = name.strip()
        if name == u.name:
            raise Refused
        event = self._event(
            UnitEventKind.RENAME, u, {"before": {"name": u.name}, "after": {"name": name}}
        )
        self._change(u, event, name=name)
        self.report.renamed += 1
        return f"đổi tên {before} thành «{name}»"

    def _retype(self, u: _Unit, kind: str) -> str:
        before = self._label(self._current(u))
        kind = kind.strip()
        if kind == u.kind:
            raise Refused
        parent = self.units.get(u.parent) if u.parent is not None else None
        if u.parent is not None and (parent is None or not parent.loaded):
            raise Refused
        self._placement(kind, parent)
        children = [self.units[c] for c in self._children(u)]
        allowed = self.allowed.get(kind, [])
        if any(c.kind not in allowed for c in children):
            raise Refused
        home_members = self._distinct_from_on(u.id, group=False)
        if home_members and kind not in self.home_kinds:
            raise Refused
        if self._distinct_from_on(u.id, group=True) and kind != UnitKind.GROUP:
            raise Refused
        old = u.kind
        event = self._event(
            UnitEventKind.RETYPE,
            u,
            {
                "before": {"kind": old},
                "after": {"kind": kind},
                "children": len(children),
                "members": home_members,
            },
        )
        self._change(u, event, kind=kind)
        self.report.retyped += 1
        return f"đổi loại {before} từ {kind_label(old)} sang {kind_label(kind)}"

    def _retag(self, u: _Unit, text: str) -> str:
        before = self._label(self._current(u))
        new_tags = format_tags(_tags(text))
        if new_tags == u.tags:
            raise Refused
        after = [t for t in new_tags.split(";") if t]
        event = self._event(
            UnitEventKind.RETAG,
            u,
            {"before": {"tags": [t for t in u.tags.split(";") if t]}, "after": {"tags": after}},
        )
        self._change(u, event, tags=new_tags)
        self.report.retagged += 1
        return f"đổi phân loại {before} thành {';'.join(after) or '(không)'}"

    def _children(self, u: _Unit) -> set[int]:
        if not u.full:
            raise Refused
        return u.children

    def _reroot(self, top: _Unit, parent: _Unit, event: UnitEvent) -> list[_Unit]:
        """Place `top` with its subtree under `parent`; every unit in it gets `event`."""
        moved = self._subtree(top)
        if top.parent is not None and top.parent in self.units:
            self.units[top.parent].children.discard(top.id)
        top.parent = parent.id
        parent.children.add(top.id)
        stack = [(top, parent.path, parent.depth + 1)]
        while stack:
            x, prefix, depth = stack.pop()
            x.path, x.depth = f"{prefix}{x.id}/", depth
            x.event, x.dirty = event, True
            stack.extend((self.units[c], x.path, depth + 1) for c in x.children)
        return moved

    def _members_in(self, units: Iterable[_Unit]) -> int:
        return sum(self.counts.get(x.id, 0) for x in units)

    def _move(self, u: _Unit, into: _Unit) -> str:
        self._current(u)
        before = self._label(u)
        parent = self._current(into)
        if into.id == u.parent:
            raise Refused
        if parent.path.startswith(u.path):
            raise Refused
        self._placement(u.kind, parent)
        subtree = self._subtree(u)
        event = self._event(
            UnitEventKind.MOVE,
            u,
            {
                "before": {"parent": self._code(u.parent), "path": u.path},
                "after": {"parent": into.code, "path": f"{parent.path}{u.id}/"},
                "units": len(subtree),
                "members": self._members_in(subtree),
            },
            other=into,
        )
        self._reroot(u, parent, event)
        self.report.moved += 1
        return (
            f"chuyển {before} sang trực thuộc {self._label(into)} "
            f"({len(subtree)} đơn vị, {self._members_in(subtree)} đảng viên)"
        )

    def _attached_after(self, u: _Unit) -> None:
        for rows in self.attached.values():
            if any(r.unit_id == u.id and r.valid_from > self.on for r in rows):
                raise Refused

    def _end(self, u: _Unit) -> None:
        if u.opened_today(self.on) and u.unit_from == self.on:
            raise Refused
        if u.parent is not None and u.parent in self.units:
            self.units[u.parent].children.discard(u.id)
        u.ended = u.ended_now = True

    def _carry(self, model: type[Position] | type[Participation], src: _Unit, tgt: _Unit) -> int:
        on = self.on
        rows = self.attached[model]
        moved = 0
        copies = []
        for r in list(rows):
            if r.unit_id != src.id:
                continue
            if r.valid_from == on:
                r.unit_id = tgt.id
                self.dirty_attached[id(r)] = r
                moved += 1
            elif r.valid_from < on < r.valid_to:
                copy = model(
                    **{f.attname: getattr(r, f.attname) for f in model._meta.concrete_fields}
                )
                copy.pk = None
                copy.unit_id = tgt.id
                copy.valid_from = on
                if self.decision is not None and isinstance(copy, Position):
                    copy.decision = self.decision
                copies.append(copy)
                r.valid_to = on
                self.dirty_attached[id(r)] = r
        rows.extend(copies)
        self.new_attached.extend(copies)
        return moved + len(copies)

    def _carry_posts(self, src: _Unit, tgt: _Unit) -> tuple[int, list[dict[str, Any]]]:
        """merge_units' _carry_posts with the default fates (a plan chooses none)."""
        on = self.on
        rows = self.attached[Position]
        posts = sorted(
            (r for r in rows if r.unit_id == src.id and r.valid_from <= on < r.valid_to),
            key=lambda p: (role_rank(p.role), p.member_id),
        )
        holders = {
            (r.role, r.member_id)
            for r in rows
            if r.unit_id == tgt.id and r.valid_from <= on < r.valid_to
        }
        is_group = tgt.kind == UnitKind.GROUP
        fates: list[tuple[Any, str, str | None]] = []
        for post in posts:
            fate = default_fate(
                post.role, post.member_id, target_is_group=is_group, holders=holders
            )
            if fate_problem(
                post.role,
                post.member_id,
                fate,
                target_is_group=is_group,
                holders=holders,
                same_day=post.valid_from == on,
            ):
                raise Refused
            after = role_after(post.role, fate)
            if after is not None:
                holders.add((after, post.member_id))
            fates.append((post, fate, after))
        details = [
            {"member": post.member_id, "role": post.role, "fate": fate, "role_after": after}
            for post, fate, after in fates
        ]
        copies = []
        for post, _fate, after in fates:
            if post.valid_from == on:
                assert after is not None  # a same-day post cannot end (fate_problem)
                post.unit_id, post.role = tgt.id, after
            else:
                if after is not None:
                    copy = Position(
                        **{
                            f.attname: getattr(post, f.attname)
                            for f in Position._meta.concrete_fields
                        }
                    )
                    copy.pk = None
                    copy.unit_id, copy.role, copy.valid_from = tgt.id, after, on
                    if self.decision is not None:
                        copy.decision = self.decision
                    copies.append(copy)
                post.valid_to = on
            self.dirty_attached[id(post)] = post
        rows.extend(copies)
        self.new_attached.extend(copies)
        return sum(1 for _p, _f, after in fates if after is not None), details

    def _rehome(self, src: _Unit, tgt: _Unit, merge_event: UnitEvent) -> int:
        on = self.on
        home_rows = self._live(src.id)
        group_rows = [s for s in self._live(src.id, group=True) if s.unit != src.id]
        if any(s.valid_to != FAR_FUTURE for s in home_rows + group_rows) or any(
            self.future_at.get((g, src.id)) for g in (False, True)
        ):
            raise Refused
        if not home_rows and not group_rows:
            return 0
        if home_rows and tgt.kind not in self.home_kinds:
            raise Refused
        new_unit, new_group = tgt.id, None
        if group_rows:
            if tgt.kind in self.home_kinds:
                new_unit, new_group = tgt.id, None
            elif tgt.kind == UnitKind.GROUP and tgt.parent is not None:
                new_unit, new_group = tgt.parent, tgt.id
            else:
                raise Refused
        moves = [(s, tgt.id, s.group) for s in home_rows] + [
            (s, new_unit, new_group) for s in group_rows
        ]
        decision = self.decision
        for s, nu, ng in moves:
            ou, og = s.unit, s.group
            self.counts[ou] = self.counts.get(ou, 0) - 1
            self.counts[nu] = self.counts.get(nu, 0) + 1
            self._unindex(s)
            if s.valid_from == on:
                s.unit, s.group, s.dirty = nu, ng, True
                self._index(s)
            else:
                s.closed = True
                new = _MSpan(
                    None, s.member, nu, ng, s.status, s.exempt, s.in_transit, on, FAR_FUTURE
                )
                self.mspans.append(new)
                self._index(new)
            self.member_events.append(
                MemberEvent(
                    kind=MemberEventKind.REHOME,
                    member_id=s.member,
                    effective_on=on,
                    decided_on=decision.signed_on if decision else None,
                    decision=decision,
                    unit_id=nu,
                    other_unit_id=ou,
                    unit_event=merge_event,
                    details={
                        "before": {"unit": self._code(ou), "group": self._code(og)},
                        "after": {"unit": self._code(nu), "group": self._code(ng)},
                        "merged": src.code,
                    },
                )
            )
            if ou != nu and self.homes.get(s.member) == ou:
                self.homes[s.member] = nu
                self.moved_homes.add(s.member)
        return len({s.member for s, _nu, _ng in moves})

    def _merge(self, src: _Unit, into: _Unit) -> str:
        self._current(src)
        before = self._label(src)
        if into.id == src.id:
            raise Refused
        tgt = self._current(into)
        if tgt.path.startswith(src.path):
            raise Refused
        self._attached_after(src)
        children = sorted((self.units[c] for c in self._children(src)), key=lambda c: c.code)
        for child in children:
            if tgt.path.startswith(child.path):
                raise Refused
            self._placement(child.kind, tgt)
        subtree = self._subtree(src)
        in_subtree = self._members_in(subtree)
        merge_event = self._event(UnitEventKind.MERGE, src, {}, other=into)
        absorb_event = self._event(UnitEventKind.ABSORB, into, {}, other=src)
        units_moved = 0
        for child in children:
            below = self._subtree(child)
            units_moved += len(below)
            event = self._event(
                UnitEventKind.MOVE,
                child,
                {
                    "before": {"parent": src.code, "path": child.path},
                    "after": {"parent": into.code, "path": f"{tgt.path}{child.id}/"},
                    "units": len(below),
                    "members": self._members_in(below),
                    "merge_of": src.code,
                },
                other=into,
            )
            self._reroot(child, tgt, event)
        rehomed = self._rehome(src, tgt, merge_event)
        positions, post_fates = self._carry_posts(src, tgt)
        participations = self._carry(Participation, src, tgt)
        self._end(src)
        details = {
            "source": {"code": src.code, "name": src.name, "kind": src.kind},
            "target": {"code": into.code, "name": tgt.name, "kind": tgt.kind},
            "children_moved": [c.code for c in children],
            "units_moved": units_moved,
            "members_rehomed": rehomed,
            "members_in_subtree": in_subtree,
            "positions_moved": positions,
            "participations_moved": participations,
            "posts": post_fates,
        }
        merge_event.details = details
        absorb_event.details = dict(details)
        r = self.report
        r.merged += 1
        r.ended += 1
        r.moved += len(children)
        r.members_rehomed += rehomed
        return (
            f"sáp nhập {before} vào {self._label(into)} "
            f"({len(children)} đơn vị trực thuộc chuyển theo, "
            f"{rehomed} đảng viên chuyển sinh hoạt, "
            f"{in_subtree} đảng viên trong toàn bộ đơn vị)"
        )

    def _dissolve(self, u: _Unit) -> str:
        self._current(u)
        before = self._label(u)
        members = len(
            {
                s.member
                for key in ((False, u.id), (True, u.id))
                for s in self.at.get(key, []) + self.future_at.get(key, [])
            }
        )
        if self._children(u) or members:
            raise Refused
        self._attached_after(u)
        open_rows = {
            model: [r for r in rows if r.unit_id == u.id and r.valid_to > self.on]
            for model, rows in self.attached.items()
        }
        if any(r.valid_from == self.on for rows in open_rows.values() for r in rows):
            raise Refused
        for rows in open_rows.values():
            for r in rows:
                r.valid_to = self.on
                self.dirty_attached[id(r)] = r
        ended_posts = sorted(
            ((r.role, r.member_id) for r in open_rows[Position]),
            key=lambda p: (role_rank(p[0]), p[1]),
        )
        self._event(
            UnitEventKind.DISSOLVE,
            u,
            {
                "before": {"name": u.name, "kind": u.kind},
                "posts": [
                    {"member": member, "role": role, "fate": PostFate.END.value, "role_after": None}
                    for role, member in ended_posts
                ],
                "positions_ended": len(open_rows[Position]),
                "participations_ended": len(open_rows[Participation]),
            },
        )
        self._end(u)
        self.report.ended += 1
        return f"giải thể {before}"

    def _apply(self, row: Row, op: str, code: str, into_code: str) -> str:
        v = row.values
        into = self._get(into_code) if into_code else None
        if op == "create":
            return self._create(code, into, v)
        u = self._get(code)
        if op == "rename":
            return self._rename(u, v["name"])
        if op == "retype":
            return self._retype(u, v["kind"])
        if op == "retag":
            return self._retag(u, v["category"])
        assert op == "dissolve" or into is not None
        if op == "move":
            assert into is not None
            return self._move(u, into)
        if op == "merge":
            assert into is not None
            return self._merge(u, into)
        return self._dissolve(u)

    # -- writing ------------------------------------------------------------------------------

    def run(self) -> None:
        """Check and apply every row in memory, then write; raise Refused on any refusal."""
        started = time.perf_counter()
        parsed = self._parse()
        self._load(parsed)
        loaded = time.perf_counter()
        for row, op, code, into in parsed:
            line = self._apply(row, op, code, into)
            self.report.lines.append(f"dòng {row.line}: {line}")
            self.tick()
        checked = time.perf_counter()
        self._write()
        log.info(
            "plan of %d rows applied set-wise: read %.1f s, checked %.1f s, written %.1f s "
            "(%d units, %d events)",
            len(self.rows),
            loaded - started,
            checked - loaded,
            time.perf_counter() - checked,
            len(self.units),
            len(self.events),
        )

    def _write(self) -> None:
        on = self.on
        adapt = connection.ops.adapt_datefield_value
        UnitEvent.objects.bulk_create(self.events, batch_size=2000)
        for event in self.events:
            assert event.pk is not None
        with connection.cursor() as cur:
            ended = [u for u in self.units.values() if u.ended_now]
            changed = [u for u in self.units.values() if (u.dirty or u.created) and not u.ended_now]
            close = [
                u.span_id
                for u in ended + changed
                if u.span_id is not None and u.span_from is not None and u.span_from < on
            ]
            for ids in _chunks(sorted(close), ID_CHUNK):
                cur.execute(
                    f"UPDATE units_unitspan SET valid_to = %s WHERE id IN ({_ints(ids)})",
                    [adapt(on)],
                )
            drop = [u.span_id for u in ended if u.span_id is not None and u.span_from == on]
            for ids in _chunks(sorted(drop), ID_CHUNK):
                cur.execute(f"DELETE FROM units_unitspan WHERE id IN ({_ints(ids)})")
            for ids in _chunks(sorted(u.id for u in ended), ID_CHUNK):
                cur.execute(
                    f"UPDATE units_unit SET valid_to = %s WHERE id IN ({_ints(ids)})", [adapt(on)]
                )
            in_place = [u for u in changed if u.span_id is not None and u.span_from == on]
            cur.executemany(
                "UPDATE units_unitspan SET name = %s, kind = %s, parent_id = %s, path = %s, "
                "depth = %s, tags = %s, event_id = %s, search_name = %s, search_key = %s "
                "WHERE id = %s",
                [(*_span_values(u), u.span_id) for u in in_place],
            )
            fresh = [u for u in changed if u.span_id is None or u.span_from != on]
        fresh.sort(key=lambda u: u.path)
        insert_rows(
            "units_unitspan",
            SPAN_COLUMNS,
            ((u.id, adapt(on), adapt(FAR_FUTURE), *_span_values(u)) for u in fresh),
            batch_size=20_000,
        )
        self._write_members()
        # In bulk, a few statements whatever the number of posts: the posts and participations
        # ended first, then those moved (same-day rows), so that no statement ever leaves two
        # open holders of a post (position_one_open_single_holder).
        dirty = [r for r in self.dirty_attached.values() if r.pk is not None]
        for model in (Position, Participation):
            fields = ["unit", "valid_to"] + (["role"] if model is Position else [])
            for closing in (True, False):
                rows = [
                    r
                    for r in dirty
                    if isinstance(r, model) and (r.valid_to != FAR_FUTURE) == closing
                ]
                model.objects.bulk_update(rows, fields, batch_size=500)
        for model in (Position, Participation):
            model.objects.bulk_create([r for r in self.new_attached if isinstance(r, model)])
        if self.derive:
            refresh_days([on])

    def _write_members(self) -> None:
        on = self.on
        closed = [s.id for s in self.mspans if s.closed and s.id is not None]
        for ids in _chunks(sorted(closed), BOUND_CHUNK):
            MemberSpan.objects.filter(pk__in=ids).update(valid_to=on)
        for s in self.mspans:
            if s.id is not None and s.dirty and not s.closed:
                MemberSpan.objects.filter(pk=s.id).update(unit_id=s.unit, group_id=s.group)
        MemberSpan.objects.bulk_create(
            [
                MemberSpan(
                    member_id=s.member,
                    unit_id=s.unit,
                    group_id=s.group,
                    status=s.status,
                    exempt=s.exempt,
                    in_transit=s.in_transit,
                    valid_from=on,
                    valid_to=FAR_FUTURE,
                )
                for s in self.mspans
                if s.id is None and not s.closed
            ],
            batch_size=5000,
        )
        # Spans opened today and closed again the same day never existed for the row-by-row
        # engine either (it corrects same-day spans in place), so nothing is written for them.
        MemberEvent.objects.bulk_create(self.member_events, batch_size=5000)
        by_home: dict[int | None, list[int]] = {}
        for mid in self.moved_homes:
            by_home.setdefault(self.homes[mid], []).append(mid)
        for home, mids in by_home.items():
            for ids in _chunks(sorted(mids), BOUND_CHUNK):
                Member.objects.filter(pk__in=ids).update(home_unit_id=home)


def _ints(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def _event_id(u: _Unit) -> int | None:
    return u.event.pk if isinstance(u.event, UnitEvent) else u.event


def _span_values(u: _Unit) -> tuple[Any, ...]:
    """A span's values from its name on (SPAN_COLUMNS after its unit and period)."""
    return (u.name, u.kind, u.parent, u.path, u.depth, u.tags, _event_id(u), *search_keys(u.name))


__all__ = ["Refused", "SetwisePlan"]
