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
import functools
import math
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, overload

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import In, IsNull
from django.db.models.sql.query import Query
from django.utils.translation import gettext_lazy

from coso.audit.log import record_sensitive_view
from coso.core.dates import today
from coso.core.models import Decision
from coso.members.models import (
    IN_PARTY,
    CorrectableField,
    Member,
    MemberCorrection,
    MemberEvent,
    MemberEventKind,
    NameWord,
    Position,
    PositionRole,
    SearchWord,
)
from coso.members.operations import fold, shown_value
from coso.units.models import Unit, UnitSpan
from coso.units.queries import spans_outside, subtree_spans

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
    return _search(
        visible, text=text, unit=unit, status=status, exempt=exempt, in_transit=in_transit
    ).members


@dataclasses.dataclass(frozen=True)
class _Search:
    """A search as one query (`members`) and, when it has words, as its two parts: the members
    whose name has every word (`by_name`) and the member with that id whose name has not
    (`by_id_only`): the same members, counted apart (MemberList._count on PostgreSQL)."""

    members: QuerySet[Member]
    by_name: QuerySet[Member] | None = None
    by_id_only: QuerySet[Member] | None = None
    # The folded words and the text as typed (the id it may be), for MemberList._by_words.
    words: tuple[str, ...] = ()
    text: str = ""
    # The search without its text (MemberList._count_rare_name).
    untyped: QuerySet[Member] | None = None


def _search(
    visible: QuerySet[Member],
    *,
    text: str,
    unit: Unit | None,
    status: str,
    exempt: bool | None,
    in_transit: bool | None,
) -> _Search:
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
            return _Search(members.none())
        if span.parent_id is None and not spans_outside(span.path, on=day):
            # The only root today: its subtree is every unit that exists today, so the members
            # at home in one, without a semi-join over them all (386,729 units nationally):
            # not those at home in a unit ended or not yet created (7,437).
            gone = Unit.objects.filter(Q(valid_to__lte=day) | Q(valid_from__gt=day))
            members = members.filter(home_unit__isnull=False).exclude(
                home_unit__in=gone.values("pk")
            )
        else:
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
    ordered = members.select_related("home_unit").order_by("sort_key", "member_id")
    if not words:
        return _Search(ordered)
    by_name = Q()
    for word in words:
        by_name &= Q(search_name__contains=word)
    if connection.vendor == "postgresql":
        # The id as a column: member_name_order holds it, so a page walked in name order reads
        # that index alone (an index-only scan; `id`, which no index but the primary key
        # holds, would send it to every row it passes), and the trigram index of the name and
        # the unique index of the id answer the OR together (a BitmapOr).
        by_id = Q(member_id=text)
    else:
        # The id as a subquery (read once through its unique index) rather than a column of
        # each row: the name test alone then reads nothing but the name indexes.
        by_id = Q(pk__in=Member.objects.filter(member_id=text).values("pk"))
    return _Search(
        ordered.filter(by_name | by_id),
        by_name=members.filter(by_name),
        by_id_only=members.filter(member_id=text).exclude(by_name),
        words=tuple(words),
        text=text,
        untyped=members,
    )


def find_members(
    visible: QuerySet[Member],
    *,
    text: str = "",
    unit: Unit | None = None,
    status: str = STATUS_ACTIVE,
    exempt: bool | None = None,
    in_transit: bool | None = None,
) -> MemberList:
    """`search_members` for a list of pages (the member page's and the API's): a bounded count
    and pages that do not sort every match (MemberList)."""
    search = _search(
        visible, text=text, unit=unit, status=status, exempt=exempt, in_transit=in_transit
    )
    whole = unit is None and _whole_registry(visible)
    # Not for a scope "subtree OR own record" (a branch secretary's: its few members are
    # found by id), nor for the flags, which that index does not hold.
    # Nor for a scope naming its members by record (a member's own: `id = …`), which the
    # primary key finds at once: told to take the index by home, SQLite read all of it
    # (6.8 million entries, 270-440 ms nationally, to count a member's own record).
    by_home = (
        visible.query.where.connector != "OR"
        and exempt is None
        and in_transit is None
        and not _by_record(visible)
    )
    parts = None
    homed = unit is not None or _homes_only(visible)
    if by_home and not whole and homed and search.by_name is not None:
        # Within a subtree (every member at home in one of its units): see MemberList.
        assert search.by_id_only is not None
        parts = (search.by_name, search.by_id_only)
    return MemberList(
        search.members,
        cap=COUNT_CAP if whole else SUBTREE_COUNT_CAP,
        by_home=by_home,
        whole=whole,
        parts=parts,
        words=search.words,
        text=search.text,
        untyped=search.untyped,
    )


def _whole_registry(visible: QuerySet[Member]) -> bool:
    """Whether `visible` is every member (the administrator's) or every member with a home
    (a scope covering every unit: coso.authority.scope.Scope.covers_everything)."""
    where = visible.query.where
    if not where.children:
        return True
    if where.connector != "AND" or where.negated or len(where.children) != 1:
        return False
    condition = where.children[0]
    return (
        isinstance(condition, IsNull)
        and condition.rhs is False
        and getattr(condition.lhs, "target", None) == Member._meta.get_field("home_unit")
    )


def _by_record(visible: QuerySet[Member]) -> bool:
    """Whether `visible` has a condition on the members' primary key (a member's own record)."""
    pk = Member._meta.pk
    return any(
        getattr(getattr(condition, "lhs", None), "target", None) == pk
        for condition in visible.query.where.children
    )


def _homes_only(visible: QuerySet[Member]) -> bool:
    """Whether `visible` keeps only members with a home: a home in a set of units (a scope's
    subtree, coso.authority.scope.Scope.members) or any home."""
    return any(
        (isinstance(condition, IsNull) and condition.rhs is False) or isinstance(condition, In)
        for condition in _home_conditions(visible)
    )


def _home_conditions(members: QuerySet[Member]) -> list[Any]:
    """The conditions of `members` on the home, when every condition of it must hold (none
    when they are alternatives, or negated)."""
    where = members.query.where
    if where.connector != "AND" or where.negated:
        return []
    home = Member._meta.get_field("home_unit")
    return [
        condition
        for condition in where.children
        if getattr(getattr(condition, "lhs", None), "target", None) == home
    ]


# Lists count their matches up to this many, then say "more than" (and the pages stop there).
# Counting every "nguyen van an" in the country read 6.8 million index entries for a figure
# nobody pages through; bounded, the count stops at its cap + 1st match: about 23,000 entries
# for that search of the whole registry (10,000 would read ten times as many, 130-280 ms
# nationally, and 2.7 s for a search as sparse as "tran thi yen"). Within a subtree the count
# reads only the subtree's index entries (a province's 160,000 at most), and up to its higher
# cap it also tells whether sorting the matches beats walking the name order, which a name
# gathered late in the alphabet ("hung": 5,453 in a province) makes long. On PostgreSQL the
# count of a subtree reads its matches in display order, and the pages are cut from them:
# at 10,000 a province's 12,316 "hoa" were counted to the cap (61 ms) and then walked by word
# (82 ms); at 20,000 they are read and sorted at once (77 ms), and its 16,289 "van" as well.
COUNT_CAP = 1_000
SUBTREE_COUNT_CAP = 20_000
# A word of a search leads the walk on NameWord (MemberList._by_words) when at most this many
# words of the vocabulary contain it; within a subtree (the count exact) when the walk should
# pass at most WALK_BUDGET rows to the page's last match.
MAX_FORMS = 8
WALK_BUDGET = 5_000
# On SQLite the sort instead reads every index entry of the subtree again (a province's
# 160,000: 100-110 ms nationally), where PostgreSQL sorts the keys its count read: there a walk
# may pass three times the rows (15,000, 30-40 ms). Measured: a province's API page of 50
# "nguyen van an", 5,400 rows to walk, 183 -> 31-33 ms; a commune's searches unchanged (its
# matches are too few for a walk to be short).
SQLITE_WALK_FACTOR = 3
# A search by words short of the whole registry is counted on the index by word when its name
# is rare in the country: every member of the country having its words at most RARE_NAME, its
# lead's rows (SearchWord) at most RARE_LEAD_SMALL, or at most RARE_LEAD when the scope is not
# small: at least a unit for every LEAD_ROWS_PER_UNIT of them, or LARGE_SCOPE units
# (MemberList._count_rare_name). A lead row costs about a third of a scope's member counted by
# home (national PostgreSQL, warm: the 223,013 "manh" rows 36 ms, a province's 152,816 members
# 90-110 ms), and a scope has 14-16 members a unit (province 44: 10,649 units; commune 19111:
# 97), so a unit is worth about 40 lead rows. A scope's units are counted up to LARGE_SCOPE,
# where its count by home costs what a lead read does (1 ms for the commune, 6-7 ms for the
# province, most of it reading the province's spans by path: the count by home reads them too).
RARE_LEAD_SMALL = 20_000
RARE_LEAD = 200_000
LEAD_ROWS_PER_UNIT = 40
LARGE_SCOPE = 1_000
RARE_NAME = 2_000
# The index that holds the members in display order with every column the search tests.
NAME_ORDER_INDEX = "member_name_order"
# The index by home, status and name: in the order of homes, which has nothing to do with names,
# so the matches of any search are spread evenly along it (see MemberList.count).
HOME_ORDER_INDEX = "member_home_status_name"


class MemberList:
    """What `search_members` finds, for a paginator: a count bounded by `cap`, and pages that do
    not sort every match.

    `count()` is exact up to `cap`, else `cap` (and `exact` is False). Up to the cap a page is
    the plain query's slice (the database finds the few matches by name, unit and status, and
    sorts them). Beyond it the matches are common, so a page walks the members in display order
    on the name-order index, which holds every column the search tests, and stops at the page's
    last match: no member row is read but the page's, whatever the number of matches. SQLite
    is told to take that index (it would rather sort every match found by the unit or status
    indexes). Same members, same order.

    PostgreSQL (no INDEXED BY, plans by cost) gets the same plans by the shape of its queries:
    the count of a search by words counts the name's matches and the id's apart (`parts`,
    from `find_members`), each from an index alone; up to the cap a page sorts the matches
    found without an ORDER BY (`_sorted`: else it walks the name order, trusting its estimate
    of the matches, 58,598 for the 5,453 "hung" of a province); beyond it a page walks the
    name-order index selecting the member id it holds, an index-only scan (`_walk`).
    """

    def __init__(
        self,
        members: QuerySet[Member],
        *,
        cap: int | None = None,
        by_home: bool = False,
        whole: bool = False,
        parts: tuple[QuerySet[Member], QuerySet[Member]] | None = None,
        words: Sequence[str] = (),
        text: str = "",
        untyped: QuerySet[Member] | None = None,
    ) -> None:
        self.members = members
        self.cap = COUNT_CAP if cap is None else cap
        # Whether the count may be told to read the index by home (see _count).
        self.by_home = by_home
        # Whether `members` is a search of the whole registry (no subtree): its count by words
        # reads the index by word (_count_by_words).
        self.whole = whole
        # `members` as the matches of the name and the member of the id whose name does not
        # match (_Search), for a search by words within a subtree whose every condition but
        # the id's is on the home (not null), the status and the name: counted and sorted
        # apart on PostgreSQL.
        self.parts = parts
        # `members` as a search by these folded words (every one in the name) or the member
        # whose id is `text`: its long pages are walked on NameWord (_by_words).
        self.words = tuple(words)
        self.text = text
        # `members` without the test of the text: the members the rare name's matches are
        # kept from (_count_rare_name).
        self.untyped = untyped
        self._found: int | None = None
        # Every match in display order (their ids), read by a count by words or of `parts`
        # that found at most `cap` of them: the pages are cut from it.
        self._matched: list[int] | None = None
        # The first matches in display order (their ids), read by a count by words that found
        # more than `cap`: the pages within them are cut from them too.
        self._leading: list[int] = []

    def count(self) -> int:
        if self._found is None:
            self._found = self._count()
        return min(self._found, self.cap)

    def _count(self) -> int:
        """The matches, counted up to cap + 1."""
        if self.whole and self.words:
            found = self._count_by_words()
            if found is not None:
                return found
        elif self.words:
            found = self._count_rare_name()
            if found is not None:
                return found
        members = self.members.order_by()
        if connection.vendor == "postgresql" and self.parts is not None:
            # "name OR id" tests the id, which neither index by home or status holds: every
            # index entry would send PostgreSQL to its row (195,000 rows for "hung" in a
            # province). Apart, the name's matches are counted from the index by home alone
            # (_homes_as_array; a rare name was counted by word above) and the id is one probe
            # of its unique index.
            # The matches are read, not only counted: their ids in display order (the index by
            # home holds each member's place in it: INCLUDE), sorted by the database in the
            # same statement, and the pages are cut from them (_matched). Neither the subtree's
            # index entries (a province's 160,000: 60-170 ms) nor the matches' rows (by their
            # keys: 58 ms for a province's 6,745 "nguyen van an") are read again for a page,
            # and no page walks the index by word (39 ms for its 5,453 "hung"); the sort
            # costs 1-9 ms. At most cap + 1 short rows, whatever the size of the tree.
            by_name, by_id_only = self.parts
            columns = ("pk", "sort_key", "member_id")
            name_sql, name_params = (
                by_name.order_by().values_list(*columns)[: self.cap + 1].query.sql_with_params()
            )
            id_sql, id_params = by_id_only.order_by().values_list(*columns).query.sql_with_params()
            matched, read = self._read_matches(
                f"({_homes_as_array(name_sql)}) UNION ALL ({id_sql})",
                [*name_params, *id_params],
                using=by_name.db,
            )
            if read > self.cap:
                return self.cap + 1
            self._matched = matched
            return len(matched)
        if connection.vendor != "sqlite" or not self.by_home:
            return members.values("pk")[: self.cap + 1].count()
        sql, _ = members.values_list("pk").query.sql_with_params()
        # The count stops at its cap + 1st match, so what it costs is how far it reads to find
        # them. In name order (the status-and-name index SQLite takes for a search of the whole
        # registry) the matches of "nguyen van an" all come after every family name in a..n:
        # half the country. In the order of homes the matches of any search are spread evenly,
        # and that index holds every column tested (`by_home`: not the flags). Members
        # without a home (1.2 million who left, nationally) come first in it: they are counted
        # on their own (a seek on the null home and the statuses asked), so a search of the
        # registry does not read through them all before its first member with a home.
        parts = [members]
        if '"home_unit_id"' not in sql:
            parts = [
                members.filter(home_unit__isnull=True),
                members.filter(home_unit__isnull=False),
            ]
        selects: list[str] = []
        params: list[Any] = []
        for part in parts:
            part_sql, part_params = part.values_list("pk", flat=True)[
                : self.cap + 1
            ].query.sql_with_params()
            selects.append(f"(SELECT COUNT(*) FROM ({_on_index(part_sql, HOME_ORDER_INDEX)}))")
            params.extend(part_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + " + ".join(selects), params)
            return int(cursor.fetchone()[0])

    @property
    def exact(self) -> bool:
        """Whether `count()` is every match (False: there are more than `cap`)."""
        return self.count() == self._found

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
        if index.stop is None or connection.vendor not in ("sqlite", "postgresql"):
            return list(self.members[index])
        start, stop = index.start or 0, index.stop
        if stop <= start:
            return []  # (a paginator's page of nothing)
        if self.words:
            exact = self.exact  # (the count first: it may have read every match)
            if self._matched is not None:
                return self._rows("pk", self._matched[start:stop])
            if stop <= len(self._leading):
                return self._rows("pk", self._leading[start:stop])
            found = self._by_words(start, stop, None if not exact else self.count())
            if found is not None:
                return self._rows("pk", found)
        if connection.vendor == "sqlite":
            if self.exact:
                return list(self.members[index])
            return self._rows("pk", self._walk(start, stop))
        if self.exact:
            return self._rows("pk", self._sorted(start, stop))
        return self._rows("member_id", self._walk(start, stop))

    def _rows(self, key: str, keys: list[Any]) -> list[Member]:
        """The members whose `key` (pk or member_id) is in `keys`, in that order."""
        rows = Member.objects.filter(**{f"{key}__in": keys}).select_related("home_unit")
        found = {getattr(m, key): m for m in rows}
        return [found[k] for k in keys if k in found]

    @functools.cached_property
    def _lead(self) -> list[tuple[str, int]] | None:
        """The words of the vocabulary (SearchWord) containing the search word that leads a
        walk by word, with their members at the last count; None when no word of the search
        can lead (each is in more than MAX_FORMS words: "a" is in most names).

        Every match has each word of the search in a word of its name, so the members whose
        name has a word containing one of them (its "forms": "hung" for "hung", "lan", "tuan"
        and more for "an") hold every match, in display order within each form. The word whose
        forms have the fewest members leads; of equals, the last typed: a name is typed given
        name last, and the given name leads the display order, so its rows' matches come at
        once."""
        forms: list[list[tuple[str, int]]] = []
        for word in self.words:
            found = list(
                SearchWord.objects.filter(word__contains=word)
                .order_by("word")
                .values_list("word", "members")[: MAX_FORMS + 1]
            )
            if len(found) <= MAX_FORMS:
                forms.append(found)
        if not forms:
            return None
        return min(reversed(forms), key=lambda f: sum(n for _w, n in f))

    def _word_parts(self, lead: list[tuple[str, int]], limit: int) -> tuple[list[str], list[Any]]:
        """SELECTs of (member pk, sort key, member id) of the matches: for each form of the
        lead its rows in display order, the other words tested on the rows (which hold the
        folded name), then the whole search on the member by its primary key, at most `limit`
        a form; and the member whose id was typed."""
        match = self.members.order_by().filter(pk=OuterRef("member_id"))
        parts: list[str] = []
        params: list[Any] = []
        by_id = self.members.order_by().filter(member_id=self.text)
        sql, part_params = by_id.values_list("pk", "sort_key", "member_id").query.sql_with_params()
        parts.append(sql)
        params.extend(part_params)
        for form, _n in lead:
            rows = (
                NameWord.objects.filter(word=form)
                .filter(*(Q(search_name__contains=word) for word in self.words))
                # The whole search on the row's member as a scalar subquery, tested row by row
                # in the walk's order: as EXISTS, PostgreSQL turns it into a join and finds
                # every member of the search first (191,000 "hung" by the trigram index for a
                # province, 0.4-10 s).
                .alias(found=Subquery(match.values("pk")[:1]))
                .filter(found__isnull=False)
                .order_by("sort_key", "number")
                .values_list("member_id", "sort_key", "number")[:limit]
            )
            sql, part_params = rows.query.sql_with_params()
            parts.append(f"SELECT * FROM ({sql}) AS form{len(parts)}")
            params.extend(part_params)
        return parts, params

    def _count_by_words(self) -> int | None:
        """The matches of a search of the whole registry by words, counted up to cap + 1 on
        the index by word (NameWord), or None when no word can lead (_lead).

        The lead's rows are read up to cap + 1 matches in all: a common name stops there, and
        a rare one ("do thi loan", 203 in the country) reads the rows of its rarest word only
        (61,766 "loan"), where the index by home or name (SQLite) read every member (6.8
        million entries, 1.2 s) and the trigram index (PostgreSQL) every member with the
        common word of a search ("van" of "le van": 731,000 entries, 170-270 ms). When all
        the matches were read (at most `cap`), they are kept in display order and the pages
        are cut from them (_matched).

        The forms' rows are merged in display order (each form is read in it), so the cap + 1
        rows read are the first matches of the list: of a common name, the pages within them
        are cut from them too (_leading), not walked on the index by word again (a second
        statement as long as the count: "nguyen cong vu" in the country, PostgreSQL, 39 ms
        and 50 ms for its first page, now 46 ms in all)."""
        lead = self._lead
        if lead is None:
            return None
        limit = self.cap + 1
        parts, params = self._word_parts(lead, limit)
        union = " UNION ALL ".join(parts)
        # PostgreSQL merges the forms as they are read (Merge Append) and stops at the limit;
        # SQLite reads each form to its own limit before merging them (a temporary B-tree a
        # form: up to MAX_FORMS times the rows), so it merges only a lead of one form.
        in_order = connection.vendor == "postgresql" or len(lead) == 1
        order = "ORDER BY 2, 3" if in_order else ""
        matched, read = self._read_matches(
            f"SELECT * FROM ({union}) AS found {order} LIMIT %s", [*params, limit]
        )
        if read < limit:
            # Every match read; a member with two words containing the lead (a "hung" who is
            # also a "nhung") was read once for each, and is counted once.
            self._matched = matched
            return len(matched)
        if in_order:
            # The first matches: a member read twice has the same place in both forms (their
            # rows are next to each other), so no match before the last one read is missing.
            self._leading = matched
        if len(matched) == read:
            return limit
        # cap + 1 rows, some of them the same member's: read again, each form up to cap + 1
        # (one form with that many matches is enough), without the cap on them all.
        matched, _read = self._read_matches(f"SELECT * FROM ({union}) AS found", params)
        if len(matched) <= self.cap:
            self._matched = matched
            return len(matched)
        return limit

    def _count_rare_name(self) -> int | None:
        """The matches of a search by words within a part of the registry (a subtree, a
        secretary's scope), when the name is rare in the country: or None, and the caller
        counts on the part's own index entries.

        The members of the country whose name has every word are read from the index by word
        alone (the lead's rows, at most RARE_LEAD, the other words tested on them) up to
        RARE_NAME + 1; if they are at most RARE_NAME, those of them the search keeps are the
        matches, read in display order (with the member whose id was typed), and the pages are
        cut from them (_matched). Nationally a province's "nguyen minh trang" (1,663 in the
        country, 48 in the province) was counted on the province's 160,000 index entries by
        home (SQLite, 60 ms, then 85 ms for its page) or through the trigram index, whose
        posting lists of "ngu", "min", "ran"… hold millions of names (PostgreSQL, 175-190 ms);
        its lead "trang" has 61,222 rows. A small scope's few members cost less by home: a lead of
        more than RARE_LEAD_SMALL rows is read only for a scope of at least one unit for every
        LEAD_ROWS_PER_UNIT of them (_units_at_least): a commune's "vo manh quan" took 26 ms by
        word ("manh": 223,013 rows), 2 ms by home."""
        lead = self._lead
        if self.untyped is None or lead is None:
            return None
        rows = sum(n for _w, n in lead)
        if rows > RARE_LEAD:
            return None
        needed = min(math.ceil(rows / LEAD_ROWS_PER_UNIT), LARGE_SCOPE)
        if rows > RARE_LEAD_SMALL and not self._units_at_least(needed):
            return None
        named = list(
            NameWord.objects.filter(word__in=[form for form, _n in lead])
            .filter(*(Q(search_name__contains=word) for word in self.words))
            .values_list("member_id", flat=True)[: RARE_NAME + 1]
        )
        if len(named) > RARE_NAME:
            return None
        found = {*named, *Member.objects.filter(member_id=self.text).values_list("pk", flat=True)}
        if not found:
            self._matched = []
            return 0
        # Kept from the search without its text, by primary key alone: with the name tested
        # again PostgreSQL takes the trigram index (the 175 ms above), with the id as "OR
        # member_id = …" SQLite reads the row of every member of the scope (440 ms).
        kept = (
            self.untyped.order_by().filter(pk__in=found).values_list("pk", "sort_key", "member_id")
        )
        sql, params = kept.query.sql_with_params()
        if connection.vendor == "sqlite":
            # Else it tests the ids on the scope's index entries by home (70 ms for a
            # province), not by looking them up (20-25 ms).
            sql = _on_index(sql, None)
        self._matched, _read = self._read_matches(sql, params)
        return len(self._matched)

    def _units_at_least(self, needed: int) -> bool:
        """Whether the search keeps members at home in at least `needed` units: each of its
        conditions on the home (the scope's units, the unit asked for) has that many, counted
        up to `needed` (a commune's 97: 1 ms). Without such a condition, every member with a
        home (a scope covering every unit, the only root asked for) is the largest scope: True;
        any other (a secretary's scope "subtree or own record", a member's own) is small."""
        assert self.untyped is not None
        on_home = _home_conditions(self.untyped)
        units = [c.rhs for c in on_home if isinstance(c, In) and isinstance(c.rhs, Query)]
        if not units:
            return any(isinstance(c, IsNull) and c.rhs is False for c in on_home)
        return all(
            QuerySet(model=query.model, query=query.clone(), using=self.untyped.db)[:needed].count()
            >= needed
            for query in units
        )

    def _read_matches(
        self, sql: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS
    ) -> tuple[list[int], int]:
        """The distinct member ids of rows (pk, sort key, member id) in display order, and the
        number of rows read."""
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) AS read ORDER BY 2, 3", params)
            ids = [row[0] for row in cursor.fetchall()]
        return list(dict.fromkeys(ids)), len(ids)

    def _by_words(self, start: int, stop: int, matches: int | None) -> list[int] | None:
        """The ids of matches `start`..`stop` - 1 in display order, from the index by word
        (NameWord), or None when no word of the search can lead it (_lead).

        The form rows of the lead are walked form by form in display order (_word_parts), up to
        `stop` matches a form; the forms' matches and the member whose id was typed are merged
        and the page cut from them. If no word can lead, the caller walks the name order
        instead (_walk).

        With `matches` (the exact count, a search within a subtree) the walk is taken only if
        it should pass at most WALK_BUDGET rows: `stop` matches, spread over the lead's rows as
        the matches are (a province's 5,453 "hung" among the country's 200,000: about 900
        rows for the first page), else None and the caller sorts the matches."""
        lead = self._lead
        if lead is None:
            return None
        budget = WALK_BUDGET * (SQLITE_WALK_FACTOR if connection.vendor == "sqlite" else 1)
        if matches is not None and stop * sum(n for _w, n in lead) > budget * matches:
            # Few matches among the rows (a commune's "hung" among the country's): sorting
            # them (the caller) reads less than walking the rows to the page's last.
            return None
        parts, params = self._word_parts(lead, stop)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM ({' UNION '.join(parts)}) AS found ORDER BY 2, 3"
                " LIMIT %s OFFSET %s",
                [*params, max(stop - start, 0), start],
            )
            return [row[0] for row in cursor.fetchall()]

    def _walk(self, start: int, stop: int) -> list[Any]:
        """Matches `start`..`stop` - 1 in display order, from the name-order index: their ids on
        SQLite (told to take the index), their member ids on PostgreSQL (which that index holds:
        the walk reads the index alone, no member row, when the visibility map allows)."""
        column = "pk" if connection.vendor == "sqlite" else "member_id"
        ids = self.members.values_list(column, flat=True)[start:stop]
        sql, params = ids.query.sql_with_params()
        if connection.vendor == "sqlite":
            sql = _on_index(sql, NAME_ORDER_INDEX)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def _sorted(self, start: int, stop: int) -> list[int]:
        """The ids of matches `start`..`stop` - 1 in display order, sorted after every match is
        found (PostgreSQL, up to the cap): the matches as a materialized CTE, which PostgreSQL
        plans without the ORDER BY and LIMIT (by home, by the trigram index), then sorts. (With
        `parts` the count read every match in display order: the pages are cut from them.)"""
        sql, params = (
            self.members.order_by().values_list("pk", "sort_key", "member_id").query
        ).sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH matches (pk, sort_key, member_id) AS MATERIALIZED ({sql}) "
                "SELECT pk FROM matches ORDER BY sort_key, member_id LIMIT %s OFFSET %s",
                [*params, max(stop - start, 0), start],
            )
            return [row[0] for row in cursor.fetchall()]


HOME_IN = f'"{Member._meta.db_table}"."home_unit_id" IN ('


def _homes_as_array(sql: str) -> str:
    """A PostgreSQL query of members whose home is in a subquery's units (`home_unit_id IN
    (SELECT …)`) with the units as an array instead (`= ANY(ARRAY(SELECT …))`): read by the
    index by home, one descent a unit.

    For a name that is not rare in the country (MemberList._count_rare_name declined) the
    planner took the trigram index, which reads the posting lists of millions of names and then
    every candidate's row: "nguyen van tu" for a province, 299,778 candidates (the 2-letter
    "tu" has no trigram), 560-680 ms. It costs the semi-join by home as the subquery's spans
    times a probe of the unit's members, the spans' filter costed at 226,000 (the planner's
    units, for 16 ms of work). As an array (an InitPlan, of a size the planner does not guess) the home path is the
    cheap one: 76-82 ms for the province's "nguyen van tu", "le the kim", "nguyen minh trang".
    The units are read inside the database as before: nothing in the statement grows with the
    tree. Parameters stay apart from the statement's text, so its parentheses are its own."""
    out: list[str] = []
    rest = sql
    while HOME_IN + "SELECT" in rest:
        start = rest.index(HOME_IN + "SELECT") + len(HOME_IN) - 1
        depth = 0
        for end in range(start, len(rest)):
            depth += {"(": 1, ")": -1}.get(rest[end], 0)
            if depth == 0:
                break
        head = rest[: start - len(" IN ")]
        out.append(f"{head} = ANY(ARRAY{rest[start : end + 1]})")
        rest = rest[end + 1 :]
    return "".join(out) + rest


def _on_index(sql: str, index: str | None) -> str:
    """A query of members told to read the member table through `index` (SQLite's INDEXED BY:
    an error, not a slow plan, if the index is missing), or by primary key or in full if None
    (NOT INDEXED). The outer query's table is its first FROM; subqueries come after it."""
    table = f' FROM "{Member._meta.db_table}" '
    assert sql.index(table) == sql.index(" FROM "), sql
    return sql.replace(
        table, f'{table}INDEXED BY "{index}" ' if index else f"{table}NOT INDEXED ", 1
    )


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
        if self.kind == CORRECTION:
            return str(CORRECTION_LABEL)
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
    """Every event of the member and every correction of their record, oldest first (two
    queries; on one day the events come before the corrections)."""
    events = (
        MemberEvent.objects.filter(member=member)
        .select_related("decision", "unit", "other_unit")
        .order_by("effective_on", "id")
    )
    history = [
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
    corrections = [
        HistoryEvent(
            kind=CORRECTION,
            effective_on=c.effective_on,
            decided_on=None,
            decision=None,
            unit=None,
            other_unit=None,
            details=c.as_details(),
        )
        for c in member_corrections(member, sensitive=sensitive)
    ]
    return sorted(history + corrections, key=lambda e: e.effective_on)


# --- corrections of the record (issue 13, point 1) --------------------------------------------

CORRECTION = "correction"  # the history's kind for a corrected field
CORRECTION_LABEL = gettext_lazy("Đính chính lý lịch")


@dataclasses.dataclass(frozen=True)
class Correction:
    """One corrected field as a reader may see it: the values of a sensitive field only for a
    reader allowed to see sensitive data (`hidden` otherwise)."""

    id: int
    field: str
    field_label: str
    old: str  # as shown: dd/mm/yyyy, a gender in words, "—" when empty
    new: str
    effective_on: dt.date
    reason: str
    sensitive: bool
    hidden: bool
    by: str
    at: dt.datetime

    def as_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {
            "field": self.field,
            "field_label": self.field_label,
            "reason": self.reason,
            "by": self.by,
            "sensitive": self.sensitive,
        }
        if not self.hidden:
            details.update(old=self.old, new=self.new)
        return details


def member_corrections(
    member: Member, *, sensitive: bool, batch: uuid.UUID | None = None
) -> list[Correction]:
    """The corrections of a member's record (those made together as `batch`), oldest first
    (one query)."""
    rows = MemberCorrection.objects.filter(member=member).order_by("effective_on", "id")
    if batch is not None:
        rows = rows.filter(batch=batch)
    found = []
    for row in rows:
        hidden = row.sensitive and not sensitive
        found.append(
            Correction(
                id=row.pk,
                field=row.field,
                field_label=str(CorrectableField(row.field).label),
                old="" if hidden else shown_value(row.field, row.old_value),
                new="" if hidden else shown_value(row.field, row.new_value),
                effective_on=row.effective_on,
                reason=row.reason,
                sensitive=row.sensitive,
                hidden=hidden,
                by=row.recorded_by_name,
                at=row.recorded_at,
            )
        )
    return found


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


def head_of(unit: Unit, day: dt.date) -> Position | None:
    """Who signs for `unit` on `day`: its secretary, else a deputy secretary (one query)."""
    posts = Position.objects.filter(
        unit=unit,
        role__in=(PositionRole.SECRETARY, PositionRole.DEPUTY_SECRETARY),
        valid_from__lte=day,
        valid_to__gt=day,
    ).select_related("member")
    ranked = sorted(posts, key=lambda p: (p.role != PositionRole.SECRETARY, p.valid_from, p.pk))
    return ranked[0] if ranked else None
