"""The member search's PostgreSQL shapes (coso.members.queries, helper `pg-search`): the trigram
index of the names (migration 0009, PostgreSQL only), the page walked in name order on the
member id (which member_name_order holds, so the walk can read that index alone), and a
subtree's count and sorted page from the name's matches and the id's apart. The members and
their order stay those of the plain query on both databases."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.authority.scope import Action, forget_scope, scope_of
from coso.core.dates import today
from coso.members import queries
from coso.members.models import Member
from coso.members.names import rebuild_name_words
from coso.members.operations import admit_member, record_death
from coso.members.queries import STATUS_ALL, find_members, search_members
from coso.units.models import UnitKind
from coso.units.operations import create_unit, dissolve_unit, move_unit
from tests.cast import ADMITTED, ROLES, START, Cast
from tests.web.test_member_list_bounded import SEARCHES, _bulk, _ids, named_member

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only"
)


@pytest.mark.parametrize("reader", ["admin", "officer", "committee", "secretary", "some"])
def test_found_pages_and_counts_are_those_of_the_plain_query(
    cast: Cast, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    u = cast.units
    _bulk([u["B"], u["B2"], u["G"], u["BC2"], u["QB"], None], 420, "BULK")
    # A member whose id is a word of other members' names: found by id and by name at once.
    Member.objects.filter(member_id="BULK-00000").update(member_id="lan")
    rebuild_name_words()
    if reader == "some":  # not the whole registry, and members without a home among them
        visible = Member.objects.exclude(member_id="BULK-00001")
    else:
        visible = scope_of(cast.user(reader)).members(Action.VIEW)
    searches = [*SEARCHES, {"text": "lan"}, {"text": "lan", "status": STATUS_ALL}]
    # Each cap with a scope's name counted from the index by word (every name of the cast is
    # rare) and without (RARE_LEAD -1: counted on the scope's own index entries).
    for cap, rare_lead in itertools.product((3, 40, 10_000), (-1, queries.RARE_LEAD)):
        monkeypatch.setattr(queries, "COUNT_CAP", cap)
        monkeypatch.setattr(queries, "SUBTREE_COUNT_CAP", cap)
        monkeypatch.setattr(queries, "RARE_LEAD", rare_lead)
        for search, unit in itertools.product(searches, [None, cast.C, cast.P]):
            every = _ids(search_members(visible, unit=unit, **search))
            found = find_members(visible, unit=unit, **search)
            assert found.count() == min(len(every), cap), (reader, search, unit, cap)
            assert found.exact == (len(every) <= cap)
            for start, stop in [(0, 25), (25, 50), (0, 7), (37, 62), (100, 125)]:
                page = _ids(find_members(visible, unit=unit, **search)[start:stop])
                assert page == every[start:stop], (reader, search, unit, cap, start)


def test_a_page_walked_on_postgresql_selects_what_the_name_order_index_holds(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the cap a page walks member_name_order: on PostgreSQL it selects the member id
    and tests the id as a column, both in that index (the row's `id` is not: an index-only scan
    is then impossible, and the walk read 2.1 million member rows for "hung" nationally)."""
    monkeypatch.setattr(queries, "SUBTREE_COUNT_CAP", 3)
    monkeypatch.setattr(queries, "MAX_FORMS", 0)  # no word leads a walk by word
    u = cast.units
    _bulk([u["B"], u["B2"]], 60, "WALK")
    officer = scope_of(cast.officer).members(Action.VIEW)
    found = find_members(officer, text="an")
    assert not found.exact
    with CaptureQueriesContext(connection) as captured:
        page = found[0:5]
    assert _ids(page) == _ids(search_members(officer, text="an")[0:5])
    # (after the look for the word's forms in the vocabulary, which finds too many)
    walk = next(q["sql"] for q in captured.captured_queries if "searchword" not in q["sql"])
    assert "ORDER BY" in walk, walk
    if connection.vendor == "postgresql":
        outer = walk.split(" WHERE ")[0]
        assert outer.startswith('SELECT "members_member"."member_id"'), walk
        assert '"members_member"."id"' not in walk, walk
        assert "INDEXED BY" not in walk
    else:
        assert 'INDEXED BY "member_name_order"' in walk


@postgresql_only
def test_the_migration_made_the_trigram_index_of_the_names() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'member_search_name_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition and "search_name" in definition


def _filler(n: int) -> None:
    """`n` members named from a few common words, as a registry is (many names, few words)."""
    words = ["Nguyễn", "Trần", "Lê", "Văn", "Thị", "Minh", "An", "Bình", "Lan", "Hoa"]
    rows = [
        named_member(f"FILL-{i:06d}", f"{a} {b} {c}", gender="male", status="official")
        for i, (a, b, c) in enumerate(
            itertools.islice(itertools.cycle(itertools.permutations(words, 3)), n)
        )
    ]
    Member.objects.bulk_create(rows)


@postgresql_only
@pytest.mark.django_db
def test_a_rare_name_is_counted_from_an_index_of_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name few members have is found through the index by word (its rarest word's rows),
    or, when no word of it can lead, through the trigram index: not by reading every member
    (a sequential scan, or a whole index of the names). On a table of a few rows every plan is
    as cheap as another: 20,000 other members and the table's statistics, as on a registry,
    let the cost decide."""
    _filler(20_000)
    rare = Member.objects.get(member_id="FILL-000000")
    Member.objects.filter(pk=rare.pk).update(
        full_name="Phan Quỳnh Xuyến", search_name="phan quynh xuyen"
    )
    rebuild_name_words()  # the names written outside the operations, into the index by word
    with connection.cursor() as cursor:
        # The rows just written wait in the GIN index's pending list (fastupdate), which
        # PostgreSQL costs as a scan of its own, as do dead entries left by earlier tests'
        # rolled-back writes: moved into the index, as a registry's are by autovacuum.
        cursor.execute("SELECT gin_clean_pending_list('member_search_name_trgm')")
        cursor.execute("ANALYZE members_member")
        cursor.execute("ANALYZE members_nameword")

    def plan_of_count(found: queries.MemberList) -> str:
        with CaptureQueriesContext(connection) as captured:
            assert found.count() == 1
        count = captured.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + count)
            return " ".join(str(row[0]) for row in cursor.fetchall())

    found = find_members(Member.objects.all(), text="quynh xuyen")
    plan = plan_of_count(found)
    assert "nameword_order" in plan and "Seq Scan" not in plan, plan
    assert _ids(found[0:25]) == [rare.member_id]
    monkeypatch.setattr(queries, "MAX_FORMS", 0)  # no word leads
    found = find_members(Member.objects.all(), text="quynh xuyen")
    assert "member_search_name_trgm" in plan_of_count(found)
    assert _ids(found[0:25]) == [rare.member_id]


@pytest.fixture
def gone_and_away(cast: Cast) -> Cast:
    """Beside the cast: GONE, a branch of C dissolved 10 days ago, home of a member who died
    before (the snapshot keeps that home); AWAY, a branch of C2 moved to QC 30 days ago, with
    a member; LATER, a branch of C created with a future date. Every member is named Hùng."""
    day = today()
    u = cast.units
    for code, parent in [("GONE", "C"), ("AWAY", "C2")]:
        u[code] = create_unit(
            code=code, name=f"Chi bộ {code}", kind=UnitKind.BRANCH, parent=u[parent], on=START
        )
    gone = admit_member(
        member_id="CAST-GONE",
        full_name="Tô Văn Hùng",
        gender="male",
        birth_date=dt.date(1970, 1, 1),
        branch=u["GONE"],
        admitted_on=ADMITTED,
    )
    admit_member(
        member_id="CAST-AWAY",
        full_name="Đỗ Văn Hùng",
        gender="male",
        birth_date=dt.date(1990, 1, 1),
        branch=u["AWAY"],
        admitted_on=ADMITTED,
    )
    record_death(gone, on=day - dt.timedelta(days=20))
    dissolve_unit(u["GONE"], on=day - dt.timedelta(days=10))
    move_unit(u["AWAY"], parent=u["QC"], on=day - dt.timedelta(days=30))
    create_unit(
        code="LATER", name="Chi bộ mới", kind=UnitKind.BRANCH, parent=u["C"], on=day + _TEN_DAYS
    )
    _bulk([u["B"], u["QB"]], 30, "HUNG")
    for name in ROLES:
        forget_scope(cast.user(name))
    return cast


_TEN_DAYS = dt.timedelta(days=10)


@pytest.mark.parametrize("reader", ["officer", "committee", "secretary", "outsider", "member"])
def test_members_at_home_in_an_ended_unit_are_found_as_the_scope_says(
    gone_and_away: Cast, reader: str
) -> None:
    """The scope's members on PostgreSQL (the spans in scope, each unit probed only for a span
    not valid today: `Scope.unit_ids`) are those `can_member` admits one by one: the member
    at home in the dissolved branch GONE is found by the officer of P and the committee of C,
    the member of the branch moved out of P (AWAY) by the officer of Q only."""
    scope = scope_of(gone_and_away.user(reader))
    visible = scope.members(Action.VIEW)
    # The scope's answer member by member (from the member's home: a few index probes).
    seen = {m.pk for m in Member.objects.all() if scope.can_member(Action.VIEW, m)}
    assert set(visible.values_list("pk", flat=True)) == seen
    reference = Member.objects.filter(pk__in=seen)
    found = find_members(visible, text="hung", status=STATUS_ALL)
    every = _ids(search_members(reference, text="hung", status=STATUS_ALL))
    assert found.count() == len(every) and _ids(found[0:25]) == every[:25]
    expected = {
        "officer": {"CAST-GONE"},
        "committee": {"CAST-GONE"},
        "secretary": set(),
        "outsider": {"CAST-AWAY"},
        "member": set(),
    }[reader]
    assert {"CAST-GONE", "CAST-AWAY"} & set(every) == expected, every


@pytest.mark.parametrize("reader", ["officer", "committee"])
def test_a_subtree_scope_does_not_join_the_units_on_postgresql(
    gone_and_away: Cast, reader: str
) -> None:
    """On PostgreSQL a subtree's members are those at home in a unit of its spans, read by the
    path index: the spans joined to their units (the scope's `units`, inside a semi-join over
    units_unit) made PostgreSQL hash every unit of the country twice (a parallel hash join,
    ≈100 ms per query for a province). The units are only probed by primary key, one probe
    for each span not valid today. SQLite keeps the semi-join of `units`."""
    scope = scope_of(gone_and_away.user(reader))
    sql = str(scope.members(Action.VIEW).query)
    if connection.vendor == "postgresql":
        assert 'JOIN "units_unit"' not in sql, sql
        assert '"units_unit"."id"' not in sql, sql
        assert sql.count('FROM "units_unitspan"') == 1, sql
        # The probes of the unit's end and start, by its primary key.
        assert sql.count('FROM "units_unit" ') == 2, sql
        assert 'WHERE U0."id" = (V0."unit_id")' in sql, sql
    else:
        assert 'INNER JOIN "units_unit"' in sql, sql


@postgresql_only
def test_a_subtree_page_sorts_the_matches_its_count_read(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within a subtree the count reads the name's matches in display order (their ids and
    places in it, which the index by home holds, sorted in the same statement) and a page is
    cut from them: the name is not tested on every index entry of the subtree again (a
    province's 160,000: 60-170 ms each time on the national dataset), no match's row is read
    by its keys (58 ms for a province's 6,745 "nguyen van an"), and no page walks the index by
    word. Same members, same order as the plain query."""
    monkeypatch.setattr(queries, "RARE_LEAD", -1)  # not counted as a rare name
    u = cast.units
    _bulk([u["B"], u["B2"], u["G"]], 60, "BULK")
    rebuild_name_words()
    visible = scope_of(cast.user("officer")).members(Action.VIEW)
    for text in ("van", "nguyen van"):
        # The test of the name's first word: within NOT (…) it is the id's part, one probe.
        name_test = f""""members_member"."search_name"::text LIKE '%{text.split()[0]}%'"""
        found = find_members(visible, text=text)
        with CaptureQueriesContext(connection) as captured:
            found.count()
            page = _ids(found[0:25])
            second = _ids(found[25:50])
        every = _ids(search_members(visible, text=text))
        assert (page, second) == (every[:25], every[25:50]), text
        sqls = [q["sql"] for q in captured.captured_queries]
        tests = sum(sql.count(name_test) - sql.count(f"NOT ({name_test}") for sql in sqls)
        assert tests == 1, sqls
        assert not any("members_nameword" in sql for sql in sqls), sqls
        # The count's units as an array: the index by home, never the trigram index; its
        # matches sorted by the database.
        count = next(sql for sql in sqls if name_test in sql)
        assert count.endswith("ORDER BY 2, 3"), count
        # (The id's part, after UNION ALL, is one probe of the unique index of the ids.)
        by_name = count.split("UNION ALL")[0]
        assert '"members_member"."home_unit_id" = ANY(ARRAY(SELECT' in by_name, count
        assert '"members_member"."home_unit_id" IN (' not in by_name, count
        # Of the members: the count and each page's rows (none for an empty page).
        members = [sql for sql in sqls if "members_member" in sql]
        assert len(members) == 1 + bool(page) + bool(second), sqls
    # Read from the index by home alone: it holds every column the count reads.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('member_home_status_name'::regclass)")
        assert "INCLUDE (sort_key, member_id, id)" in cursor.fetchone()[0]


def test_homes_as_array_rewrites_each_semi_join_by_home_and_nothing_else() -> None:
    member = '"members_member"."home_unit_id"'
    scope = 'SELECT V0."unit_id" FROM "units_unitspan" V0 WHERE (V0."path" >= %s AND (V0."x" = (SELECT 1)))'
    unit = 'SELECT U0."unit_id" FROM "units_unitspan" U0 WHERE U0."path" < %s'
    sql = (
        f'SELECT * FROM "members_member" WHERE ({member} IN ({scope}) AND {member} IN ({unit})'
        f' AND {member} IN (%s, %s) AND "members_member"."status" IN (%s))'
    )
    assert queries._homes_as_array(sql) == (
        f'SELECT * FROM "members_member" WHERE ({member} = ANY(ARRAY({scope}))'
        f" AND {member} = ANY(ARRAY({unit}))"
        f' AND {member} IN (%s, %s) AND "members_member"."status" IN (%s))'
    )
    assert queries._homes_as_array("SELECT 1") == "SELECT 1"


@postgresql_only
def test_the_migration_has_autovacuum_keep_the_name_indexes_index_only() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class"
            " WHERE relname IN ('members_member', 'members_nameword')"
        )
        options = dict(cursor.fetchall())
    for table in ("members_member", "members_nameword"):
        assert "autovacuum_vacuum_insert_scale_factor=0.01" in options[table], options
        assert "autovacuum_vacuum_scale_factor=0.01" in options[table], options
