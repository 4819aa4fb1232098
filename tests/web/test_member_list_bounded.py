"""The member list at national size (issue 10): a bounded count ("more than 10.000"), pages of
long lists walked on the name-order index, and the whole-registry scope of an officer at the
only root without a semi-join over the tree. The members and their order stay those of the
plain query (search_members, sorted by sort_key then member id)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.accounts.models import Role, RoleKind
from coso.authority.scope import Action, Scope, scope_of
from coso.core.dates import today
from coso.members import queries
from coso.members.models import Member
from coso.members.names import write_name_words
from coso.members.operations import name_keys
from coso.members.queries import STATUS_ALL, MemberList, find_members, search_members
from coso.units.models import Unit, UnitSpan
from coso.units.operations import create_unit, dissolve_unit
from coso.units.queries import subtree_spans
from tests.cast import START, Cast

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"]
MIDDLE = ["Văn", "Thị", "Đình", "Văn An"]
GIVEN = ["An", "Anh", "Bình", "Lan", "Hùng", "Xuân"]
STATUSES = ["official", "official", "probationary", "deceased", "struck_off"]


def named_member(member_id: str, full_name: str, **fields: Any) -> Member:
    """An unsaved member called `full_name`, with the sort key and folded name it gives (born
    1980, unless `fields` say otherwise)."""
    sort_key, search_name = name_keys(full_name)
    fields.setdefault("birth_date", dt.date(1980, 1, 1))
    return Member(
        member_id=member_id,
        full_name=full_name,
        sort_key=sort_key,
        search_name=search_name,
        **fields,
    )


def _bulk(homes: list[Unit | None], n: int, prefix: str) -> None:
    """`n` members cycling through names (many share a sort key), homes, statuses and flags,
    their ids in an order unrelated to their rows' (so ties are broken by member id, not id)."""
    names = itertools.cycle(itertools.product(FAMILY, MIDDLE, GIVEN))
    rows = []
    for i in range(n):
        family, middle, given = next(names)
        rows.append(
            named_member(
                f"{prefix}-{(i * 7919) % 10007:05d}",
                f"{family} {middle} {given}",
                gender="male",
                status=STATUSES[i % len(STATUSES)],
                home_unit=homes[i % len(homes)],
                exempt=i % 11 == 0,
                in_transit=i % 13 == 0,
            )
        )
    # With their words in the name search's index, as every write of a name does.
    write_name_words(Member.objects.bulk_create(rows))


def _ids(members: Any) -> list[str]:
    return [m.member_id for m in members]


SEARCHES: list[dict[str, Any]] = [
    {},
    {"text": "nguyen"},
    {"text": "van an"},
    {"text": "an"},
    {"text": "thi lan"},
    {"text": "CAST-B1"},
    {"text": "zzz"},
    {"status": STATUS_ALL},
    {"status": "deceased", "text": "an"},
    {"exempt": True},
    {"in_transit": False, "text": "hung"},
]


@pytest.mark.parametrize("reader", ["admin", "officer", "committee", "secretary", "outsider"])
def test_pages_and_counts_are_those_of_the_plain_query(cast: Cast, reader: str) -> None:
    u = cast.units
    _bulk([u["B"], u["B2"], u["G"], u["BC2"], u["QB"], None], 420, "BULK")
    visible = scope_of(cast.user(reader)).members(Action.VIEW)
    for search, unit in itertools.product(SEARCHES, [None, cast.C, cast.P]):
        plain = search_members(visible, unit=unit, **search)
        every = _ids(plain)
        for cap, by_home in itertools.product((3, 40, 10_000), (False, True)):
            listed = MemberList(plain, cap=cap, by_home=by_home)
            assert listed.count() == min(len(every), cap), (reader, search, unit, cap, by_home)
            assert listed.exact == (len(every) <= cap)
            for start, stop in [(0, 25), (25, 50), (0, 7), (37, 62), (100, 125)]:
                page = _ids(MemberList(plain, cap=cap)[start:stop])
                assert page == every[start:stop], (reader, search, unit, cap, start)
    # The walk was exercised: some search has more matches than the smallest cap.
    assert not MemberList(search_members(visible, text="an"), cap=3).exact


def _single_root() -> tuple[Unit, Unit, Any]:
    root = create_unit(code="R", name="Trung ương", kind="central", parent=None, on=START)
    province = create_unit(code="R1", name="Tỉnh 1", kind="province", parent=root, on=START)
    commune = create_unit(code="R1C", name="Xã 1", kind="commune", parent=province, on=START)
    branch = create_unit(code="R1B", name="Chi bộ 1", kind="branch", parent=commune, on=START)
    user = get_user_model().objects.create_user("officer.root")
    Role.objects.create(user=user, kind=RoleKind.ORG_OFFICER, unit=root)
    _bulk([branch, commune, None], 60, "ROOT")
    return root, branch, user


@pytest.mark.django_db
def test_the_unit_filter_at_the_only_root_is_its_subtree_today() -> None:
    root, branch, _user = _single_root()
    commune = Unit.objects.get(code="R1C")
    ended = create_unit(code="R1X", name="Cũ", kind="branch", parent=commune, on=START)
    dissolve_unit(ended, on=today() - dt.timedelta(days=3))
    future = create_unit(
        code="R1F", name="Mới", kind="branch", parent=commune, on=today() + dt.timedelta(days=9)
    )
    _bulk([ended, future, branch], 30, "EDGE")
    everyone = Member.objects.all()

    def old_filter(unit: Unit, **search: Any) -> list[str]:
        # The filter as it was: home in a unit of the subtree's spans valid today.
        span = UnitSpan.objects.get(unit=unit, valid_from__lte=today(), valid_to__gt=today())
        units = subtree_spans(span, today()).values("unit_id")
        return _ids(search_members(everyone, **search).filter(home_unit__in=units))

    for search in SEARCHES:
        found = search_members(everyone, unit=root, **search)
        assert "units_unitspan" not in str(found.query)  # no semi-join over the tree
        assert _ids(found) == old_filter(root, **search), search
        # Below the root, and with a second root, the semi-join stays.
        assert _ids(search_members(everyone, unit=commune, **search)) == old_filter(
            commune, **search
        )
    # Those at home in the ended unit and the one not yet created are not in it today.
    found = search_members(everyone, unit=root, status=STATUS_ALL)
    homes = dict(
        Member.objects.filter(member_id__startswith="EDGE").values_list("member_id", "home_unit")
    )
    in_branch = {m for m, home in homes.items() if home == branch.pk}
    assert {m for m in _ids(found) if m.startswith("EDGE")} == in_branch and len(in_branch) == 10
    create_unit(code="S", name="Khác", kind="central", parent=None, on=START)
    again = search_members(everyone, unit=root)
    assert "units_unitspan" in str(again.query) and _ids(again) == old_filter(root)


def _semi_join(scope: Scope) -> list[str]:
    scope._covers = {a: False for a in Action}  # the scope as it was: a semi-join on units
    return _ids(scope.members(Action.VIEW).order_by("member_id"))


@pytest.mark.django_db
def test_an_officer_at_the_only_root_sees_every_member_with_a_home_without_a_semi_join(
    django_assert_max_num_queries: Any,
) -> None:
    _root, branch, user = _single_root()
    scope = Scope(user)
    with django_assert_max_num_queries(1):
        assert scope.covers_everything(Action.VIEW)
    with django_assert_max_num_queries(0):
        members = scope.members(Action.VIEW)
    assert "units_unit" not in str(members.query)  # no semi-join over the tree
    assert _ids(members.order_by("member_id")) == _semi_join(Scope(user))
    assert members.count() == 40  # the 20 without a home are nobody's in the tree
    assert find_members(members).cap == queries.COUNT_CAP  # searched as the whole registry
    # A second root: the officer no longer covers everything, and the semi-join is back.
    create_unit(code="S", name="Khác", kind="central", parent=None, on=START)
    other = Scope(user)
    assert not other.covers_everything(Action.VIEW)
    assert "units_unitspan" in str(other.members(Action.VIEW).query)
    assert _ids(other.members(Action.VIEW).order_by("member_id")) == _semi_join(Scope(user))
    # Below the root, no query is asked at all.
    below = get_user_model().objects.create_user("officer.branch")
    Role.objects.create(user=below, kind=RoleKind.BRANCH_SECRETARY, unit=branch)
    below_scope = Scope(below)
    with django_assert_max_num_queries(0):
        assert not below_scope.covers_everything(Action.VIEW)


def test_the_cast_officer_does_not_cover_the_other_province(cast: Cast) -> None:
    assert scope_of(cast.admin).covers_everything(Action.VIEW)
    assert not scope_of(cast.officer).covers_everything(Action.VIEW)
    assert "CAST-Q" not in _ids(scope_of(cast.officer).members(Action.VIEW))


def test_the_whole_registry_is_counted_to_the_lower_cap(cast: Cast) -> None:
    admin = scope_of(cast.admin).members(Action.VIEW)
    assert find_members(admin).cap == queries.COUNT_CAP
    assert find_members(admin, unit=cast.P).cap == queries.SUBTREE_COUNT_CAP
    officer = scope_of(cast.officer).members(Action.VIEW)
    assert find_members(officer).cap == queries.SUBTREE_COUNT_CAP
    # The count reads the index by home, but not for the flags (not in it) nor for a branch
    # secretary's "branch OR own record" (a few members, found by id).
    assert find_members(officer).by_home and not find_members(officer, exempt=True).by_home
    own = Member.objects.filter(pk=cast.members["b2x"].pk)
    secretary = Member.objects.filter(home_unit=cast.B) | own  # as Scope.members makes it
    assert secretary.query.where.connector == "OR" and not find_members(secretary).by_home


def _page(client: Any, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured.captured_queries)


def test_beyond_the_cap_the_list_says_more_than_in_both_languages(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SUBTREE_COUNT_CAP", 1000)  # the officer's scope: a subtree
    u = cast.units
    _bulk([u["B"], u["B2"], u["BC2"]], 1200, "MANY")  # 720 in the party, 1,200 in all
    client = cast.client("officer")
    html, _ = _page(client, "/members/?status=all")
    assert "Hơn 1.000 đảng viên: thu hẹp tìm kiếm để xem hết." in html
    assert "Trang 1<" in html and "Trang 1/" not in html
    exact, _ = _page(client, "/members/")  # 720 and the cast's 4, counted exactly
    assert "724 đảng viên" in exact and "Hơn" not in exact and "Trang 1/29" in exact
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english, _ = _page(client, "/members/?status=all")
    assert "More than 1,000 members: narrow the search to see them all." in english
    assert "Page 1<" in english
    # The API: the count stops at the cap and says so.
    api = client.get("/api/v1/members?status=all&page=2").json()
    assert api["count"] == 1000 and api["count_exact"] is False
    plain = search_members(scope_of(cast.officer).members(Action.VIEW), status=STATUS_ALL)
    assert [m["member_id"] for m in api["items"]] == _ids(plain[50:100])
    small = client.get("/api/v1/members?q=CAST-B1").json()
    assert small["count"] == 1 and small["count_exact"] is True


def test_pages_walked_past_the_cap_cost_the_same_queries_as_any_page(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SUBTREE_COUNT_CAP", 100)
    client = cast.client("officer")
    u = cast.units
    _bulk([u["B"]], 150, "FEW")  # 60 in the party: exact, sorted by the plain query
    _page(client, "/members/")  # the session's first request does more
    few = _page(client, "/members/")[1], _page(client, "/members/?page=2")[1]
    _bulk([u["B2"], u["BC2"]], 2000, "MORE")  # far past the cap: walked
    html, first = _page(client, "/members/")
    assert "Hơn 100 đảng viên" in html
    second = _page(client, "/members/?page=3")[1]
    assert first <= few[0] + 1 and second <= few[1] + 1, (few, first, second)


@pytest.mark.parametrize("text", ["", "dung", "CAST-B1", "lan"])
def test_a_members_own_record_is_counted_by_its_primary_key(cast: Cast, text: str) -> None:
    """A member sees their own record only (`id = …`): the count asks for it by primary key.
    Told to read the index by home instead, SQLite read all of it (6.8 million entries, 270-440
    ms nationally, for one record)."""
    visible = scope_of(cast.user("member")).members(Action.VIEW)
    found = find_members(visible, text=text)
    with CaptureQueriesContext(connection) as captured:
        found.count()
    assert not any("INDEXED BY" in q["sql"] for q in captured.captured_queries), captured
    assert _ids(found[0:25]) == _ids(search_members(visible, text=text))
    assert found.count() == (0 if text == "lan" else 1)
