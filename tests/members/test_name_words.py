"""The name search's index by word (coso.members.names, NameWord): written with every name a
write sets, and the long pages walked on it are those of the plain query (search_members,
sorted by sort key then member id), for every reader of the cast."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.authority.scope import Action, scope_of
from coso.members import queries
from coso.members.imports import import_members
from coso.members.models import Member, NameWord, SearchWord
from coso.members.names import (
    WORD_COLUMNS,
    count_search_words,
    rebuild_name_words,
    word_rows,
    write_name_words,
)
from coso.members.operations import (
    admit_member,
    correct_member_record,
    create_candidate,
)
from coso.members.queries import find_members, search_members
from tests.cast import Cast
from tests.web.test_member_list_bounded import SEARCHES, _bulk, _ids, named_member

Row = tuple[Any, ...]


def _stored() -> set[Row]:
    return set(NameWord.objects.values_list(*WORD_COLUMNS))


def _derived() -> set[Row]:
    return {
        row
        for member in Member.objects.values_list("pk", "member_id", "sort_key", "search_name")
        for row in word_rows(*member)
    }


def _assert_in_step() -> None:
    stored = _stored()
    assert stored == _derived()
    assert {w for _m, w, *_rest in stored} <= set(SearchWord.objects.values_list("word", flat=True))


def test_every_write_of_a_name_writes_its_words(cast: Cast, tmp_path: Path) -> None:
    # The cast's members were admitted through the operations.
    assert NameWord.objects.filter(member__member_id="CAST-B1").exists()
    _assert_in_step()
    create_candidate(
        member_id="CAND-W1",
        full_name="Hà Thị Xuyến",
        gender="female",
        birth_date=dt.date(1999, 4, 2),
        branch=cast.B,
    )
    _assert_in_step()
    # The candidate admitted under a corrected spelling: the old words go.
    admit_member(
        member_id="CAND-W1",
        full_name="Hà Thị Xuyên",
        gender="female",
        birth_date=dt.date(1999, 4, 2),
        branch=cast.B,
        admitted_on=dt.date(2024, 5, 10),
    )
    # Same folded words, another sort key (the tone): the rows follow it.
    admitted = Member.objects.get(member_id="CAND-W1")
    assert set(NameWord.objects.filter(member=admitted).values_list("sort_key", flat=True)) == {
        admitted.sort_key
    }
    _assert_in_step()
    member = Member.objects.get(member_id="CAST-B1")
    correct_member_record(
        member,
        changes={"full_name": "Phạm Đình Dũngg"},
        effective_on=dt.date(2024, 5, 2),
        reason="Sai chính tả khi nhập",
        actor=cast.secretary,
    )
    assert NameWord.objects.filter(member=member, word="dungg").exists()
    assert not NameWord.objects.filter(member=member, word="dung").exists()
    _assert_in_step()
    csv = tmp_path / "dang-vien.csv"
    csv.write_text(
        "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on\n"
        "IMP-W1,,Quách Văn Khuê,male,1990-01-01,B,2020-01-01,2021-01-01\n"
        "IMP-W2,,Lò Thị Én,female,1992-03-01,B2,2021-01-01,2022-01-01\n",
        encoding="utf-8",
    )
    import_members(csv, progress=False)
    assert set(
        NameWord.objects.filter(member__member_id="IMP-W2").values_list("word", flat=True)
    ) == {"lo", "thi", "en"}
    assert SearchWord.objects.filter(word="khue").exists()
    _assert_in_step()
    # Written again from the member table: the same rows, and every word counted.
    before = _stored()
    assert rebuild_name_words() == len(before)
    assert _stored() == before
    counted = dict(SearchWord.objects.values_list("word", "members"))
    assert counted["khue"] == 1 and counted["van"] == sum(w == "van" for _m, w, *_r in before)
    assert all(n == sum(w == word for _m, w, *_r in before) for word, n in counted.items())


def test_the_word_with_the_fewest_members_leads_the_walk(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bulk([cast.B, cast.B2], 420, "LEAD")  # 84 "nguyen", 70 "hung"
    assert "counted again" in count_search_words().replace("Đã đếm lại", "counted again")
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    everyone = Member.objects.all()
    with CaptureQueriesContext(connection) as captured:
        page = _ids(find_members(everyone, text="nguyen hung")[0:25])
    assert page == _ids(search_members(everyone, text="nguyen hung"))[:25]
    walk = next(q["sql"] for q in captured.captured_queries if "UNION" in q["sql"])
    assert "\"word\" = 'hung'" in walk and "\"word\" = 'nguyen'" not in walk, walk


@pytest.mark.parametrize("reader", ["admin", "officer", "committee", "secretary", "outsider"])
def test_long_pages_walked_by_word_are_those_of_the_plain_query(
    cast: Cast, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    u = cast.units
    _bulk([u["B"], u["B2"], u["G"], u["BC2"], u["QB"], None], 420, "BULK")
    # Found by its id among the many "hung" found by name.
    admit_member(
        member_id="hung",
        full_name="Lê Thị Cúc",
        gender="female",
        birth_date=dt.date(1990, 1, 2),
        branch=cast.B,
        admitted_on=dt.date(2024, 5, 10),
    )
    # Small caps: every search with more than three matches has its pages walked.
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    monkeypatch.setattr(queries, "SUBTREE_COUNT_CAP", 3)
    # And no name rare enough to be counted from the index by word within a scope (that
    # count reads every match, and the pages are cut from them: the test of a rare name
    # below). -1: the vocabulary's counts are not taken yet, every lead has 0 rows.
    monkeypatch.setattr(queries, "RARE_LEAD", -1)
    led = []
    by_words = queries.MemberList._by_words

    def spy(
        self: queries.MemberList, start: int, stop: int, matches: int | None
    ) -> list[int] | None:
        found = by_words(self, start, stop, matches)
        led.append(found is not None)
        return found

    monkeypatch.setattr(queries.MemberList, "_by_words", spy)
    visible = scope_of(cast.user(reader)).members(Action.VIEW)
    searches = [s for s in SEARCHES if s.get("text")] + [
        {"text": "hung nguyen"},
        {"text": "hun"},
        {"text": "BULK-00007"},
        {"text": "an", "status": "all"},
    ]
    for search, unit in itertools.product(searches, [None, cast.C, cast.P]):
        every = _ids(search_members(visible, unit=unit, **search))
        for start, stop in [(0, 25), (25, 50), (0, 7), (37, 62), (100, 125), (3, 4)]:
            page = _ids(find_members(visible, unit=unit, **search)[start:stop])
            assert page == every[start:stop], (reader, search, unit, start)
    # The index by word led the walks it could ("an" is in four words of these names).
    assert any(led)
    # Counted exactly (a subtree's few matches): walked by word only within the budget.
    count_search_words()
    monkeypatch.setattr(queries, "COUNT_CAP", 10_000)
    monkeypatch.setattr(queries, "SUBTREE_COUNT_CAP", 10_000)
    for budget in (0, 10**9):
        monkeypatch.setattr(queries, "WALK_BUDGET", budget)
        led.clear()
        # (not a text no name has: its walk is the id's one probe, whatever the budget)
        named = [s for s in searches if s["text"] not in ("BULK-00007", "CAST-B1", "zzz")]
        for search, unit in itertools.product(named, [None, cast.C]):
            every = _ids(search_members(visible, unit=unit, **search))
            for start, stop in [(0, 25), (25, 50), (3, 4)]:
                page = _ids(find_members(visible, unit=unit, **search)[start:stop])
                assert page == every[start:stop], (reader, search, unit, start, budget)
        assert any(led) == bool(budget)
    monkeypatch.setattr(queries, "MAX_FORMS", 1)
    led.clear()
    every = _ids(search_members(visible, text="an"))
    assert _ids(find_members(visible, text="an")[0:25]) == every[:25]
    # No word can lead: never walked by word (asked and declined; on PostgreSQL a subtree's
    # page sorts the matches its count read without asking).
    assert not any(led)


def test_a_member_missing_from_the_index_is_missing_from_its_walk(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk reads the index, not the member table: this is what `_assert_in_step` guards."""
    monkeypatch.setattr(queries, "COUNT_CAP", 1)
    everyone = Member.objects.all()
    found = _ids(find_members(everyone, text="van")[0:25])
    assert found == _ids(search_members(everyone, text="van"))[:25] and len(found) > 1
    NameWord.objects.filter(member__member_id=found[0]).delete()
    assert _ids(find_members(everyone, text="van")[0:25]) == found[1:]


def test_a_search_that_finds_nothing_in_the_scope_is_an_empty_page(cast: Cast) -> None:
    """The paginator asks for matches 0..0 when there are none: "lan" has rows in the index
    (a member of branch B), none in the outsider's province."""
    everyone = scope_of(cast.outsider).members(Action.VIEW)
    assert find_members(everyone, text="lan")[0:0] == []
    response = cast.client("outsider").get("/members/", {"q": "lan"})
    assert response.status_code == 200
    assert "CAST-B2" not in response.content.decode()


def test_a_search_of_the_whole_registry_is_counted_on_the_index_by_word(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count of a search of the whole registry reads the rows of its rarest word, up to the
    cap, and when that is every match its pages are cut from them: the same count, members and
    order as the plain query, for every cap around the number of matches, a member whose name
    has two words containing the lead ("Nhung Hùng": one row in "hung", one in "nhung")
    counted once."""
    _bulk([cast.B, cast.B2, None], 300, "WORD")
    names = ["Đỗ Nhung Hùng"] * 3 + ["Đỗ Thị Nhung"] * 2 + ["Lê Hùng"] * 2
    twice = [
        named_member(f"TWICE-{i}", name, gender="female", status="official", home_unit=cast.B)
        for i, name in enumerate(names)
    ]
    write_name_words(Member.objects.bulk_create(twice))
    count_search_words()
    everyone = Member.objects.all()
    for text in ["hung", "do hung", "van an", "thi lan", "nguyen hung", "zzz", "CAST-B1"]:
        every = _ids(search_members(everyone, text=text))
        for cap in sorted({1, 2, 3, len(every) - 1, len(every), len(every) + 1, 1000} - {0}):
            monkeypatch.setattr(queries, "COUNT_CAP", cap)
            found = find_members(everyone, text=text)
            with CaptureQueriesContext(connection) as captured:
                counted = found.count()
            assert counted == min(len(every), cap), (text, cap)
            assert found.exact == (len(every) <= cap), (text, cap)
            if text not in ("zzz", "CAST-B1"):  # (in no word: the count is the id's probe)
                assert "members_nameword" in captured.captured_queries[-1]["sql"]
            for start, stop in [(0, 25), (1, 3), (2, 4)]:
                with CaptureQueriesContext(connection) as captured:
                    page = _ids(found[start:stop])
                assert page == every[start:stop], (text, cap, start)
                if found.exact:
                    # Cut from the matches the count read: only the page's members are read.
                    assert len(captured.captured_queries) == (1 if page else 0)
                elif stop < cap - len(names) and (
                    connection.vendor == "postgresql" or len(found._lead or ()) == 1
                ):
                    # Beyond the cap, the first pages are cut from the first matches the count
                    # read, merged in display order (a member of two forms read twice): no walk.
                    assert len(captured.captured_queries) == 1, (text, cap, start)
    assert len(_ids(search_members(everyone, text="hung"))) > 3  # the caps above cut it


@pytest.mark.parametrize("reader", ["officer", "committee", "secretary"])
def test_a_rare_name_within_a_scope_is_counted_from_the_index_by_word(
    cast: Cast, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within a scope a name few members of the country have is counted from the rows of its
    rarest word: the country's matches read by word, then those of the scope by primary key
    (never the name tested again on the scope's members), the pages cut from them. The same
    count, members and order as the plain query: a namesake outside the scope, one who left the
    Party and the member whose id is typed as they should be; a name with more matches in the
    country than RARE_NAME, or a lead with more rows than RARE_LEAD, counted on the scope."""
    u = cast.units
    _bulk([u["B"], u["B2"], u["QB"], None], 200, "BULK")
    xuyen = [
        ("XUYEN-1", u["B"], "official"),
        ("XUYEN-2", u["B2"], "probationary"),
        ("XUYEN-3", u["QB"], "official"),  # the other province
        ("XUYEN-4", u["B"], "struck_off"),
        ("XUYEN-5", None, "deceased"),
    ]
    rows = [
        named_member(member, "Phan Quỳnh Xuyến", gender="female", status=status, home_unit=home)
        for member, home, status in xuyen
    ]
    write_name_words(Member.objects.bulk_create(rows))
    count_search_words()
    visible = scope_of(cast.user(reader)).members(Action.VIEW)

    def counted(text: str) -> tuple[queries.MemberList, list[str], list[str]]:
        """The search's list, the statements of its count, and the plain query's matches."""
        every = _ids(search_members(visible, text=text))
        found = find_members(visible, text=text)
        with CaptureQueriesContext(connection) as captured:
            assert found.count() == len(every), (reader, text)
        return found, [q["sql"] for q in captured.captured_queries], every

    for text in ["quynh xuyen", "xuyen phan", "XUYEN-1", "XUYEN-3", "nguyen van an"]:
        found, sqls, every = counted(text)
        assert found.exact and found._matched is not None
        if "quynh" in text or "phan" in text:  # (an id is in no word: no row to read)
            assert any("members_nameword" in sql for sql in sqls), (text, sqls)
            kept = sqls[-1]
            assert "members_member" in kept and "LIKE" not in kept.upper(), kept
            if connection.vendor == "sqlite":
                assert "NOT INDEXED" in kept
        with CaptureQueriesContext(connection) as captured:
            assert _ids(found[0:25]) == every[:25]
        assert len(captured.captured_queries) == (1 if every else 0)
    # (B and B2 are in C, in P: the secretary's B has XUYEN-1 only.)
    expected = ["XUYEN-1"] if reader == "secretary" else ["XUYEN-1", "XUYEN-2"]
    assert _ids(search_members(visible, text="quynh xuyen")) == expected

    # More matches in the country than RARE_NAME: counted on the scope, same figure.
    monkeypatch.setattr(queries, "RARE_NAME", 4)
    found, sqls, every = counted("quynh xuyen")
    assert "LIKE" in sqls[-1].upper() and "members_nameword" not in sqls[-1]
    assert _ids(found[0:25]) == every
    # A lead with more rows than RARE_LEAD: not read at all.
    monkeypatch.setattr(queries, "RARE_NAME", 2_000)
    monkeypatch.setattr(queries, "RARE_LEAD", 4)
    found, sqls, _every = counted("quynh xuyen")
    assert "LIKE" in sqls[-1].upper()
    assert not any("members_nameword" in sql for sql in sqls)
    # More rows than RARE_LEAD_SMALL: read for a scope with a unit for every LEAD_ROWS_PER_UNIT
    # of them or LARGE_SCOPE units (counted up to that), not for a smaller one. Same figure and
    # pages either way.
    monkeypatch.setattr(queries, "RARE_LEAD", 10**6)
    monkeypatch.setattr(queries, "RARE_LEAD_SMALL", 0)
    units = scope_of(cast.user(reader)).units(Action.VIEW).count()
    for per_unit, read in [(10**6, True), (0.001, False)]:
        monkeypatch.setattr(queries, "LEAD_ROWS_PER_UNIT", per_unit)
        for large in (10**6, units, units + 1):
            monkeypatch.setattr(queries, "LARGE_SCOPE", large)
            found, sqls, every = counted("quynh xuyen")
            walked = any("members_nameword" in sql for sql in sqls)
            assert walked == (read or large <= units), (reader, per_unit, large)
            assert _ids(found[0:25]) == every
    # Every member with a home (a scope covering every unit, the only root asked for) is the
    # largest scope, a member's own record the smallest, whatever their units.
    with_home = find_members(Member.objects.filter(home_unit__isnull=False), text="xuyen")
    own = find_members(Member.objects.filter(pk=cast.members["b1"].pk), text="xuyen")
    assert with_home._units_at_least(10**9) and not own._units_at_least(1)
