"""The coverage tally (`coso.outreach.tally`) answers exactly what the live count answers, at the
root and for every subtree, on every day, through registrations, assignments, handovers (one to
a member of another commune), a same-day correction, ended responsibilities, visits in and out
of the quarter (one dated back), a member leaving the party and reorganizations; it equals a
fresh rebuild; the reader computes live when it cannot answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coso.core.errors import CosoError
from coso.members.operations import record_leaving
from coso.outreach import tally
from coso.outreach.models import (
    CoverageDelta,
    CoverageStamp,
    CrossResponsibility,
    ResponsibleRun,
    UnitCoverageDelta,
)
from coso.outreach.operations import assign_household, record_visit, register_household
from coso.outreach.queries import _coverage_everywhere, _coverage_live, household_coverage
from coso.units.models import Unit
from coso.units.operations import create_unit, merge_units, move_unit
from coso.units.queries import span_on, subtree_range
from tests.cast import START, _member

FIRST, LAST = dt.date(2023, 12, 25), dt.date(2025, 2, 5)


def _days() -> list[dt.date]:
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


@pytest.fixture
def tree(db: Any) -> dict[str, Any]:
    units: dict[str, Any] = {}
    for code, kind, parent in [
        ("TW", "province", None),
        ("C1", "commune", "TW"),
        ("C2", "commune", "TW"),
        ("B1", "branch", "C1"),
        ("B2", "branch", "C2"),
        ("B3", "branch", "C1"),
    ]:
        units[code] = create_unit(
            code=code,
            name=f"Đơn vị {code}",
            kind=kind,
            parent=units[parent] if parent else None,
            on=START,
        )
    members = {
        "m1": _member("T-M1", "Phạm Văn Một", units["B1"]),
        "m2": _member("T-M2", "Trần Thị Hai", units["B2"], gender="female"),
        "m3": _member("T-M3", "Lê Văn Ba", units["B3"]),
        "m4": _member("T-M4", "Đỗ Văn Bốn", units["B3"]),
    }
    return {**units, **members}


def _house(code: str, area: Any, on: dt.date) -> Any:
    return register_household(code=code, head_name="Chủ hộ", address="Thôn", area=area, on=on)


def _unit_rows() -> list[tuple[Any, ...]]:
    return sorted(
        row
        for row in UnitCoverageDelta.objects.values_list("unit_id", "metric", "day", "delta")
        if row[3]
    )


def _runs() -> list[tuple[Any, ...]]:
    return sorted(
        ResponsibleRun.objects.values_list("member_id", "unit_id", "valid_from", "valid_to")
    )


def _assert_exact(root: Any) -> None:
    """On every day: the tally as kept in step == a fresh rebuild == the live count, at the
    root and for every unit below it existing that day."""
    kept = {d: tally.read(d) for d in _days()}
    kept_rows = sorted(
        (m, d, n) for m, d, n in CoverageDelta.objects.values_list("metric", "day", "delta") if n
    )
    kept_units = _unit_rows()
    kept_cross = sorted(
        CrossResponsibility.objects.values_list(
            "member_id", "household_id", "unit_id", "valid_from", "valid_to"
        )
    )
    kept_runs = _runs()
    tally.rebuild()
    assert kept_runs == _runs()
    assert kept_rows == sorted(CoverageDelta.objects.values_list("metric", "day", "delta"))
    assert kept_units == _unit_rows()
    assert kept_cross == sorted(
        CrossResponsibility.objects.values_list(
            "member_id", "household_id", "unit_id", "valid_from", "valid_to"
        )
    )
    below = list(Unit.objects.exclude(pk=root.pk))
    for day in _days():
        live = _coverage_everywhere(root, day)
        assert {"unit": root.code, "as_of": day.isoformat(), **(kept[day] or {})} == live, day
        assert household_coverage(root, day) == live, day
        for unit in below:
            try:
                lo, hi = subtree_range(span_on(unit, day).path)
            except CosoError:  # the unit does not exist that day
                continue
            expected = _coverage_live(unit, day, lo, hi)
            assert household_coverage(unit, day) == expected, (unit.code, day)


def _writes(t: dict[str, Any]) -> None:
    m1, m2, m3, m4 = t["m1"], t["m2"], t["m3"], t["m4"]
    h1 = _house("H1", t["B1"], dt.date(2024, 1, 10))
    h2 = _house("H2", t["B1"], dt.date(2024, 2, 1))
    h3 = _house("H3", t["B2"], dt.date(2024, 3, 1))
    h4 = _house("H4", t["B3"], dt.date(2024, 4, 1))
    _house("H5", t["B2"], dt.date(2024, 4, 1))  # nobody ever responsible
    assign_household(h1, m1, on=dt.date(2024, 2, 1))
    assign_household(h2, m1, on=dt.date(2024, 3, 1))  # m1 responsible for two: counted once
    assign_household(h3, m2, on=dt.date(2024, 3, 15))
    assign_household(h4, m3, on=dt.date(2024, 4, 10))
    assign_household(h4, m4, on=dt.date(2024, 4, 10))  # corrected the same day
    assign_household(h2, m2, on=dt.date(2024, 6, 1))  # handover
    record_visit(h1, m1, on=dt.date(2024, 5, 5))
    record_visit(h1, m1, on=dt.date(2024, 5, 20))  # the second in the quarter
    record_visit(h1, m1, on=dt.date(2024, 4, 2))  # dated back: now the quarter's first
    record_visit(h3, m2, on=dt.date(2024, 6, 30))  # last day of Q2
    record_visit(h3, m2, on=dt.date(2024, 7, 1))  # first of Q3
    record_visit(h2, m2, on=dt.date(2024, 9, 15))
    assign_household(h4, None, on=dt.date(2024, 8, 1))  # ended: m4 no longer counted
    assign_household(h1, None, on=dt.date(2024, 9, 1))  # m1's last responsibility ends
    assign_household(h4, m3, on=dt.date(2024, 10, 1))
    record_visit(h4, m3, on=dt.date(2024, 10, 2))
    record_leaving(m2, on=dt.date(2024, 10, 15))  # still responsible, no longer counted
    merge_units(t["B3"], into=t["B1"], on=dt.date(2024, 11, 1))  # m3, m4 move to B1
    move_unit(t["B2"], parent=t["C1"], on=dt.date(2024, 12, 1))
    assign_household(h1, m3, on=dt.date(2025, 1, 2))
    record_visit(h1, m3, on=dt.date(2025, 1, 3))


def test_the_tally_kept_in_step_equals_the_live_count_every_day(tree: dict[str, Any]) -> None:
    tally.rebuild()  # built on an empty register: everything after comes by increments
    _writes(tree)
    assert CoverageStamp.objects.exists()
    # m1 until 1 Sep, m2 until leaving, m4 until ended, m3 in B3 then in B1 after the merge.
    runs = {
        (r.member.member_id, r.unit.code, r.valid_from, r.valid_to)
        for r in ResponsibleRun.objects.select_related("member", "unit")
    }
    far = dt.date(9999, 12, 31)
    assert runs == {
        ("T-M1", "B1", dt.date(2024, 2, 1), dt.date(2024, 9, 1)),
        ("T-M2", "B2", dt.date(2024, 3, 15), dt.date(2024, 10, 15)),
        ("T-M4", "B3", dt.date(2024, 4, 10), dt.date(2024, 8, 1)),
        ("T-M3", "B3", dt.date(2024, 10, 1), dt.date(2024, 11, 1)),
        ("T-M3", "B1", dt.date(2024, 11, 1), far),
    }
    # m2 (home B2, commune C2) answered for h2 of B1 (commune C1) until leaving the party; m3
    # for h4 of B3 from B1 once B3 was merged into it (h4's area stays B3, ended); m3 for h1
    # of B1 from 2 Jan 2025: the same area, no cross row.
    cross = {
        (c.member.member_id, c.household.code, c.unit.code, c.valid_from, c.valid_to)
        for c in CrossResponsibility.objects.select_related("member", "household", "unit")
    }
    assert cross == {
        ("T-M2", "H2", "B2", dt.date(2024, 6, 1), dt.date(2024, 10, 15)),
        ("T-M3", "H4", "B1", dt.date(2024, 11, 1), far),
    }
    on = dt.date(2024, 9, 30)
    assert household_coverage(tree["C2"], on) == {
        "unit": "C2",
        "as_of": "2024-09-30",
        "responsible_members": 1,  # m2
        "households": 3,  # h3, h5 of its area; h2 of C1's through m2
        "visited_this_quarter": 2,  # h3, h2
        "without_member": 1,  # h5
    }
    figures = tally.read(dt.date(2024, 9, 30))
    assert figures == {
        "responsible_members": 1,  # m2 (h2, h3)
        "households": 5,
        "visited_this_quarter": 2,  # h3 (1 Jul), h2 (15 Sep)
        "without_member": 3,  # h1, h4, h5
    }
    _assert_exact(tree["TW"])


def test_a_rebuild_after_the_writes_equals_the_live_count(tree: dict[str, Any]) -> None:
    _writes(tree)  # no tally meanwhile: the writers leave it alone
    assert not CoverageDelta.objects.exists() and tally.read(LAST) is None
    assert household_coverage(tree["TW"], LAST) == _coverage_everywhere(tree["TW"], LAST)
    tally.rebuild()
    _assert_exact(tree["TW"])


def test_the_reader_computes_live_when_the_tally_cannot_answer(
    tree: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    _writes(tree)
    tally.rebuild()
    day = dt.date(2024, 9, 30)
    with django_assert_max_num_queries(4):
        fast = household_coverage(tree["TW"], day)
    assert fast == _coverage_everywhere(tree["TW"], day)
    # A wrong tally shows whether it is read.
    CoverageDelta.objects.create(metric="households", day=dt.date(2000, 1, 1), delta=100)
    assert household_coverage(tree["TW"], day)["households"] == 105
    # A second root: TW is no longer the whole registry, the figures are the subtree's (live).
    create_unit(code="Q", name="Đơn vị Q", kind="province", parent=None, on=START)
    assert household_coverage(tree["TW"], day)["households"] == 5
    # Not built: live.
    CoverageStamp.objects.all().delete()
    assert tally.read(day) is None


def test_the_lists_take_their_length_from_the_tally(tree: dict[str, Any]) -> None:
    from coso.outreach.models import Household
    from coso.outreach.queries import Counted, households_in, households_listed

    tally.rebuild()
    _writes(tree)
    listed = households_listed(tree["TW"], LAST)
    live = Household.objects.filter(valid_from__lte=LAST, valid_to__gt=LAST)
    assert isinstance(listed, Counted) and len(listed) == live.count() > 0
    assert [h.pk for h in listed[0:100]] == sorted(live.values_list("pk", flat=True))
    for code in ("C1", "C2", "B1", "B2"):  # below the root: the subtree's areas' count
        below = households_listed(tree[code], LAST)
        assert isinstance(below, Counted), code
        every = households_in(tree[code], LAST)
        assert len(below) == every.count()  # C2 has none left: B2 moved to C1
        # Pages of two, in the tree's order: each household once, annotated like the list.
        paged = [h for start in range(0, len(below), 2) for h in below[start : start + 2]]
        assert sorted(h.pk for h in paged) == sorted(every.values_list("pk", flat=True))
        assert len({h.pk for h in paged}) == len(paged)
        by_pk = {h.pk: h.responsible_name for h in every}
        assert all(h.responsible_name == by_pk[h.pk] for h in paged)
    assert 0 < len(households_listed(tree["C1"], LAST)) < live.count()
    CoverageStamp.objects.all().delete()  # not built: counted by the database
    assert not isinstance(households_listed(tree["C1"], LAST), Counted)
