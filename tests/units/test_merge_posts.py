"""Issue 13, point 2: a merge says and does what becomes of the absorbed unit's posts, and no
unit ever has two holders of a single-holder post (secretary, group leader).

The demo's case: branch 19228-CB06 merged into 19228-CB07, each with its secretary, left
CB07 with two "Bí thư". Here B2 (secretary S2, deputy D2) is merged into B1 (secretary S1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.members.models import Member, Position
from coso.units import plans
from coso.units.models import Unit, UnitEvent
from coso.units.operations import create_unit, dissolve_unit, merge_units
from coso.units.posts import PostFate, default_fate
from tests.units.tree import BUILT, JOINED, add_members

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 7, 1)


def _post(member: Member, unit: Unit, role: str, on: dt.date = JOINED) -> Position:
    return Position.objects.create(member=member, unit=unit, role=role, valid_from=on)


@pytest.fixture
def two() -> dict[str, Any]:
    province = create_unit(code="TP", name="Tỉnh", kind="province", parent=None, on=BUILT)
    commune = create_unit(code="XA", name="Đảng bộ xã", kind="commune", parent=province, on=BUILT)
    b1 = create_unit(code="B1", name="Chi bộ thôn 1", kind="branch", parent=commune, on=BUILT)
    b2 = create_unit(code="B2", name="Chi bộ thôn 2", kind="branch", parent=commune, on=BUILT)
    m1 = add_members(b1, 3)
    m2 = add_members(b2, 3)
    return {
        "commune": commune,
        "b1": b1,
        "b2": b2,
        "s1": _post(m1[0], b1, "secretary"),
        "d1": _post(m1[1], b1, "deputy_secretary"),
        "s2": _post(m2[0], b2, "secretary"),
        "d2": _post(m2[1], b2, "deputy_secretary"),
        "c2": _post(m2[2], b2, "committee_member"),
    }


def open_holders(unit: Unit, role: str, on: dt.date = ON) -> list[str]:
    return list(
        Position.objects.filter(
            unit=unit, role=role, valid_from__lte=on, valid_to__gt=on
        ).values_list("member__member_id", flat=True)
    )


def test_default_keeps_one_secretary_the_absorbed_one_becomes_deputy(two):
    event = merge_units(two["b2"], into=two["b1"], on=ON)
    assert open_holders(two["b1"], "secretary") == [two["s1"].member.member_id]
    deputies = set(open_holders(two["b1"], "deputy_secretary"))
    assert deputies == {
        two["d1"].member.member_id,
        two["s2"].member.member_id,
        two["d2"].member.member_id,
    }
    assert open_holders(two["b1"], "committee_member") == [two["c2"].member.member_id]
    # The absorbed unit's posts end on the day; the event says what became of each.
    assert not Position.objects.filter(unit=two["b2"], valid_to__gt=ON).exists()
    fates = {(p["role"], p["member"]): (p["fate"], p["role_after"]) for p in event.details["posts"]}
    assert fates == {
        ("secretary", two["s2"].member_id): ("deputy", "deputy_secretary"),
        ("deputy_secretary", two["d2"].member_id): ("keep", "deputy_secretary"),
        ("committee_member", two["c2"].member_id): ("keep", "committee_member"),
    }
    assert event.details["posts"][0]["role"] == "secretary"  # secretary first
    assert UnitEvent.objects.get(kind="absorb").details["posts"] == event.details["posts"]


def test_keeping_the_secretary_is_refused_naming_the_post_and_the_people(two):
    before = list(Position.objects.values_list("pk", "unit_id", "role", "valid_to"))
    with pytest.raises(CosoError) as refused:
        merge_units(two["b2"], into=two["b1"], on=ON, posts={two["s2"].pk: PostFate.KEEP})
    message = str(refused.value)
    assert "Bí thư" in message and "«B1»" in message and "«B2»" in message
    assert two["s1"].member.full_name in message and two["s2"].member.full_name in message
    assert two["s1"].member.member_id in message and two["s2"].member.member_id in message
    assert "secretary" not in message
    assert list(Position.objects.values_list("pk", "unit_id", "role", "valid_to")) == before
    assert Unit.objects.get(code="B2").valid_to == FAR_FUTURE


def test_the_officer_chooses_to_end_the_secretary_or_keep_them_when_the_target_has_none(two):
    merge_units(
        two["b2"],
        into=two["b1"],
        on=ON,
        posts={two["s2"].pk: PostFate.END, two["c2"].pk: PostFate.END},
    )
    two["s2"].refresh_from_db()
    assert two["s2"].valid_to == ON
    assert two["s2"].member.member_id not in open_holders(two["b1"], "deputy_secretary")
    assert open_holders(two["b1"], "committee_member") == []
    # Into a branch with no secretary, the absorbed secretary keeps the post by default.
    b3 = create_unit(code="B3", name="Chi bộ 3", kind="branch", parent=two["commune"], on=BUILT)
    s3 = _post(add_members(b3, 1)[0], b3, "secretary")
    b4 = create_unit(code="B4", name="Chi bộ 4", kind="branch", parent=two["commune"], on=BUILT)
    merge_units(b3, into=b4, on=ON)
    assert open_holders(b4, "secretary") == [s3.member.member_id]


def test_a_deputy_already_held_ends_and_group_posts_end_outside_a_group(two):
    # S2 is already deputy of B1: keeping S2 as deputy would give them the post twice.
    _post(two["s2"].member, two["b1"], "deputy_secretary")
    group = create_unit(code="G2", name="Tổ 1", kind="group", parent=two["b2"], on=BUILT)
    leader = _post(two["d2"].member, group, "group_leader")
    merge_units(group, into=two["b2"], on=ON)  # a group merged into its branch
    leader.refresh_from_db()
    assert leader.valid_to == ON and not open_holders(two["b2"], "group_leader")
    event = merge_units(two["b2"], into=two["b1"], on=ON)
    fates = {p["role"]: p["fate"] for p in event.details["posts"]}
    assert fates["secretary"] == PostFate.END
    with pytest.raises(CosoError, match="đã giữ chức vụ Phó Bí thư"), transaction.atomic():
        b5 = create_unit(code="B5", name="Chi bộ 5", kind="branch", parent=two["commune"], on=BUILT)
        s5 = _post(two["d1"].member, b5, "deputy_secretary")
        merge_units(b5, into=two["b1"], on=ON, posts={s5.pk: PostFate.KEEP})


def test_a_post_of_another_unit_cannot_be_chosen(two):
    with pytest.raises(CosoError, match="không thuộc cấp ủy của «B2»"):
        merge_units(two["b2"], into=two["b1"], on=ON, posts={two["s1"].pk: PostFate.END})


def test_the_database_refuses_two_open_secretaries(two):
    with pytest.raises(IntegrityError), transaction.atomic():
        _post(two["d1"].member, two["b1"], "secretary")
    # An ended secretary and a new one are history, not two holders.
    Position.objects.filter(pk=two["s1"].pk).update(valid_to=ON)
    _post(two["d1"].member, two["b1"], "secretary", on=ON)


def test_dissolve_says_which_posts_end(two):
    b9 = create_unit(code="B9", name="Chi bộ 9", kind="branch", parent=two["commune"], on=BUILT)
    _post(two["d1"].member, b9, "committee_member")
    _post(two["s1"].member, b9, "secretary")
    event = dissolve_unit(b9, on=ON)
    assert [(p["role"], p["fate"]) for p in event.details["posts"]] == [
        ("secretary", "end"),
        ("committee_member", "end"),
    ]


def test_a_plan_follows_the_same_rule_set_wise(two, tmp_path: Path, monkeypatch):
    path = tmp_path / "plan.csv"
    path.write_text("op,unit,into\nmerge,B2,B1\n", encoding="utf-8")
    monkeypatch.setattr(plans, "_apply_rows", lambda *a, **k: pytest.fail("not set-wise"))
    plans.apply_plan(path, on=ON, decision_number="1-QĐ/HU", progress=False)
    assert open_holders(two["b1"], "secretary") == [two["s1"].member.member_id]
    assert two["s2"].member.member_id in open_holders(two["b1"], "deputy_secretary")
    posts = UnitEvent.objects.get(kind="merge").details["posts"]
    assert posts[0] == {
        "member": two["s2"].member_id,
        "role": "secretary",
        "fate": "deputy",
        "role_after": "deputy_secretary",
    }


def test_default_fate_rules():
    held = {("secretary", 1), ("deputy_secretary", 2)}
    assert default_fate("secretary", 3, target_is_group=False, holders=held) == "deputy"
    assert default_fate("secretary", 2, target_is_group=False, holders=held) == "end"
    assert default_fate("secretary", 3, target_is_group=False, holders=set()) == "keep"
    assert default_fate("committee_member", 3, target_is_group=False, holders=held) == "keep"
    assert default_fate("group_leader", 3, target_is_group=False, holders=set()) == "end"
    assert default_fate("group_leader", 3, target_is_group=True, holders={("group_leader", 1)}) == (
        "deputy"
    )


# --- property: whatever is merged into whatever, with whatever choices --------------------------

ROLES = ["secretary", "deputy_secretary", "committee_member"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_unit_ever_has_two_current_secretaries(data: st.DataObject) -> None:
    with transaction.atomic():
        province = create_unit(code="PP", name="Tỉnh", kind="province", parent=None, on=BUILT)
        commune = create_unit(code="PX", name="Xã", kind="commune", parent=province, on=BUILT)
        branches = []
        for i in range(data.draw(st.integers(2, 5), label="branches")):
            b = create_unit(
                code=f"PB{i}", name=f"Chi bộ {i}", kind="branch", parent=commune, on=BUILT
            )
            people = add_members(b, 3)
            if data.draw(st.booleans(), label=f"secretary {i}"):
                _post(people[0], b, "secretary")
            for person in people[1:]:
                role = data.draw(st.sampled_from([None, *ROLES[1:]]), label="post")
                if role:
                    _post(person, b, role)
            branches.append(b)
        day = ON
        for step in range(data.draw(st.integers(1, 4), label="merges")):
            live = [b for b in branches if Unit.objects.get(pk=b.pk).valid_to == FAR_FUTURE]
            if len(live) < 2:
                break
            source = data.draw(st.sampled_from(live), label=f"source {step}")
            into = data.draw(
                st.sampled_from([b for b in live if b != source]), label=f"into {step}"
            )
            choices = {
                p.pk: data.draw(st.sampled_from(["", *PostFate.values]), label=f"fate {p.pk}")
                for p in Position.objects.filter(unit=source, valid_to=FAR_FUTURE)
            }
            before = sorted(Position.objects.values_list("pk", "unit_id", "role", "valid_to"))
            try:
                with transaction.atomic():
                    merge_units(
                        source, into=into, on=day, posts={k: v for k, v in choices.items() if v}
                    )
            except CosoError as exc:
                assert "secretary" not in str(exc) and "deputy_secretary" not in str(exc)
                after = sorted(Position.objects.values_list("pk", "unit_id", "role", "valid_to"))
                assert after == before  # a refusal writes nothing
            for unit in Unit.objects.all():
                for role in ("secretary", "group_leader"):
                    assert len(open_holders(unit, role, day)) <= 1, (unit.code, role)
                    assert len(open_holders(unit, role, day + dt.timedelta(days=400))) <= 1
            day += dt.timedelta(days=data.draw(st.integers(0, 40), label="gap"))
        transaction.set_rollback(True)


def _plan_queries(n: int, tmp_path: Path, monkeypatch: Any) -> tuple[int, int]:
    """Queries of a set-wise plan merging n branches (each with a secretary and a deputy) into
    one, and the open secretaries of the absorbing branch afterwards."""
    with transaction.atomic():
        province = create_unit(code="QP", name="Tỉnh", kind="province", parent=None, on=BUILT)
        commune = create_unit(code="QX", name="Xã", kind="commune", parent=province, on=BUILT)
        units = []
        for i in range(n + 1):
            b = create_unit(
                code=f"QB{i}", name=f"Chi bộ {i}", kind="branch", parent=commune, on=BUILT
            )
            people = add_members(b, 2)
            _post(people[0], b, "secretary")
            _post(people[1], b, "deputy_secretary")
            units.append(b)
        path = tmp_path / f"plan{n}.csv"
        path.write_text(
            "op,unit,into\n" + "".join(f"merge,QB{i},QB0\n" for i in range(1, n + 1)),
            encoding="utf-8",
        )
        monkeypatch.setattr(plans, "_apply_rows", lambda *a, **k: pytest.fail("not set-wise"))
        with CaptureQueriesContext(connection) as queries:
            plans.apply_plan(path, on=ON, decision_number="2-QĐ/HU", progress=False)
        secretaries = len(open_holders(units[0], "secretary"))
        deputies = len(open_holders(units[0], "deputy_secretary"))
        assert deputies == 2 * n + 1
        transaction.set_rollback(True)
    return len(queries), secretaries


def test_the_set_wise_plan_adds_no_query_per_merged_post(tmp_path: Path, monkeypatch) -> None:
    few, one = _plan_queries(2, tmp_path, monkeypatch)
    many, still_one = _plan_queries(12, tmp_path, monkeypatch)
    assert one == still_one == 1
    # Posts are read with the units the plan names and written in bulk (closes, then moves):
    # nothing per post. What grows is the engine's one read of each merged unit's subtree.
    assert many - few == 12 - 2, (few, many)
