"""The scope's cheaper reads answer exactly what `units(action)` and `members(action)` answer.

The loaders ask `can` / `can_member` about the one object instead of filtering the whole scope,
proposals are filtered row by row (`unit_filter`), and reads about today use `units_alive` /
`spans_today` (path ranges, nothing at all at the centre). Each is checked here against the
reference for every role, every action and every unit or member, on a tree where a unit has
moved, one has been merged away and one is created with a future date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from coso.authority.scope import (
    Action,
    forget_scope,
    get_member_for_user,
    get_unit_for_user,
    scope_of,
)
from coso.core.dates import today
from coso.members.models import Member
from coso.units.models import Unit, UnitKind, UnitSpan
from coso.units.operations import create_unit, merge_units, move_unit
from tests.cast import ROLES, Cast


@pytest.fixture
def changed(cast: Cast) -> Cast:
    day = today() - dt.timedelta(days=30)
    move_unit(cast.units["B2"], parent=cast.units["C2"], on=day)
    merge_units(cast.units["BC2"], into=cast.units["B2"], on=day + dt.timedelta(days=1))
    create_unit(
        code="LATER",
        name="Chi bộ mới",
        kind=UnitKind.BRANCH,
        parent=cast.units["C"],
        on=today() + dt.timedelta(days=10),
    )
    for name in ROLES:
        forget_scope(cast.user(name))
    return cast


@pytest.mark.parametrize("who", [r for r in ROLES if r != "anonymous"])
def test_the_cheap_reads_agree_with_the_scope(changed: Cast, who: str) -> None:
    user = changed.user(who)
    found = scope_of(user)
    day = found.day
    alive_ids = set(
        UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).values_list(
            "unit_id", flat=True
        )
    )
    for action in Action:
        reference = set(found.units(action).values_list("pk", flat=True))
        for unit in Unit.objects.all():
            assert found.can(action, unit) == (unit.pk in reference), (who, action, unit.code)
        members = set(found.members(action).values_list("pk", flat=True))
        for member in Member.objects.all():
            assert found.can_member(action, member) == (member.pk in members), (who, action)
        alive = found.units_alive(action)
        expected_alive = reference & alive_ids
        got = alive_ids if alive is None else set(alive.values_list("pk", flat=True))
        assert got == expected_alive, (who, action)
        visible = found.visible_on(day, action)
        got = (
            alive_ids if visible is None else alive_ids & set(visible.values_list("pk", flat=True))
        )
        assert got == expected_alive, (who, action)
        spans = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
        condition = found.spans_today(action)
        if condition is not None:
            spans = spans.filter(condition)
        assert set(spans.values_list("unit_id", flat=True)) == expected_alive, (who, action)
        # Row by row (proposals use it): here on the unit spans, one row per span of a unit.
        rows = UnitSpan.objects.filter(found.unit_filter("unit", action))
        assert set(rows.values_list("unit_id", flat=True)) == reference, (who, action)
        for unit in Unit.objects.all():
            try:
                loaded = get_unit_for_user(user, unit.code, action) == unit
            except Http404:
                loaded = False
            assert loaded == (unit.pk in reference), (who, action, unit.code)
            member = Member.objects.filter(home_unit=unit).first()
            if member is not None:
                try:
                    got_member = get_member_for_user(user, member.member_id, action) == member
                except Http404:
                    got_member = False
                assert got_member == (member.pk in members), (who, action, member.member_id)
