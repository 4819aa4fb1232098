from __future__ import annotations

import datetime as dt

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.members.models import ExternalRole, Participation, Position
from coso.stats import queries
from coso.stats.models import DailyDelta, DailyDeltaSum
from coso.stats.queries import stats_as_of, stats_from_spans, tree_lines
from coso.stats.tally import rebuild_all, refresh_side_rows
from coso.units.models import Unit, UnitSpan

from .helpers import D, home, member, unit


@pytest.fixture
def tree() -> dict[str, Unit]:
    """A 2019-shaped province: a district with a commune committee, a border guard committee."""
    t: dict[str, Unit] = {}
    t["44"] = unit("44", "province", None)
    t["455"] = unit("455", "district", t["44"])
    t["19111"] = unit("19111", "grassroots_committee", t["455"], tags=["commune"])
    t["19111-01"] = unit("19111-01", "branch", t["19111"], tags=["residential"])
    t["19111-02"] = unit("19111-02", "branch", t["19111"], tags=["village", "border"])
    t["455-CQ"] = unit("455-CQ", "grassroots_branch", t["455"], tags=["agency"])
    t["BP"] = unit("BP", "district", t["44"], tags=["armed_forces"])
    t["BP-1"] = unit("BP-1", "grassroots_committee", t["BP"])
    t["BP-1-01"] = unit("BP-1-01", "branch", t["BP-1"], tags=["armed_forces", "border"])
    return t


def members_of(code: str, day: dt.date) -> dict[str, int]:
    return stats_as_of(Unit.objects.get(code=code), day)["members"]


def test_counts_follow_the_spans_through_time(tree: dict[str, Unit]) -> None:
    b1, b2 = tree["19111-01"], tree["19111-02"]
    home(b1)
    member([(b1, D(2019, 1, 1), D(2020, 1, 1), "probationary"), (b1, D(2020, 1, 1), FAR_FUTURE)])
    member([(b1, D(2019, 6, 1), D(2021, 3, 1)), (b2, D(2021, 3, 1), FAR_FUTURE)])  # moves branch
    home(b2, D(2019, 1, 1), D(2022, 5, 1))  # ends
    home(tree["455-CQ"], D(2020, 2, 1), status="probationary")

    def row(code: str, day: dt.date) -> tuple[int, int, int]:
        m = members_of(code, day)
        return m["total"], m["official"], m["probationary"]

    assert row("19111", D(2019, 1, 1)) == (3, 2, 1)
    assert row("19111", D(2019, 6, 1)) == (4, 3, 1)
    assert row("19111", D(2020, 1, 1)) == (4, 4, 0)
    assert row("19111-01", D(2021, 2, 28)) == (3, 3, 0)
    assert row("19111-01", D(2021, 3, 1)) == (2, 2, 0)
    assert row("19111-02", D(2021, 3, 1)) == (2, 2, 0)
    assert row("19111", D(2022, 5, 1)) == (3, 3, 0)
    assert row("455", D(2020, 2, 1)) == (5, 4, 1)
    assert row("44", D(2020, 2, 1)) == (5, 4, 1)
    assert row("BP", D(2020, 2, 1)) == (0, 0, 0)


def test_exempt_and_in_transit_are_part_of_the_total(tree: dict[str, Unit]) -> None:
    b1 = tree["19111-01"]
    home(b1)
    home(b1, exempt=True)
    home(b1, in_transit=True, status="probationary")
    home(b1, exempt=True, in_transit=True)
    assert members_of("19111", D(2024, 1, 1)) == {
        "total": 4,
        "official": 3,
        "probationary": 1,
        "exempt": 2,
        "in_transit": 2,
    }


def test_units_below_by_kind_and_branch_categories(tree: dict[str, Unit]) -> None:
    s = stats_as_of(tree["455"], D(2024, 1, 1))
    assert s["units"] == {"branch": 2, "grassroots_branch": 1, "grassroots_committee": 1}
    assert list(s["units"]) == sorted(s["units"])
    assert s["branch_categories"] == {"agency": 1, "border": 1, "residential": 1, "village": 1}
    leaf = stats_as_of(tree["19111-01"], D(2024, 1, 1))
    assert leaf["units"] == {} and leaf["branch_categories"] == {}
    # A unit created later is not there before its first day.
    unit("19111-03", "branch", tree["19111"], on=D(2024, 6, 1), tags=["residential"])
    assert stats_as_of(tree["19111"], D(2024, 5, 31))["branch_categories"]["residential"] == 1
    assert stats_as_of(tree["19111"], D(2024, 6, 1))["branch_categories"]["residential"] == 2


@pytest.mark.parametrize("threshold", [0, 10**9], ids=["from_side_tables", "from_members"])
def test_participants_and_what_border_guards_do_outside(
    tree: dict[str, Unit], threshold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SIDE_TABLES_FROM_MEMBERS", threshold)  # both plans
    bp_branch, village = tree["BP-1-01"], tree["19111-02"]
    home(village)
    guards = [home(bp_branch) for _ in range(3)]
    for g in guards[:2]:
        Participation.objects.create(
            member=g, unit=village, kind="activity", valid_from=D(2020, 1, 1)
        )
    Participation.objects.create(  # a second unit for the same member: still one participant
        member=guards[0], unit=tree["19111-01"], kind="activity", valid_from=D(2020, 1, 1)
    )
    Position.objects.create(
        member=guards[0], unit=tree["455"], role="committee_member", valid_from=D(2020, 1, 1)
    )
    Position.objects.create(
        member=guards[1],
        unit=tree["19111"],
        role="deputy_secretary",
        valid_from=D(2020, 1, 1),
        valid_to=D(2023, 1, 1),
    )
    Position.objects.create(  # inside the subtree: not "outside"
        member=guards[2], unit=tree["BP-1"], role="secretary", valid_from=D(2020, 1, 1)
    )
    ExternalRole.objects.create(
        member=guards[1], title="Đại biểu HĐND xã", valid_from=D(2021, 1, 1)
    )
    refresh_side_rows([g.pk for g in guards])  # written directly, as a loader would

    bp = stats_as_of(tree["BP"], D(2022, 1, 1))
    assert bp["members"]["total"] == 3
    assert bp["participants"] == 0
    assert bp["outside"] == {
        "external_roles": 1,
        "participations": {"members": 2, "units": 2},
        "positions": {"district.committee_member": 1, "grassroots_committee.deputy_secretary": 1},
    }
    later = stats_as_of(tree["BP"], D(2023, 1, 1))
    assert later["outside"]["positions"] == {"district.committee_member": 1}
    assert stats_as_of(tree["BP"], D(2019, 12, 31))["outside"] == {}

    commune = stats_as_of(tree["19111"], D(2022, 1, 1))
    assert commune["participants"] == 2
    assert commune["members"]["total"] == 1  # participants never add to membership
    assert stats_as_of(tree["19111-01"], D(2022, 1, 1))["participants"] == 1
    # At the province everything is inside: participants counted, nothing outside.
    province = stats_as_of(tree["44"], D(2022, 1, 1))
    assert province["participants"] == 2
    assert province["members"]["total"] == 4
    assert province["outside"] == {"external_roles": 1}


def test_json_shape_and_dates(tree: dict[str, Unit]) -> None:
    home(tree["19111-01"])
    s = stats_as_of(tree["19111"], D(2024, 12, 31))
    assert list(s) == [
        "unit",
        "as_of",
        "members",
        "units",
        "branch_categories",
        "participants",
        "outside",
    ]
    assert s["unit"] == "19111" and s["as_of"] == "2024-12-31"
    assert list(s["members"]) == ["total", "official", "probationary", "exempt", "in_transit"]
    assert s["members"]["probationary"] == 0  # member keys are always present


def test_unit_not_existing_on_the_date_is_refused(tree: dict[str, Unit]) -> None:
    with pytest.raises(CosoError, match=r"19111.*31/12/2018"):
        stats_as_of(tree["19111"], D(2018, 12, 31))
    with pytest.raises(CosoError, match="19111"):
        tree_lines(tree["19111"], D(2018, 12, 31))


def test_root_reads_daily_deltas_and_agrees_with_the_spans(tree: dict[str, Unit]) -> None:
    home(tree["19111-01"], exempt=True)
    home(tree["BP-1-01"], D(2020, 1, 1), D(2023, 1, 1), status="probationary")
    day = D(2021, 1, 1)
    fast = stats_as_of(tree["44"], day)
    assert fast == stats_from_spans(tree["44"], day)
    assert fast["members"]["total"] == 2
    assert fast["units"]["district"] == 2 and "province" not in fast["units"]
    # The root's figures really come from DailyDelta: without it they vanish; rebuilt, they return.
    DailyDelta.objects.all().delete()
    DailyDeltaSum.objects.all().delete()  # its month and year sums
    assert stats_as_of(tree["44"], day)["members"]["total"] == 0
    assert stats_as_of(tree["455"], day)["members"]["total"] == 1  # not a root: spans
    rebuild_all()
    assert stats_as_of(tree["44"], day) == fast


def test_two_roots_means_counting_spans(tree: dict[str, Unit]) -> None:
    home(tree["19111-01"])
    other = unit("45", "province", None, on=D(2020, 1, 1))
    b = unit("45-01", "grassroots_branch", other, on=D(2020, 1, 1))
    home(b, D(2020, 1, 1))
    assert members_of("44", D(2019, 6, 1))["total"] == 1  # only root then: deltas
    assert members_of("44", D(2020, 6, 1))["total"] == 1  # two roots: its own spans only
    assert members_of("45", D(2020, 6, 1))["total"] == 1


def test_query_count_does_not_grow_with_the_tree(
    tree: dict[str, Unit], django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    def measure() -> None:
        for code in ("44", "455", "19111-01"):
            u = Unit.objects.get(code=code)
            with django_assert_max_num_queries(8):
                stats_as_of(u, D(2024, 1, 1))
            with django_assert_max_num_queries(3):
                tree_lines(u, D(2024, 1, 1))

    home(tree["19111-01"])
    measure()
    for i in range(15):
        c = unit(f"455-{i}", "grassroots_committee", tree["455"])
        for j in range(3):
            b = unit(f"455-{i}-{j}", "branch", c, tags=["village"])
            home(b)
            Participation.objects.create(
                member=home(tree["BP-1-01"]), unit=b, kind="activity", valid_from=D(2020, 1, 1)
            )
    measure()


def test_tree_lines(tree: dict[str, Unit]) -> None:
    home(tree["19111-01"])
    home(tree["19111-01"])
    home(tree["19111-02"], D(2019, 1, 1), D(2021, 1, 1))
    home(tree["BP-1-01"])
    unit("455-10", "grassroots_branch", tree["455"])
    unit("455-9", "grassroots_branch", tree["455"])
    lines = tree_lines(tree["44"], D(2020, 1, 1))
    assert lines == [
        "44  Đơn vị 44  [province]  4 đảng viên",
        "  455  Đơn vị 455  [district]  3 đảng viên",
        "    455-9  Đơn vị 455-9  [grassroots_branch]  0 đảng viên",
        "    455-10  Đơn vị 455-10  [grassroots_branch]  0 đảng viên",
        "    455-CQ  Đơn vị 455-CQ  [grassroots_branch]  0 đảng viên",
        "    19111  Đơn vị 19111  [grassroots_committee]  3 đảng viên",
        "      19111-01  Đơn vị 19111-01  [branch]  2 đảng viên",
        "      19111-02  Đơn vị 19111-02  [branch]  1 đảng viên",
        "  BP  Đơn vị BP  [district]  1 đảng viên",
        "    BP-1  Đơn vị BP-1  [grassroots_committee]  1 đảng viên",
        "      BP-1-01  Đơn vị BP-1-01  [branch]  1 đảng viên",
    ]
    assert tree_lines(tree["44"], D(2020, 1, 1), depth=1) == [lines[0], lines[1], lines[8]]
    assert tree_lines(tree["44"], D(2020, 1, 1), depth=0) == [lines[0]]
    assert tree_lines(tree["19111"], D(2021, 1, 1)) == [
        "19111  Đơn vị 19111  [grassroots_committee]  2 đảng viên",
        "  19111-01  Đơn vị 19111-01  [branch]  2 đảng viên",
        "  19111-02  Đơn vị 19111-02  [branch]  0 đảng viên",
    ]


def test_tree_follows_a_move_through_its_spans(tree: dict[str, Unit]) -> None:
    """A subtree moved on a date shows under its old parent before and the new one after."""
    home(tree["19111-01"])
    move_on = D(2021, 1, 1)
    bp = UnitSpan.objects.get(unit=tree["BP"])
    for s in UnitSpan.objects.filter(
        path__startswith=UnitSpan.objects.get(unit=tree["19111"]).path
    ):
        UnitSpan.objects.filter(pk=s.pk).update(valid_to=move_on)
        new_path = bp.path + s.path[s.path.index(f"/{tree['19111'].pk}/") + 1 :]
        UnitSpan.objects.create(
            unit=s.unit,
            valid_from=move_on,
            name=s.name,
            kind=s.kind,
            parent=tree["BP"] if s.unit == tree["19111"] else s.parent,
            path=new_path,
            depth=new_path.count("/") - 2,
            tags=s.tags,
        )
    rebuild_all()
    assert members_of("455", D(2020, 12, 31))["total"] == 1
    assert members_of("455", move_on)["total"] == 0
    assert members_of("BP", move_on)["total"] == 1
    assert stats_as_of(tree["BP"], move_on)["units"]["branch"] == 3
    assert tree_lines(tree["BP"], move_on, depth=1)[1].startswith("  19111  ")
    assert stats_as_of(tree["44"], move_on) == stats_from_spans(tree["44"], move_on)


def test_posts_left_open_in_an_ended_unit_show_as_ended(tree: dict[str, Unit]) -> None:
    guard = home(tree["BP-1-01"])
    Position.objects.create(
        member=guard, unit=tree["455-CQ"], role="committee_member", valid_from=D(2020, 1, 1)
    )
    end = D(2022, 1, 1)
    Unit.objects.filter(pk=tree["455-CQ"].pk).update(valid_to=end)
    UnitSpan.objects.filter(unit=tree["455-CQ"]).update(valid_to=end)
    rebuild_all()
    root = tree["44"]
    before = {"positions": {"grassroots_branch.committee_member": 1}}
    assert stats_as_of(tree["BP"], end - dt.timedelta(days=1))["outside"] == before
    assert stats_as_of(root, end - dt.timedelta(days=1))["outside"] == {}
    after = {"positions": {"ended.committee_member": 1}}
    assert stats_as_of(tree["BP"], end)["outside"] == after
    assert stats_as_of(root, end)["outside"] == after  # the only root: the "whole" plan
    for plan in ("members", "side"):
        assert stats_from_spans(root, end, plan=plan)["outside"] == after  # type: ignore[arg-type]
    assert stats_as_of(root, end)["units"] == stats_from_spans(root, end)["units"]
