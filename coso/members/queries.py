"""Reads of members for the pages and the API alike: the search, and one member's record.

Both front ends call these with what the one scope (coso.authority.scope, a layer above this
app) allows the reader: the members they may see, whether they may see sensitive data. So what
a reader finds and sees (the sensitive fields and the health grounds of an exemption in
particular) does not depend on the channel. Objects passed in are already checked against the
scope (404 otherwise).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, overload

from django.db.models import Q, QuerySet

from coso.audit.log import record_sensitive_view
from coso.core.dates import today
from coso.core.models import Decision
from coso.members.models import IN_PARTY, Member, MemberEvent, MemberEventKind
from coso.members.operations import fold
from coso.units.models import Unit, UnitSpan
from coso.units.queries import subtree_spans

STATUS_ACTIVE = "active"  # probationary and official members
STATUS_ALL = "all"

# Detail keys that are sensitive in any event (national ID, ethnicity, religion, health: sensitive
# personal data under Decree 13/2023).
SENSITIVE_DETAILS = frozenset({"national_id", "ethnicity", "religion", "health", "illness_months"})
# An exemption's grounds are the member's health (old age and weak health, or a long illness);
# the exemption itself (the event, the badge) stays visible.
EXEMPTION_GROUNDS = frozenset({"reason", "reason_text", "age", "illness_months"})


# --- search ---------------------------------------------------------------------------------


def search_members(
    visible: QuerySet[Member],
    *,
    text: str = "",
    unit: Unit | None = None,
    status: str = STATUS_ACTIVE,
    exempt: bool | None = None,
    in_transit: bool | None = None,
) -> QuerySet[Member]:
    """Of the members the reader may see (`visible`), those asked for, in Vietnamese order
    (given name first).

    `text` matches every word of the name without diacritics in any order, or the exact member
    id; `unit` keeps members whose home is in the unit's subtree today (none if the unit does
    not exist today); `status` is a MemberStatus, STATUS_ACTIVE ("" too) or STATUS_ALL. Every
    condition is a semi-join or an indexed column: nothing grows with the size of the tree.
    """
    members = visible
    if visible.query.where.connector == "OR":
        # A scope that adds the reader's own record to a subtree (a branch secretary's) is
        # "home in the subtree OR this member": SQLite then reads every member by status
        # (5.6 million nationally) instead of the subtree's few. As one id subquery it plans
        # each side on its own index; the members and their order are the same.
        members = Member.objects.filter(pk__in=visible.values("pk"))
    if unit is not None:
        day = today()
        span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
        if span is None:
            return members.none()
        members = members.filter(home_unit__in=subtree_spans(span, day).values("unit_id"))
    if status in ("", STATUS_ACTIVE):
        members = members.filter(status__in=IN_PARTY)
    elif status != STATUS_ALL:
        members = members.filter(status=status)
    if exempt is not None:
        members = members.filter(exempt=exempt)
    if in_transit is not None:
        members = members.filter(in_transit=in_transit)
    text = text.strip()
    words = fold(text).split()
    if words:
        by_name = Q()
        for word in words:
            by_name &= Q(search_name__contains=word)
        # The id as a subquery (read once through its unique index) rather than a column of
        # each row: the name test alone then reads nothing but the name indexes.
        by_id = Q(pk__in=Member.objects.filter(member_id=text).values("pk"))
        members = members.filter(by_name | by_id)
    return members.select_related("home_unit").order_by("sort_key", "member_id")


# Lists count their matches up to this many, then say "more than" (Paginator pages stop there).
# Counting every "nguyen van an" in the country exactly read 6.8 million index entries for a
# figure nobody pages through; up to the cap the count reads until it has cap + 1 matches.
COUNT_CAP = 10_000
# Matches beyond the cap are common, so a page is found by walking the members in name order in
# windows of growing size (the first, then 4 times as many, ...) rather than by sorting every
# match; past WALK_LIMIT members walked the matches are too sparse in name order and the page
# is found by sorting them after all (the plain query).
WALK_FIRST = 2_000
WALK_GROWTH = 4
WALK_LIMIT = 200_000


class MemberList:
    """What `search_members` finds, for a paginator: a count bounded by `cap` and pages that do
    not sort every match.

    `count()` is exact up to `cap`, else `cap` (and `exact` is False). A page is the plain
    query's slice when the matches are few; when they are more than `cap`, the members are
    walked in name order in windows bounded by `sort_key` values (a window never splits the
    members who share a sort key, so their order by member id stays whole), keeping the
    matches, until the page is full; the same members in the same order as the plain query.
    A page costs one query per window plus one for the rows, whatever the number of matches.
    """

    def __init__(self, members: QuerySet[Member], *, cap: int = COUNT_CAP) -> None:
        self.members = members
        self.cap = cap
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            found = self.members.order_by().values("pk")[: self.cap + 1].count()
            self._count = min(found, self.cap + 1)
        return min(self._count, self.cap)

    @property
    def exact(self) -> bool:
        """Whether `count()` is every match (False: there are more than `cap`)."""
        self.count()
        assert self._count is not None
        return self._count <= self.cap

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    @overload
    def __getitem__(self, index: int) -> Member: ...
    @overload
    def __getitem__(self, index: slice) -> list[Member]: ...
    def __getitem__(self, index: int | slice) -> Member | list[Member]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None or stop <= start:
            return list(self.members[start:stop])
        if self.exact:
            return list(self.members[start:stop])
        ids = self._walk(stop)
        if ids is None:
            return list(self.members[start:stop])
        ids = ids[start:stop]
        found = {m.pk: m for m in Member.objects.filter(pk__in=ids).select_related("home_unit")}
        return [found[pk] for pk in ids if pk in found]

    def _walk(self, need: int) -> list[int] | None:
        """The ids of the first `need` matches in display order, found window by window;
        None once WALK_LIMIT members were walked without finding them."""
        ids: list[int] = []
        low: str | None = None
        walked, size = 0, WALK_FIRST
        while walked < WALK_LIMIT:
            # The window: from `low` to the sort key `size` members further (excluded, so the
            # members who share it fall in the next window together), or to the end.
            window = (
                Member.objects.all() if low is None else Member.objects.filter(sort_key__gte=low)
            )
            keys = window.order_by("sort_key").values_list("sort_key", flat=True)
            high = next(iter(keys[size : size + 1]), None)
            if high is not None:
                window = window.filter(sort_key__lt=high)
            # The window's ids as a subquery: the database reads them from the sort key's index
            # and looks each one up, whatever it estimates of the search's other conditions.
            matches = self.members.filter(pk__in=window.values("pk")).values_list("pk", flat=True)
            ids.extend(matches[: need - len(ids)])
            if len(ids) >= need or high is None:
                return ids
            walked += size
            low, size = high, size * WALK_GROWTH
        return None


# --- one member -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HistoryEvent:
    """One event of a member's history, its details cut to what the reader may see."""

    kind: str
    effective_on: dt.date
    decided_on: dt.date | None
    decision: Decision | None
    unit: Unit | None
    other_unit: Unit | None
    details: dict[str, Any]

    @property
    def kind_label(self) -> str:
        try:
            return str(MemberEventKind(self.kind).label)
        except ValueError:
            return self.kind


@dataclasses.dataclass(frozen=True)
class MemberRecord:
    member: Member
    # National ID, ethnicity and religion; None when the reader may not see them.
    sensitive: dict[str, str] | None
    history: list[HistoryEvent]


def visible_details(kind: str, details: dict[str, Any], sensitive: bool) -> dict[str, Any]:
    """An event's details as a reader with (or without) the sensitive right may see them."""
    if sensitive:
        return dict(details)
    hidden = SENSITIVE_DETAILS | (EXEMPTION_GROUNDS if kind == MemberEventKind.EXEMPT else set())

    def cut(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items() if k not in hidden}
        if isinstance(value, list):
            return [cut(v) for v in value]
        return value

    cleaned: dict[str, Any] = cut(details)
    return cleaned


def member_history(member: Member, *, sensitive: bool) -> list[HistoryEvent]:
    """Every event of the member, oldest first (one query)."""
    events = (
        MemberEvent.objects.filter(member=member)
        .select_related("decision", "unit", "other_unit")
        .order_by("effective_on", "id")
    )
    return [
        HistoryEvent(
            kind=e.kind,
            effective_on=e.effective_on,
            decided_on=e.decided_on,
            decision=e.decision,
            unit=e.unit,
            other_unit=e.other_unit,
            details=visible_details(e.kind, e.details or {}, sensitive),
        )
        for e in events
    ]


def read_member(member: Member, *, sensitive: bool, reader: Any) -> MemberRecord:
    """The member with their history, as this reader may see them.

    Sensitive fields and health grounds only when `sensitive` (the scope's VIEW_SENSITIVE on the
    member); showing them is one `view_sensitive` audit entry per read (`reader`: the request,
    which gives the address, or the user).
    """
    if sensitive:
        record_sensitive_view(reader, member)
    return MemberRecord(
        member=member,
        sensitive=(
            {
                "national_id": member.national_id,
                "ethnicity": member.ethnicity,
                "religion": member.religion,
            }
            if sensitive
            else None
        ),
        history=member_history(member, sensitive=sensitive),
    )
