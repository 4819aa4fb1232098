"""The figures of the units right below a root (and the member totals of the units below
them), summed from SubtreeDelta, equal the figures counted from the spans: after random
reorganizations (moves and merges change which unit a subtree counts towards without any member
event), random member histories, on any past day; and the rows kept up to date by the writers
equal a bulk rebuild."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.members.models import MemberSpan
from coso.members.operations import strike_off
from coso.stats.models import SubtreeDelta
from coso.stats.queries import (
    member_figures,
    stats_as_of,
    stats_from_spans,
    subtree_member_counts,
    tallied_totals,
)
from coso.stats.tally import SUBTREE_DEPTH, TOTAL_DEPTH, add_member_spans, rebuild_subtrees
from coso.units.models import Unit, UnitSpan
from coso.units.operations import merge_units, move_unit
from tests.units.test_reorg_properties import START, build, step

from .helpers import D, home
from .helpers import unit as make_unit
from .test_fast_path import _build as build_members

TALLIED = {"unit_id", "grain", "day", "metric", "delta"}


def _rows() -> set[tuple[object, ...]]:
    rows = list(SubtreeDelta.objects.values_list("unit_id", "grain", "day", "metric", "delta"))
    assert len(rows) == len(set(rows))  # one row per unit, grain, day and figure
    return set(rows)


def _check(days: list[dt.date]) -> None:
    """Every tallied unit's figures equal the spans' on each day; the rows equal a rebuild."""
    incremental = _rows()
    rebuild_subtrees()
    assert _rows() == incremental
    for day in days:
        spans = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related(
            "unit"
        )
        for span in spans:
            # The home page's figures (members and units alone), by whichever path they take.
            full = stats_from_spans(span.unit, day)
            assert member_figures(span.unit, day) == {
                k: full[k] for k in ("unit", "as_of", "members", "units")
            }, (span.unit.code, day)
            if span.depth == SUBTREE_DEPTH:
                assert stats_as_of(span.unit, day) == stats_from_spans(span.unit, day), (
                    span.unit.code,
                    day,
                )
            if span.depth + 1 in (SUBTREE_DEPTH, TOTAL_DEPTH):
                children = {
                    s.unit_id: stats_from_spans(s.unit, day)["members"]["total"]
                    for s in spans
                    if s.parent_id == span.unit_id
                }
                got = tallied_totals(span, day)
                assert {k: v for k, v in got.items() if v} == {
                    k: v for k, v in children.items() if v
                }, (span.unit.code, day)
                # The tree's counts one level down (from the tallies) equal the whole subtree's
                # (counted from the spans by path).
                shown, counts = subtree_member_counts(span.unit, day, 1)
                _all, counted = subtree_member_counts(span.unit, day)
                assert {s.unit_id: counts.get(s.unit_id, 0) for s in shown} == {
                    s.unit_id: counted.get(s.unit_id, 0) for s in shown
                }, (span.unit.code, day)


settings_ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@settings_
@given(data=st.data())
def test_tallies_follow_random_reorganizations(data: st.DataObject) -> None:
    with transaction.atomic():
        build(data)
        day = START
        seen = [START]
        for i in range(data.draw(st.integers(1, 8), label="steps")):
            day += dt.timedelta(days=data.draw(st.integers(0, 3), label=f"gap {i}") * 30)
            live = list(
                UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
                .select_related("unit")
                .order_by("unit__code")
            )
            if not live:
                break
            try:
                with transaction.atomic():
                    step(data, i, day, live)
            except CosoError:
                pass
            seen += [day, day - dt.timedelta(days=1)]
        _check(sorted(set(seen)))
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings_
@given(data=st.data())
def test_tallies_follow_random_member_histories(data: st.DataObject) -> None:
    """Members coming and going, changing status, units ending and retagged, on any day."""
    with transaction.atomic():
        _root, ends = build_members(data)
        days = data.draw(st.lists(st.dates(min_value=D(2015, 1, 1), max_value=D(2026, 1, 1))))
        _check(sorted({D(2015, 1, 1), D(2026, 1, 1), *ends, *days}))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_move_and_a_merge_between_provinces_move_the_figures_on_their_day() -> None:
    root = make_unit("TW", "central", None)
    a = make_unit("01", "province", root)
    b = make_unit("02", "province", root)
    ca = make_unit("01-C", "commune", a)
    cb = make_unit("02-C", "commune", b)
    branch = make_unit("01-B", "branch", ca, tags=["village"])
    other = make_unit("02-B", "branch", cb)
    for _ in range(3):
        home(branch)
    home(other, status="probationary")
    moved, merged = D(2022, 3, 1), D(2023, 6, 15)
    move_unit(ca, parent=b, on=moved)
    merge_units(cb, into=ca, on=merged)

    def total(u: Unit, day: dt.date) -> int:
        return int(stats_as_of(u, day)["members"]["total"])

    assert (total(a, moved - dt.timedelta(days=1)), total(b, moved - dt.timedelta(days=1))) == (
        3,
        1,
    )
    assert (total(a, moved), total(b, moved)) == (0, 4)
    assert stats_as_of(b, merged)["units"] == {"branch": 2, "commune": 1}
    assert stats_as_of(a, D(2020, 1, 1))["branch_categories"] == {"village": 1}
    assert tallied_totals(UnitSpan.objects.get(unit=root), moved) == {a.pk: 0, b.pk: 4}
    _check([D(2020, 1, 1), moved, merged, D(2026, 1, 1)])


@pytest.mark.django_db
def test_an_act_back_dated_across_a_move_between_provinces_moves_the_figures_on_the_move_day() -> (
    None
):
    """The member's span crosses the move: its piece in the first province ends on the move
    day and its piece in the second starts. Striking the member off before the move removes
    both; admitting one back-dated adds both (days the act itself does not write)."""
    root = make_unit("TW", "central", None)
    a = make_unit("01", "province", root)
    b = make_unit("02", "province", root)
    commune = make_unit("01-C", "commune", a)
    branch = make_unit("01-B", "branch", commune)
    struck, _stays = home(branch), home(branch)
    moved = D(2022, 1, 1)
    move_unit(commune, parent=b, on=moved)
    strike_off(struck, on=D(2021, 6, 1), reason="Bỏ sinh hoạt")
    home(branch, start=D(2020, 3, 1), status="probationary")  # written after the move
    assert stats_as_of(b, D(2023, 1, 1))["members"]["total"] == 2
    assert stats_as_of(b, D(2023, 1, 1))["members"]["probationary"] == 1
    _check([D(2021, 6, 1), moved - dt.timedelta(days=1), moved, D(2023, 1, 1)])


@pytest.mark.django_db
def test_adding_spans_as_an_import_does_equals_a_recount() -> None:
    root = make_unit("TW", "central", None)
    a = make_unit("01", "province", root)
    branch = make_unit("01-B", "branch", make_unit("01-C", "commune", a))
    home(branch)
    move_unit(branch, parent=make_unit("01-D", "commune", a), on=D(2021, 1, 1))
    member = home(branch)  # written with refresh_days, as every writer does
    spans = [
        (D(2019, 5, 1), FAR_FUTURE, "official", True, False),
        (D(2020, 1, 1), D(2022, 1, 1), "probationary", False, False),
    ]
    for i, (start, end, status, exempt, in_transit) in enumerate(spans):
        MemberSpan.objects.create(
            member=member if i else home(branch, start=D(2015, 1, 1), end=D(2016, 1, 1)),
            unit=branch,
            valid_from=start,
            valid_to=end,
            status=status,
            exempt=exempt,
            in_transit=in_transit,
        )
    add_member_spans(spans, units=[branch.pk, branch.pk])
    _check([D(2019, 5, 1), D(2020, 6, 1), D(2021, 1, 1), D(2022, 1, 1)])
