"""The coverage tally's rebuild, computed by the database (`coso.outreach.tally.rebuild`), equals
the periods the writers compute in Python (`household_periods`, `member_runs`) for random
registers: households with periods that end or not, responsibilities that overlap, touch or
leave gaps, visits in and out of the households' periods and across quarters, members moving
between units with gaps between their spans."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from coso.core.dates import FAR_FUTURE
from coso.outreach import tally
from coso.outreach.models import (
    CoverageDelta,
    CrossResponsibility,
    Household,
    HouseholdResponsibility,
    ResponsibleRun,
    UnitCoverageDelta,
    Visit,
)
from tests.stats.helpers import D, member, unit
from tests.stats.test_subtree_tally import settings_

BASE = D(2024, 1, 1)
# Offsets of at most 200 days from BASE: periods meet and cross two quarter ends.
offsets = st.integers(min_value=0, max_value=200)


def _day(n: int) -> dt.date:
    return BASE + dt.timedelta(days=n)


def _period(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    start = draw(offsets)
    if draw(st.booleans()):
        return _day(start), FAR_FUTURE
    return _day(start), _day(start + draw(st.integers(min_value=1, max_value=120)))


@st.composite
def periods(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    return _period(draw)


@st.composite
def spans(draw: st.DrawFn, units: int) -> list[tuple[int, dt.date, dt.date]]:
    """Consecutive spans (gaps allowed), the last one open or not."""
    cuts = sorted(set(draw(st.lists(offsets, min_size=2, max_size=5))))
    if len(cuts) < 2:
        cuts.append(cuts[0] + 1)
    out = []
    for a, b in itertools.pairwise(cuts):
        if draw(st.integers(0, 3)) == 0:
            continue  # a gap: out of the party for a while
        out.append((draw(st.integers(0, units - 1)), _day(a), _day(b)))
    if out and draw(st.booleans()):
        unit_index, start, _end = out[-1]
        out[-1] = (unit_index, start, FAR_FUTURE)
    return out or [(0, _day(cuts[0]), _day(cuts[-1]))]


def _python() -> tuple[Counter[Any], list[Any], list[Any]]:
    """The deltas, runs and cross periods as the writers compute them, for everything."""
    deltas = tally._household_deltas(Q(), Q())
    runs, cross = tally._member_state(Q(), Q())
    for periods_ in runs.values():
        tally._run_deltas(deltas, periods_)
    run_rows = sorted((m, *run) for m, found in runs.items() for run in found)
    return deltas, run_rows, sorted(cross)


@pytest.mark.django_db
@settings_
@given(data=st.data())
def test_the_rebuild_by_the_database_equals_the_periods_computed_in_python(
    data: st.DataObject,
) -> None:
    with transaction.atomic():
        province = unit("P", "province", None, on=D(2019, 1, 1))
        commune = unit("C", "commune", province, on=D(2019, 1, 1))
        branches = [unit(f"B{i}", "branch", commune, on=D(2019, 1, 1)) for i in range(3)]
        people = [
            member([(branches[u], a, b) for u, a, b in data.draw(spans(len(branches)))])
            for _ in range(data.draw(st.integers(1, 4)))
        ]
        households = []
        for i in range(data.draw(st.integers(1, 5))):
            start, end = data.draw(periods())
            households.append(
                Household.objects.create(
                    code=f"H{i}",
                    head_name="Chủ hộ",
                    address="Thôn",
                    area=branches[data.draw(st.integers(0, len(branches) - 1))],
                    valid_from=start,
                    valid_to=end,
                )
            )
        for _ in range(data.draw(st.integers(0, 8))):
            start, end = data.draw(periods())
            HouseholdResponsibility.objects.create(
                household=data.draw(st.sampled_from(households)),
                member=data.draw(st.sampled_from(people)),
                valid_from=start,
                valid_to=end,
            )
        for _ in range(data.draw(st.integers(0, 8))):
            Visit.objects.create(
                household=data.draw(st.sampled_from(households)),
                member=data.draw(st.sampled_from(people)),
                on=_day(data.draw(st.integers(min_value=-20, max_value=230))),
            )

        deltas, runs, cross = _python()
        tally.rebuild()

        assert runs == sorted(
            ResponsibleRun.objects.values_list("member_id", "unit_id", "valid_from", "valid_to")
        )
        assert cross == sorted(
            CrossResponsibility.objects.values_list(
                "member_id", "household_id", "unit_id", "valid_from", "valid_to"
            )
        )
        assert sorted((str(m), u, d, n) for (m, u, d), n in deltas.items() if n) == sorted(
            UnitCoverageDelta.objects.values_list("metric", "unit_id", "day", "delta")
        )
        root = sorted((str(m), d, n) for (m, d), n in tally._root(deltas).items() if n)
        assert root == sorted(CoverageDelta.objects.values_list("metric", "day", "delta"))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_visit_is_counted_to_the_end_of_its_quarter_on_both_databases() -> None:
    """The database's quarter ends (SQLite's date arithmetic, PostgreSQL's date_trunc) are
    the Python ones, the last day of a quarter and the first of the next included."""
    area = unit("B", "branch", unit("C", "commune", unit("P", "province", None)))
    person = member([(area, D(2024, 1, 1), FAR_FUTURE)])
    house = Household.objects.create(
        code="H", head_name="Chủ hộ", address="Thôn", area=area, valid_from=D(2024, 1, 1)
    )
    for on in (D(2024, 3, 31), D(2024, 4, 1), D(2024, 12, 31), D(2025, 11, 15)):
        Visit.objects.create(household=house, member=person, on=on)
    tally.rebuild()
    visited = dict(UnitCoverageDelta.objects.filter(metric="visited").values_list("day", "delta"))
    assert visited == {
        D(2024, 3, 31): 1,  # to 1 April; the visit of 1 April continues it to 1 July
        D(2024, 7, 1): -1,
        D(2024, 12, 31): 1,
        D(2025, 1, 1): -1,
        D(2025, 11, 15): 1,
        D(2026, 1, 1): -1,
    }
