"""Reads behind the unit and member pages: names as of a date and history timelines.

Every function here takes objects already checked against the user's scope; they only read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, overload

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from coso.core.dates import fmt
from coso.core.models import Decision
from coso.members.models import (
    ExternalRole,
    Member,
    MemberSpan,
    MemberStatus,
    Participation,
    Position,
)
from coso.members.queries import CORRECTION, HistoryEvent
from coso.stats.queries import registry_total, subtree_total
from coso.units import queries
from coso.units.models import Unit, UnitEventKind, UnitKind, UnitSpan
from coso.units.posts import role_rank_expression
from coso.units.queries import Existence, children_on, natural_key, subtree_range


@dataclasses.dataclass
class UnitLabel:
    code: str
    name: str
    kind: str

    @property
    def kind_label(self) -> str:
        return choice_label(UnitKind, self.kind)


def choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def unit_labels(unit_ids: set[int], day: dt.date) -> dict[int, UnitLabel]:
    """Each unit's code, name and kind on `day`; for a unit not existing then, its nearest span."""
    chosen: dict[int, tuple[int, UnitSpan]] = {}
    spans = UnitSpan.objects.filter(unit_id__in=unit_ids).select_related("unit").order_by()
    for span in spans:
        # Rank: valid on the day, else the latest before it, else the earliest after it.
        if span.valid_from <= day < span.valid_to:
            rank = 0
        elif span.valid_to <= day:
            rank = 1 + (day - span.valid_to).days
        else:
            rank = 10**7 + (span.valid_from - day).days
        if span.unit_id not in chosen or rank < chosen[span.unit_id][0]:
            chosen[span.unit_id] = (rank, span)
    return {
        uid: UnitLabel(span.unit.code, span.name, span.kind) for uid, (_r, span) in chosen.items()
    }


def commune_names(unit_ids: set[int], day: dt.date) -> dict[int, str]:
    """For each unit, the name of the commune-level organization it lies under on `day` (its
    nearest ancestor of kind commune), so that namesakes in a list can be told apart (issue 13).

    Two queries whatever the number of units: their spans on the day (paths), then the
    ancestors named in those paths that are communes (a page's few dozen ids, not the tree)."""
    if not unit_ids:
        return {}
    paths = dict(
        UnitSpan.objects.filter(unit_id__in=unit_ids, valid_from__lte=day, valid_to__gt=day)
        .order_by()
        .values_list("unit_id", "path")
    )
    chains = {
        uid: [int(part) for part in path.strip("/").split("/") if part][:-1]
        for uid, path in paths.items()
    }
    ancestors = {a for chain in chains.values() for a in chain}
    if not ancestors:
        return {}
    communes = dict(
        UnitSpan.objects.filter(
            unit_id__in=ancestors,
            kind=UnitKind.COMMUNE,
            valid_from__lte=day,
            valid_to__gt=day,
        )
        .order_by()
        .values_list("unit_id", "name")
    )
    found = {}
    for uid, chain in chains.items():
        for ancestor in reversed(chain):
            if ancestor in communes:
                found[uid] = communes[ancestor]
                break
    return found


def existence_note(unit: Unit, day: dt.date, existence: Existence) -> str:
    """What the page says when `unit` did not exist on `day` (empty when it did)."""
    if existence == Existence.NOT_YET:
        return _("Đơn vị chưa được thành lập vào ngày %(d)s; thông tin dưới đây từ ngày %(f)s.") % {
            "d": fmt(day),
            "f": fmt(unit.valid_from),
        }
    if existence == Existence.ENDED:
        return _("Đơn vị đã kết thúc hoạt động ngày %(d)s; thông tin dưới đây là lần cuối.") % {
            "d": fmt(unit.valid_to)
        }
    return ""


def shown_span(unit: Unit, day: dt.date) -> tuple[UnitSpan | None, str]:
    """The span to show for `unit` on `day` (coso.units.queries) and the page's note."""
    shown = queries.shown_span(unit, day)
    if shown is None:
        return None, ""
    return shown.span, existence_note(unit, day, shown.existence)


def subtree_member_spans(span: UnitSpan, day: dt.date) -> QuerySet[MemberSpan]:
    """Member spans valid on `day` whose unit is in the subtree of `span` on that day."""
    lo, hi = subtree_range(span.path)
    units = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day
    ).values("unit_id")
    return (
        MemberSpan.objects.filter(unit_id__in=units, valid_from__lte=day, valid_to__gt=day)
        .select_related("member", "unit")
        .order_by("member__sort_key", "member__member_id")
    )


# Above this many members a page of the list is found by walking the members in name order
# (most of them belong to a subtree this big) rather than sorting the whole subtree.
WALK_FROM = 20_000


# Microseconds a member walked (its span and its unit probed) and a member read from the
# subtree cost, on SQLite and on PostgreSQL (national datasets, a province of 150,000).
WALK_COSTS = {"sqlite": (11, 11), "postgresql": (23, 9)}


class SubtreeMembers:
    """`subtree_member_spans` for a Paginator, cheap for subtrees of any size.

    The count is the subtree's figure (a sum of a few rows for a province or the root); for a
    big subtree a page walks the name index from whichever end is nearer, keeping the members
    at home in the subtree (sorting the root's 5.6 million took half a minute).
    """

    def __init__(self, span: UnitSpan, day: dt.date, *, total: int | None = None) -> None:
        # `total`: the subtree's member figure on `day` when the caller has already read it
        # (the unit page's figures), so it is not summed a second time.
        self.span, self.day = span, day
        self._count: int | None = total

    def count(self) -> int:
        if self._count is None:
            self._count = subtree_total(self.span.unit, self.day)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[MemberSpan]:
        return iter(subtree_member_spans(self.span, self.day))

    @overload
    def __getitem__(self, index: int) -> MemberSpan: ...
    @overload
    def __getitem__(self, index: slice) -> list[MemberSpan]: ...
    def __getitem__(self, index: int | slice) -> MemberSpan | list[MemberSpan]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        total = self.count()
        stop = total if stop is None else min(stop, total)
        rows = subtree_member_spans(self.span, self.day)
        if total <= WALK_FROM or stop <= start:
            return list(rows[start:stop])
        lo, hi = subtree_range(self.span.path)
        forward = start <= total - stop
        depth = stop if forward else total - start
        day = self.day
        # A walk passes the registry's members in name order, the subtree's among them: to
        # the page's last, about `depth` times the registry's size over the subtree's. Past a
        # budget it reads the subtree instead: its member spans by unit, then their members,
        # sorted. What a walked member and a member read cost (WALK_COSTS); for a province of
        # 150,000 the middle pages walked 1.4 million members: 2-5.5 s on PostgreSQL, 17.5 s
        # on SQLite; read, 0.7-1.1 s and 1.7 s. A root's walk passes only its own members
        # (sorting the whole registry would cost more).
        walked, read = WALK_COSTS[connection.vendor]
        below_root = self.span.parent_id is not None
        if below_root and depth * registry_total(day) / total * walked > total * read:
            sort = (
                "SELECT ms.id FROM units_unitspan us CROSS JOIN members_memberspan ms "
                "CROSS JOIN members_member m WHERE us.path >= %s AND us.path < %s "
                "AND us.valid_from <= %s AND us.valid_to > %s AND ms.unit_id = us.unit_id "
                "AND ms.valid_from <= %s AND ms.valid_to > %s AND m.id = ms.member_id "
                "ORDER BY m.sort_key, m.member_id LIMIT %s OFFSET %s"
            )
            params: list[Any] = [lo, hi, day, day, day, day, stop - start, start]
            return self._spans(sort, params, reverse=False)
        order = "" if forward else " DESC"
        # EXISTS rather than a join: joined, SQLite 3.40 first builds a Bloom filter over the
        # subtree's unit spans (half a second for the root).
        walk = (
            "SELECT ms.id FROM members_member m CROSS JOIN members_memberspan ms "
            "WHERE ms.member_id = m.id AND ms.valid_from <= %s AND ms.valid_to > %s "
            "AND EXISTS (SELECT 1 FROM units_unitspan us WHERE us.unit_id = ms.unit_id "
            "AND us.valid_from <= %s AND us.valid_to > %s AND us.path >= %s AND us.path < %s) "
            f"ORDER BY m.sort_key{order}, m.member_id{order} LIMIT %s OFFSET %s"
        )
        offset = start if forward else total - stop
        params = [day, day, day, day, lo, hi, stop - start, offset]
        return self._spans(walk, params, reverse=not forward)

    def _spans(self, sql: str, params: list[Any], *, reverse: bool) -> list[MemberSpan]:
        """The member spans whose ids `sql` selects, in its order (reversed if asked)."""
        with connection.cursor() as cur:
            cur.execute(sql, params)
            ids = [row[0] for row in cur.fetchall()]
        if reverse:
            ids.reverse()
        # By id alone: the subtree's condition again would make SQLite read the whole subtree.
        found = {
            ms.pk: ms
            for ms in MemberSpan.objects.filter(pk__in=ids).select_related("member", "unit")
        }
        return [found[pk] for pk in ids if pk in found]


@dataclasses.dataclass
class Entry:
    """One line of a timeline."""

    day: dt.date
    title: str
    decision: Decision | None = None
    text: str = ""
    unit_code: str = ""
    unit_name: str = ""


def _kind_text(value: str | None) -> str:
    return choice_label(UnitKind, value) if value else ""


def unit_timeline(unit: Unit) -> list[Entry]:
    """Every event of the unit, oldest first, with its decision and what changed."""
    events = queries.unit_events(unit)
    others = {e.other_id for e in events if e.other_id}
    labels = {uid: label for uid, label in unit_labels(others, dt.date.max).items()}
    entries = []
    for e in events:
        before = e.details.get("before") or {}
        after = e.details.get("after") or {}
        other = labels.get(e.other_id) if e.other_id else None
        other_text = f"{other.name} ({other.code})" if other else ""
        text = ""
        if e.kind == UnitEventKind.CREATE:
            text = f"{e.details.get('name', '')} — {_kind_text(e.details.get('kind'))}"
            if other_text:
                text += " · " + _("trực thuộc %(u)s") % {"u": other_text}
        elif e.kind == UnitEventKind.RENAME:
            text = f"«{before.get('name', '')}» → «{after.get('name', '')}»"
        elif e.kind == UnitEventKind.RETYPE:
            text = f"{_kind_text(before.get('kind'))} → {_kind_text(after.get('kind'))}"
        elif e.kind == UnitEventKind.RETAG:
            text = f"{', '.join(before.get('tags') or []) or '—'} → {', '.join(after.get('tags') or []) or '—'}"
        elif e.kind == UnitEventKind.MOVE:
            text = f"{before.get('parent') or '—'} → {after.get('parent') or '—'}"
        elif e.kind == UnitEventKind.MERGE:
            text = _("hợp nhất vào %(u)s") % {"u": other_text}
        elif e.kind == UnitEventKind.ABSORB:
            text = _("tiếp nhận %(u)s") % {"u": other_text}
        entries.append(
            Entry(
                e.effective_on,
                choice_label(UnitEventKind, e.kind),
                e.decision,
                text,
                other.code if other else "",
                other.name if other else "",
            )
        )
    return entries


def member_timeline(history: list[HistoryEvent]) -> list[Entry]:
    """The page's lines for a member's history as read by coso.members.queries.read_member."""
    ids = {e.unit.pk for e in history if e.unit} | {
        e.other_unit.pk for e in history if e.other_unit
    }
    labels = unit_labels(ids, dt.date.max) if ids else {}
    entries = []
    for e in history:
        if e.kind == CORRECTION:
            entries.append(Entry(e.effective_on, e.kind_label, None, _correction_text(e.details)))
            continue
        unit = labels.get(e.unit.pk) if e.unit else None
        other = labels.get(e.other_unit.pk) if e.other_unit else None
        text = ""
        if other is not None:
            text = _("từ/đến %(u)s") % {"u": f"{other.name} ({other.code})"}
        if e.decided_on:
            text = (text + " · " if text else "") + _("ngày quyết định %(d)s") % {
                "d": fmt(e.decided_on)
            }
        entries.append(
            Entry(
                e.effective_on,
                e.kind_label,
                e.decision,
                text,
                unit.code if unit else "",
                unit.name if unit else "",
            )
        )
    return entries


def _correction_text(details: dict[str, Any]) -> str:
    """A corrected field on the timeline: «old» → «new» (a sensitive field's values only for
    readers allowed to see them), the reason and who recorded it."""
    if "old" in details:
        change = _("%(f)s: «%(old)s» → «%(new)s»") % {
            "f": details["field_label"],
            "old": details["old"],
            "new": details["new"],
        }
    else:
        change = _("%(f)s (thông tin cần bảo vệ)") % {"f": details["field_label"]}
    return _("%(change)s · lý do: %(reason)s · người ghi: %(by)s") % {
        "change": change,
        "reason": details.get("reason", ""),
        "by": details.get("by", ""),
    }


@dataclasses.dataclass
class Period:
    valid_from: dt.date
    valid_to: dt.date
    unit: UnitLabel | None
    status: str
    exempt: bool = False
    in_transit: bool = False
    extra: str = ""


def member_periods(member: Member) -> dict[str, list[Any]]:
    """The member's spans, posts, participations and external roles with unit labels."""
    spans = list(MemberSpan.objects.filter(member=member).order_by("valid_from"))
    positions = list(Position.objects.filter(member=member).order_by("valid_from"))
    parts = list(Participation.objects.filter(member=member).order_by("valid_from"))
    roles = list(ExternalRole.objects.filter(member=member).order_by("valid_from"))
    ids: set[int] = {s.unit_id for s in spans} | {p.unit_id for p in positions}
    ids |= {p.unit_id for p in parts} | {r.unit_id for r in roles if r.unit_id}
    ids |= {s.group_id for s in spans if s.group_id}
    labels = unit_labels(ids, dt.date.max) if ids else {}
    return {
        "spans": [
            Period(
                s.valid_from,
                s.valid_to,
                labels.get(s.unit_id),
                choice_label(MemberStatus, s.status),
                s.exempt,
                s.in_transit,
                labels[s.group_id].name if s.group_id and s.group_id in labels else "",
            )
            for s in spans
        ],
        "positions": [
            Period(p.valid_from, p.valid_to, labels.get(p.unit_id), p.get_role_display())
            for p in positions
        ],
        "participations": [
            Period(
                p.valid_from, p.valid_to, labels.get(p.unit_id), p.get_kind_display(), extra=p.note
            )
            for p in parts
        ],
        "external_roles": [
            Period(
                r.valid_from,
                r.valid_to,
                labels.get(r.unit_id) if r.unit_id else None,
                r.title,
                extra=r.body,
            )
            for r in roles
        ],
    }


def positions_on(unit: Unit, day: dt.date) -> list[Position]:
    return list(
        Position.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day)
        .select_related("member")
        # Secretary first, then deputies, standing members, members (issue 13).
        .order_by(role_rank_expression(), "member__sort_key")
    )


def participants_on(unit: Unit, day: dt.date) -> list[Participation]:
    return list(
        Participation.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day)
        .select_related("member")
        .order_by("member__sort_key")
    )


def unit_periods(unit: Unit) -> list[dict[str, Any]]:
    """The unit's spans (name, kind, parent, tags over time) for the history table."""
    spans = list(UnitSpan.objects.filter(unit=unit).order_by("valid_from"))
    parents = {s.parent_id for s in spans if s.parent_id}
    labels = unit_labels(parents, dt.date.max) if parents else {}
    return [
        {
            "valid_from": s.valid_from,
            "valid_to": s.valid_to,
            "name": s.name,
            "kind": choice_label(UnitKind, s.kind),
            "parent": labels.get(s.parent_id) if s.parent_id else None,
            "tags": s.tag_list,
        }
        for s in spans
    ]


__all__ = [
    "Entry",
    "Period",
    "UnitLabel",
    "children_on",
    "choice_label",
    "existence_note",
    "member_periods",
    "member_timeline",
    "natural_key",
    "participants_on",
    "positions_on",
    "shown_span",
    "subtree_member_spans",
    "unit_labels",
    "unit_periods",
    "unit_timeline",
]
