"""Every reorganization operation, what it writes, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.members.models import (
    Member,
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    Participation,
    Position,
)
from coso.units.models import Unit, UnitEvent, UnitEventKind, UnitSpan
from coso.units.operations import (
    create_unit,
    dissolve_unit,
    merge_units,
    move_unit,
    rename_unit,
    retag_unit,
    retype_unit,
)
from tests.units.tree import (
    JOINED,
    TOTAL,
    add_members,
    build_tree,
    check_paths,
    members_under,
    open_members,
    tally,
    tree_on,
)

ON = dt.date(2020, 7, 1)
BEFORE = ON - dt.timedelta(days=1)
AFTER = dt.date(2021, 1, 1)


@pytest.fixture
def u() -> dict[str, Unit]:
    return build_tree()


def span(code: str, day: dt.date) -> UnitSpan:
    return UnitSpan.objects.get(unit__code=code, valid_from__lte=day, valid_to__gt=day)


def assert_conserved(before: dict[str, object]) -> None:
    """The past is unchanged and no member was lost or counted twice."""
    assert tree_on(BEFORE) == before
    assert open_members() == TOTAL
    for day in (BEFORE, ON, AFTER):
        assert members_under("P", day) == TOTAL
        assert tally("members.total", day) == TOTAL
        check_paths(day)


# --- rename, retag --------------------------------------------------------------------------


def test_rename_closes_the_span_and_keeps_the_old_name_in_the_past(u):
    decision = get_decision("12-QĐ/TU", ON)
    event = rename_unit(u["B1"], name="Chi bộ Tổ dân phố 1", on=ON, decision=decision, batch="b")
    assert span("B1", BEFORE).name == "Đơn vị B1"
    assert span("B1", BEFORE).valid_to == ON
    assert span("B1", ON).name == "Chi bộ Tổ dân phố 1"
    assert span("B1", ON).valid_to == FAR_FUTURE
    assert event.kind == UnitEventKind.RENAME
    assert event.details == {
        "before": {"name": "Đơn vị B1"},
        "after": {"name": "Chi bộ Tổ dân phố 1"},
    }
    assert event.decision == decision and event.batch == "b"
    assert span("B1", ON).event == event


def test_a_second_change_on_the_same_day_corrects_the_span_in_place(u):
    rename_unit(u["B1"], name="Tên 1", on=ON)
    rename_unit(u["B1"], name="Tên 2", on=ON)
    assert UnitSpan.objects.filter(unit=u["B1"]).count() == 2
    assert span("B1", ON).name == "Tên 2"
    assert span("B1", BEFORE).name == "Đơn vị B1"
    assert UnitEvent.objects.filter(unit=u["B1"], kind=UnitEventKind.RENAME).count() == 2


def test_rename_refusals(u):
    with pytest.raises(CosoError, match="đã mang tên"):
        rename_unit(u["B1"], name="Đơn vị B1", on=ON)
    with pytest.raises(CosoError, match="trống"):
        rename_unit(u["B1"], name="  ", on=ON)
    with pytest.raises(CosoError, match="không tồn tại vào ngày 01/01/1999"):
        rename_unit(u["B1"], name="X", on=dt.date(1999, 1, 1))
    rename_unit(u["B1"], name="X", on=ON)
    # History is appended: nothing may be dated before the latest span.
    with pytest.raises(CosoError, match=r"từ ngày 01/07/2020.*30/06/2020"):
        rename_unit(u["B1"], name="Y", on=BEFORE)
    assert span("B1", BEFORE).name == "Đơn vị B1"


def test_retag_changes_branch_categories_from_the_date(u):
    assert tally("branch_categories.residential", ON) == 2
    event = retag_unit(u["B1"], tags=["village", "border"], on=ON)
    assert span("B1", ON).tags == ";border;village;"
    assert span("B1", BEFORE).tags == ";residential;"
    assert event.details["after"] == {"tags": ["border", "village"]}
    assert tally("branch_categories.residential", BEFORE) == 2
    assert tally("branch_categories.residential", ON) == 1
    assert tally("branch_categories.village", ON) == 2
    with pytest.raises(CosoError, match="đã có phân loại"):
        retag_unit(u["B1"], tags=["border", "village"], on=ON)


# --- retype ---------------------------------------------------------------------------------


def test_retype_keeps_members_and_children(u):
    before = tree_on(BEFORE)
    event = retype_unit(u["C1"], kind="commune", on=ON)
    assert span("C1", ON).kind == "commune"
    assert span("C1", BEFORE).kind == "grassroots_committee"
    assert event.details["before"] == {"kind": "grassroots_committee"}
    assert event.details["children"] == 2
    assert tally("units.commune", ON) == 1
    assert tally("units.grassroots_committee", ON) == 2
    assert members_under("C1", ON) == members_under("C1", BEFORE) == 8
    assert_conserved(before)


def test_retype_refusals(u):
    with pytest.raises(CosoError, match=r"«C1».*«Đảng bộ tỉnh/thành phố».*«D1»"):
        retype_unit(u["C1"], kind="province", on=ON)
    # Its branches cannot sit under a grassroots branch.
    with pytest.raises(CosoError, match="«B1», «B2»"):
        retype_unit(u["C1"], kind="grassroots_branch", on=ON)
    # Its party group cannot sit under a partial committee.
    with pytest.raises(CosoError, match="«G1»"):
        retype_unit(u["B1"], kind="partial_committee", on=ON)
    # Members live in branches only.
    with pytest.raises(CosoError, match="3 đảng viên"):
        retype_unit(u["B2"], kind="partial_committee", on=ON)
    with pytest.raises(CosoError, match="không tồn tại"):
        retype_unit(u["B2"], kind="galaxy", on=ON)
    with pytest.raises(CosoError, match="đã là loại"):
        retype_unit(u["B2"], kind="branch", on=ON)
    assert UnitSpan.objects.filter(valid_from=ON).count() == 0


# --- move -----------------------------------------------------------------------------------


def test_move_takes_the_whole_subtree_and_leaves_members_untouched(u):
    before = tree_on(BEFORE)
    member_spans = list(MemberSpan.objects.values_list("pk", "unit_id", "valid_from", "valid_to"))
    event = move_unit(u["C1"], parent=u["D2"], on=ON)

    assert span("C1", ON).parent == u["D2"]
    assert (
        span("G1", ON).path == f"/{u['P'].pk}/{u['D2'].pk}/{u['C1'].pk}/{u['B1'].pk}/{u['G1'].pk}/"
    )
    assert span("G1", BEFORE).path.startswith(span("D1", BEFORE).path)
    assert span("B1", ON).name == "Đơn vị B1" and span("B1", ON).tags == ";residential;"
    assert event.details["units"] == 4
    assert event.details["members"] == 8
    assert event.details["before"]["parent"] == "D1" and event.details["after"]["parent"] == "D2"
    assert list(MemberSpan.objects.values_list("pk", "unit_id", "valid_from", "valid_to")) == (
        member_spans
    )
    assert members_under("D1", BEFORE) == 12 and members_under("D2", BEFORE) == 6
    assert members_under("D1", ON) == 4 and members_under("D2", ON) == 14
    assert_conserved(before)


def test_move_twice_on_the_same_day_rewrites_in_place(u):
    move_unit(u["C1"], parent=u["D2"], on=ON)
    move_unit(u["C1"], parent=u["P"], on=ON)
    assert UnitSpan.objects.filter(unit=u["G1"]).count() == 2
    assert span("G1", ON).depth == 3
    assert span("C1", ON).parent == u["P"]
    check_paths(ON)
    assert members_under("P", ON) == TOTAL


def test_move_refusals(u):
    with pytest.raises(CosoError, match="nằm trong chính «C1»"):
        move_unit(u["C1"], parent=u["B1"], on=ON)
    with pytest.raises(CosoError, match="nằm trong chính «C1»"):
        move_unit(u["C1"], parent=u["C1"], on=ON)
    with pytest.raises(CosoError, match=r"«Chi bộ trực thuộc».*«Đảng bộ huyện"):
        move_unit(u["B1"], parent=u["D2"], on=ON)
    with pytest.raises(CosoError, match="đã trực thuộc «D1»"):
        move_unit(u["C1"], parent=u["D1"], on=ON)
    late = create_unit(code="C9", name="C9", kind="commune", parent=u["P"], on=AFTER)
    with pytest.raises(CosoError, match="«C9» không tồn tại vào ngày 01/07/2020"):
        move_unit(u["C3"], parent=late, on=ON)
    # A change recorded later inside the subtree would be stranded at the old path.
    rename_unit(u["G1"], name="Tổ 1", on=AFTER)
    with pytest.raises(CosoError, match=r"«G1» thuộc «C1».*01/01/2021"):
        move_unit(u["C1"], parent=u["D2"], on=ON)
    assert UnitSpan.objects.filter(valid_from=ON).count() == 0


def test_move_is_set_based(u, django_assert_max_num_queries):
    # Grow C1 to a few hundred units: the query count must not depend on the subtree size.
    for i in range(60):
        branch = create_unit(code=f"X{i}", name=f"X{i}", kind="branch", parent=u["C1"], on=JOINED)
        for j in range(3):
            create_unit(code=f"X{i}G{j}", name="tổ", kind="group", parent=branch, on=JOINED)
    # The move, DailyDelta and its month and year sums, the province (and commune) and side
    # tallies, the precomputed warnings and the stamps of the tracking, classification and
    # household tallies.
    with django_assert_max_num_queries(42):
        event = move_unit(u["C1"], parent=u["D2"], on=ON)
    assert event.details["units"] == 4 + 60 * 4
    check_paths(ON)


# --- merge ----------------------------------------------------------------------------------


def test_merge_committees_moves_children_and_ends_the_source(u):
    before = tree_on(BEFORE)
    decision = get_decision("5-QĐ/TU", ON)
    event = merge_units(u["C1"], into=u["C2"], on=ON, decision=decision, batch="x")
    u["C1"].refresh_from_db()
    assert u["C1"].valid_to == ON
    assert not UnitSpan.objects.filter(unit=u["C1"], valid_to__gt=ON).exists()
    assert span("B1", ON).parent == u["C2"] and span("B2", ON).parent == u["C2"]
    assert span("G1", ON).path.startswith(span("C2", ON).path)
    assert event.kind == UnitEventKind.MERGE and event.other == u["C2"]
    assert event.details["children_moved"] == ["B1", "B2"]
    assert event.details["units_moved"] == 3
    assert event.details["members_rehomed"] == 0
    absorb = UnitEvent.objects.get(kind=UnitEventKind.ABSORB, unit=u["C2"])
    assert absorb.other == u["C1"] and absorb.decision == decision
    moves = UnitEvent.objects.filter(kind=UnitEventKind.MOVE, batch="x")
    assert sorted(moves.values_list("unit__code", flat=True)) == ["B1", "B2"]
    assert members_under("C2", ON) == 14 and members_under("C2", BEFORE) == 6
    assert members_under("C1", BEFORE) == 8 and members_under("C1", ON) == 0
    assert tally("units.grassroots_committee", ON) == 2
    assert_conserved(before)
    with pytest.raises(CosoError, match="«C1» đã kết thúc từ ngày 01/07/2020"):
        rename_unit(u["C1"], name="Z", on=AFTER)


def test_merge_branches_rehomes_members_positions_and_participations(u):
    before = tree_on(BEFORE)
    b2_members = list(Member.objects.filter(home_unit=u["B2"]))
    secretary = Position.objects.create(
        member=b2_members[0], unit=u["B2"], role="secretary", valid_from=JOINED
    )
    guest = add_members(u["B3"], 1)[0]
    Participation.objects.create(member=guest, unit=u["B2"], kind="activity", valid_from=JOINED)
    decision = get_decision("7-QĐ/TU", ON)

    event = merge_units(u["B2"], into=u["B1"], on=ON, decision=decision)

    assert event.details["members_rehomed"] == 3
    assert event.details["positions_moved"] == 1 and event.details["participations_moved"] == 1
    for member in b2_members:
        member.refresh_from_db()
        assert member.home_unit == u["B1"]
        old, new = MemberSpan.objects.filter(member=member).order_by("valid_from")
        assert (old.unit, old.valid_to) == (u["B2"], ON)
        assert (new.unit, new.valid_from, new.valid_to) == (u["B1"], ON, FAR_FUTURE)
        assert (new.status, new.exempt, new.in_transit) == (old.status, old.exempt, old.in_transit)
        rehome = MemberEvent.objects.get(member=member, kind=MemberEventKind.REHOME)
        assert rehome.unit_event == event and rehome.decision == decision
        assert rehome.details["before"]["unit"] == "B2" and rehome.details["after"]["unit"] == "B1"
    secretary.refresh_from_db()
    assert secretary.valid_to == ON
    assert Position.objects.get(unit=u["B1"], role="secretary").valid_from == ON
    assert Participation.objects.get(unit=u["B1"], member=guest).valid_from == ON
    assert Participation.objects.get(unit=u["B2"], member=guest).valid_to == ON
    assert members_under("B1", ON) == 8 and members_under("B1", BEFORE) == 5
    assert members_under("B2", BEFORE) == 3
    before["B3"] = (*before["B3"][:4], 7)
    assert tree_on(BEFORE) == before
    assert members_under("P", ON) == TOTAL + 1


def test_merge_a_party_group_into_a_branch(u):
    merge_units(u["G1"], into=u["B2"], on=ON)
    moved = MemberSpan.objects.filter(valid_from=ON)
    assert moved.count() == 2
    assert set(moved.values_list("unit__code", "group")) == {("B2", None)}
    assert members_under("B1", ON) == 3 and members_under("B2", ON) == 5
    assert set(
        Member.objects.filter(pk__in=moved.values("member")).values_list(
            "home_unit__code", flat=True
        )
    ) == {"B2"}
    assert members_under("P", ON) == TOTAL


def test_merge_a_branch_keeps_its_party_group_members_in_the_group(u):
    merge_units(u["B1"], into=u["B2"], on=ON)
    assert span("G1", ON).parent == u["B2"]
    in_group = MemberSpan.objects.filter(group=u["G1"], valid_from=ON)
    assert set(in_group.values_list("unit__code", flat=True)) == {"B2"}
    assert in_group.count() == 2
    assert members_under("G1", ON) == 0  # a group is not a home: members count at the branch
    assert members_under("B2", ON) == 8 and members_under("P", ON) == TOTAL
    check_paths(ON)


def test_merge_after_a_same_day_rename(u):
    rename_unit(u["B2"], name="Tên trong ngày", on=ON)
    merge_units(u["B2"], into=u["B1"], on=ON)
    assert list(UnitSpan.objects.filter(unit=u["B2"]).values_list("name", "valid_to")) == [
        ("Đơn vị B2", ON)
    ]
    assert members_under("P", ON) == TOTAL
    assert tally("units.branch", ON) == 2


def test_merge_refusals(u):
    with pytest.raises(CosoError, match="vào chính nó"):
        merge_units(u["C1"], into=u["C1"], on=ON)
    with pytest.raises(CosoError, match="«B1» nằm trong chính «C1»"):
        merge_units(u["C1"], into=u["B1"], on=ON)
    with pytest.raises(CosoError, match=r"3 đảng viên.*«C2».*không phải chi bộ"):
        merge_units(u["B2"], into=u["C2"], on=ON)
    with pytest.raises(CosoError, match=r"«B1».*«Chi bộ cơ sở».*được phép: Tổ đảng"):
        merge_units(u["C1"], into=u["GB1"], on=ON)
    created = create_unit(code="N", name="N", kind="branch", parent=u["C2"], on=ON)
    with pytest.raises(CosoError, match="«N» không tồn tại vào ngày 30/06/2020"):
        merge_units(u["B2"], into=created, on=BEFORE)
    with pytest.raises(CosoError, match="ngày thành lập"):
        merge_units(created, into=u["B3"], on=ON)
    # A member whose record at the source changes later blocks the merge (history in order).
    leaver = Member.objects.filter(home_unit=u["B2"]).first()
    MemberSpan.objects.filter(member=leaver).update(valid_to=AFTER)
    with pytest.raises(CosoError, match=rf"1 đảng viên của «B2».*{leaver.member_id}"):
        merge_units(u["B2"], into=u["B1"], on=ON)
    assert Unit.objects.filter(valid_to__lt=FAR_FUTURE).count() == 0
    assert not MemberEvent.objects.exists()


# --- dissolve -------------------------------------------------------------------------------


def test_dissolve_an_empty_unit(u):
    before = tree_on(BEFORE)
    holder = Member.objects.first()
    post = Position.objects.create(member=holder, unit=u["C3"], role="secretary", valid_from=JOINED)
    event = dissolve_unit(u["C3"], on=ON, decision=get_decision("9-QĐ", ON))
    u["C3"].refresh_from_db()
    post.refresh_from_db()
    assert u["C3"].valid_to == ON and post.valid_to == ON
    assert event.kind == UnitEventKind.DISSOLVE and event.details["positions_ended"] == 1
    assert span("C3", BEFORE).valid_to == ON
    assert "C3" not in tree_on(ON)
    assert tally("units.grassroots_committee", ON) == 2
    assert_conserved(before)
    with pytest.raises(CosoError, match="đã kết thúc"):
        dissolve_unit(u["C3"], on=AFTER)
    with pytest.raises(CosoError, match="đã kết thúc"):
        create_unit(code="Z", name="Z", kind="branch", parent=u["C3"], on=AFTER)


def test_dissolve_refused_while_not_empty(u):
    with pytest.raises(
        CosoError, match="«D1» ngày 01/07/2020: còn 2 đơn vị trực thuộc và 0 đảng viên"
    ):
        dissolve_unit(u["D1"], on=ON)
    with pytest.raises(CosoError, match="còn 0 đơn vị trực thuộc và 3 đảng viên"):
        dissolve_unit(u["B2"], on=ON)
    # Members recorded from a later date count too: the unit would hold them after its end.
    late = create_unit(code="B9", name="B9", kind="branch", parent=u["C3"], on=AFTER)
    with pytest.raises(CosoError, match="còn 1 đơn vị"):
        dissolve_unit(u["C3"], on=ON)
    dissolve_unit(late, on=dt.date(2022, 1, 1))
    assert Unit.objects.filter(valid_to__lt=FAR_FUTURE).count() == 1


def test_create_unit_under_a_parent_that_changed_later_is_refused(u):
    rename_unit(u["C3"], name="Mới", on=AFTER)
    with pytest.raises(CosoError, match="«C3» đã có thay đổi từ ngày 01/01/2021"):
        create_unit(code="B8", name="B8", kind="branch", parent=u["C3"], on=ON)
