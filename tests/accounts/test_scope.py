"""Scopes per role and action, with the cast; scopes follow merges and moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404

from coso.accounts.models import Account, Role, RoleKind
from coso.authority.scope import (
    Action,
    forget_scope,
    get_member_for_user,
    get_unit_for_user,
    scope_of,
)
from coso.core.dates import today
from coso.members.models import MemberStatus
from coso.units.operations import create_unit, dissolve_unit, merge_units, move_unit
from tests.cast import Cast

ALL_UNITS = {"P", "C", "B", "G", "B2", "C2", "BC2", "Q", "QC", "QB"}
ALL_MEMBERS = {"CAST-B1", "CAST-B2", "CAST-B2X", "CAST-C2", "CAST-Q"}
P_UNITS = {"P", "C", "B", "G", "B2", "C2", "BC2"}
P_MEMBERS = {"CAST-B1", "CAST-B2", "CAST-B2X", "CAST-C2"}

# role -> action -> (units, members) expected in scope
EXPECTED: dict[str, dict[Action, tuple[set[str], set[str]]]] = {
    "admin": {a: (ALL_UNITS, ALL_MEMBERS) for a in Action},
    "officer": {
        Action.VIEW: (P_UNITS, P_MEMBERS),
        Action.MANAGE_MEMBERS: (P_UNITS, P_MEMBERS),
        Action.MANAGE_UNITS: (P_UNITS, P_MEMBERS),
        Action.MANAGE_ACTIVITIES: (set(), set()),
        Action.VIEW_AUDIT: (P_UNITS, P_MEMBERS),
        Action.VIEW_SENSITIVE: (P_UNITS, P_MEMBERS),
    },
    "committee": {
        Action.VIEW: ({"C", "B", "G", "B2"}, {"CAST-B1", "CAST-B2", "CAST-B2X"}),
        Action.MANAGE_MEMBERS: (set(), set()),
        Action.MANAGE_UNITS: (set(), set()),
        Action.MANAGE_ACTIVITIES: ({"C", "B", "G", "B2"}, {"CAST-B1", "CAST-B2", "CAST-B2X"}),
        Action.VIEW_AUDIT: (set(), set()),
        Action.VIEW_SENSITIVE: (set(), set()),
    },
    "secretary": {
        Action.VIEW: ({"B", "G"}, {"CAST-B1", "CAST-B2"}),
        Action.MANAGE_MEMBERS: ({"B", "G"}, {"CAST-B1", "CAST-B2"}),
        Action.MANAGE_UNITS: (set(), set()),
        Action.MANAGE_ACTIVITIES: ({"B", "G"}, {"CAST-B1", "CAST-B2"}),
        Action.VIEW_AUDIT: (set(), set()),
        Action.VIEW_SENSITIVE: ({"B", "G"}, {"CAST-B1", "CAST-B2"}),
    },
    "member": {
        Action.VIEW: ({"B"}, {"CAST-B1"}),
        **{a: (set(), set()) for a in Action if a != Action.VIEW},
    },
    "outsider": {
        Action.VIEW: ({"Q", "QC", "QB"}, {"CAST-Q"}),
        Action.MANAGE_MEMBERS: ({"Q", "QC", "QB"}, {"CAST-Q"}),
        Action.MANAGE_UNITS: ({"Q", "QC", "QB"}, {"CAST-Q"}),
        Action.MANAGE_ACTIVITIES: (set(), set()),
        Action.VIEW_AUDIT: ({"Q", "QC", "QB"}, {"CAST-Q"}),
        Action.VIEW_SENSITIVE: ({"Q", "QC", "QB"}, {"CAST-Q"}),
    },
    "anonymous": {a: (set(), set()) for a in Action},
}


def unit_codes(user, action: Action) -> set[str]:  # type: ignore[no-untyped-def]
    return set(scope_of(user).units(action).values_list("code", flat=True))


def member_ids(user, action: Action) -> set[str]:  # type: ignore[no-untyped-def]
    return set(scope_of(user).members(action).values_list("member_id", flat=True))


def test_every_role_and_action(cast: Cast) -> None:
    for name, by_action in EXPECTED.items():
        user = cast.user(name)
        scope = scope_of(user)
        for action, (units, members) in by_action.items():
            assert unit_codes(user, action) == units, (name, action)
            assert member_ids(user, action) == members, (name, action)
            for code in ALL_UNITS:
                assert scope.can(action, cast.units[code]) == (code in units), (name, action, code)
            # The Http404 getters and can_member on one member in and one out is enough here:
            # they are thin wrappers over the querysets checked above.
            inside = [m for m in cast.members.values() if m.member_id in members]
            outside = [m for m in cast.members.values() if m.member_id not in members]
            for member in inside[:1]:
                assert scope.can_member(action, member)
                assert get_member_for_user(user, member.member_id, action) == member
            for member in outside[:1]:
                assert not scope.can_member(action, member)
                with pytest.raises(Http404):
                    get_member_for_user(user, member.member_id, action)
            for code in sorted(ALL_UNITS - units)[:1]:
                with pytest.raises(Http404):
                    get_unit_for_user(user, code, action)
            for code in sorted(units)[:1]:
                assert get_unit_for_user(user, code, action).code == code


def test_no_role_sees_nothing(cast: Cast) -> None:
    user = get_user_model().objects.create_user("nobody")
    scope = scope_of(user)
    assert not scope.is_admin
    for action in Action:
        assert not scope.units(action).exists()
        assert not scope.members(action).exists()
        assert not scope.can(action, cast.P)
    assert scope.home_unit() is None


def test_inactive_user_sees_nothing(cast: Cast) -> None:
    cast.officer.is_active = False
    cast.officer.save()
    forget_scope(cast.officer)
    assert not scope_of(cast.officer).units().exists()


def test_scope_is_cached_on_the_user(cast: Cast, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    first = scope_of(cast.officer)
    with django_assert_num_queries(0):
        assert scope_of(cast.officer) is first


def test_home_units(cast: Cast) -> None:
    assert scope_of(cast.officer).home_unit() == cast.P
    assert scope_of(cast.committee).home_unit() == cast.C
    assert scope_of(cast.secretary).home_unit() == cast.B
    assert scope_of(cast.member).home_unit() == cast.B
    assert scope_of(cast.outsider).home_unit() == cast.Q
    assert scope_of(None).home_unit() is None
    assert scope_of(cast.admin).home_unit() in {cast.P, cast.Q}


def test_scope_follows_a_move(cast: Cast) -> None:
    """C2 moves from P to Q: the officer of Q now reaches it, the officer of P no longer."""
    move_unit(cast.C2, parent=cast.Q, on=today() - dt.timedelta(days=10))
    for user in (cast.officer, cast.outsider):
        forget_scope(user)
    assert {"C2", "BC2"} <= unit_codes(cast.outsider, Action.MANAGE_UNITS)
    assert "CAST-C2" in member_ids(cast.outsider, Action.VIEW)
    assert not {"C2", "BC2"} & unit_codes(cast.officer, Action.VIEW)
    assert "CAST-C2" not in member_ids(cast.officer, Action.VIEW)
    assert scope_of(cast.outsider).can(Action.MANAGE_MEMBERS, cast.units["BC2"])
    assert not scope_of(cast.officer).can(Action.VIEW, cast.units["BC2"])


def test_scope_follows_a_merge(cast: Cast) -> None:
    """B2 merges into B: B's secretary reaches B2's members; the ended B2 stays with C."""
    on = today() - dt.timedelta(days=5)
    merge_units(cast.units["B2"], into=cast.B, on=on)
    b2 = cast.units["B2"]
    b2.refresh_from_db()
    assert b2.valid_to == on
    for user in (cast.secretary, cast.committee, cast.officer):
        forget_scope(user)
    assert "CAST-B2X" in member_ids(cast.secretary, Action.MANAGE_MEMBERS)
    # The ended branch is judged by its place on its last day: under C, not under B.
    assert "B2" not in unit_codes(cast.secretary, Action.VIEW)
    assert not scope_of(cast.secretary).can(Action.VIEW, b2)
    assert "B2" in unit_codes(cast.committee, Action.VIEW)
    assert scope_of(cast.committee).can(Action.VIEW, b2)
    assert scope_of(cast.officer).can(Action.MANAGE_UNITS, b2)
    assert not scope_of(cast.outsider).can(Action.VIEW, b2)
    assert get_unit_for_user(cast.officer, "B2").code == "B2"


def test_role_on_a_merged_unit_follows_to_the_target(cast: Cast) -> None:
    """The secretary of B2 keeps working after B2 is merged into B: the role follows the merge."""
    user = get_user_model().objects.create_user("sec.b2")
    Role.objects.create(user=user, kind=RoleKind.BRANCH_SECRETARY, unit=cast.units["B2"])
    merge_units(cast.units["B2"], into=cast.B, on=today() - dt.timedelta(days=3))
    scope = scope_of(user)
    assert scope.home_unit() == cast.B
    assert {"B", "G", "B2"} == unit_codes(user, Action.VIEW)
    assert {"CAST-B1", "CAST-B2", "CAST-B2X"} == member_ids(user, Action.MANAGE_MEMBERS)


def test_ended_member_in_a_dissolved_unit(cast: Cast) -> None:
    """A member who left stays visible, through their last home, even after it is dissolved."""
    from coso.members.operations import record_leaving

    on = today() - dt.timedelta(days=40)
    member = record_leaving(cast.members["b2x"], on=on)
    assert member.status == MemberStatus.LEFT
    dissolve_unit(cast.units["B2"], on=today() - dt.timedelta(days=20))
    for user in (cast.committee, cast.secretary, cast.outsider):
        forget_scope(user)
    assert "CAST-B2X" in member_ids(cast.committee, Action.VIEW)
    assert "B2" in unit_codes(cast.committee, Action.VIEW)
    assert "CAST-B2X" not in member_ids(cast.secretary, Action.VIEW)
    assert "CAST-B2X" not in member_ids(cast.outsider, Action.VIEW)


def test_future_unit_is_in_the_scope_of_its_parent(cast: Cast) -> None:
    late = create_unit(
        code="LATE", name="Chi bộ mới", kind="branch", parent=cast.C, on=today() + dt.timedelta(30)
    )
    forget_scope(cast.committee)
    assert "LATE" in unit_codes(cast.committee, Action.VIEW)
    assert scope_of(cast.committee).can(Action.VIEW, late)
    assert not scope_of(cast.outsider).can(Action.VIEW, late)


def test_member_without_a_record_link_sees_nothing(cast: Cast) -> None:
    Account.objects.filter(user=cast.member).update(member=None)
    forget_scope(cast.member)
    assert not scope_of(cast.member).units().exists()
    assert not scope_of(cast.member).members().exists()


def test_superuser_without_role_is_admin(cast: Cast) -> None:
    user = get_user_model().objects.create_superuser("root2", "r@x.test", None)
    assert scope_of(user).is_admin
    assert unit_codes(user, Action.MANAGE_UNITS) == ALL_UNITS


def test_scope_costs_a_few_queries_whatever_the_size(
    cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    forget_scope(cast.officer)
    with django_assert_max_num_queries(4):
        scope = scope_of(cast.officer)
    # The first list also asks once whether the role (on a root, P) covers every unit.
    with django_assert_max_num_queries(2):
        assert len(list(scope.members(Action.MANAGE_MEMBERS))) == 4
    with django_assert_max_num_queries(1):
        assert len(list(scope.members(Action.MANAGE_MEMBERS))) == 4
    # The first question about an action also asks once whether the role covers everything.
    with django_assert_max_num_queries(2):
        assert len(list(scope.units(Action.VIEW))) == 7
    with django_assert_max_num_queries(1):
        assert len(list(scope.units(Action.VIEW))) == 7
    with django_assert_max_num_queries(1):
        assert scope.can(Action.VIEW, cast.units["BC2"])


def test_role_follows_two_merges_in_a_row(cast: Cast) -> None:
    user = get_user_model().objects.create_user("sec.b2.twice")
    Role.objects.create(user=user, kind=RoleKind.BRANCH_SECRETARY, unit=cast.units["B2"])
    b3 = create_unit(
        code="B3", name="Chi bộ 3", kind="branch", parent=cast.C, on=today() - dt.timedelta(9)
    )
    merge_units(cast.units["B2"], into=cast.B, on=today() - dt.timedelta(days=6))
    merge_units(cast.B, into=b3, on=today() - dt.timedelta(days=3))
    scope = scope_of(user)
    assert scope.home_unit() == b3
    assert member_ids(user, Action.MANAGE_MEMBERS) == {"CAST-B1", "CAST-B2", "CAST-B2X"}
    assert scope.can(Action.VIEW, b3) and "G" in unit_codes(user, Action.VIEW)


def test_a_nul_in_a_code_finds_nothing_on_every_database(cast: Cast) -> None:
    """PostgreSQL refuses NUL in text; a crafted URL must answer 404, not 500."""
    with pytest.raises(Http404):
        get_unit_for_user(cast.admin, "B\x00")
    with pytest.raises(Http404):
        get_member_for_user(cast.admin, "CAST-B1\x00")
    assert get_unit_for_user(cast.admin, " B ") == cast.B
