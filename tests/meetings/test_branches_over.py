"""The bounded count of a subtree's branches in a period (what decides whether a report or a
chart is computed live): each branch once, however many spans it has in the period."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.meetings.activity import branches_over
from coso.units.operations import move_unit, rename_unit
from tests.units.tree import build_tree

START, END = dt.date(2025, 1, 1), dt.date(2026, 1, 1)


@pytest.fixture
def u():
    return build_tree()


def test_a_branch_with_several_spans_in_the_period_counts_once(u):
    # Renamed twice, then moved from C1 to C2, B1 has four spans in 2025, all under P and the
    # first three under C1.
    assert not branches_over(u["P"], START, END, 4)  # B1, B2, GB1, B3
    assert branches_over(u["P"], START, END, 3)
    rename_unit(u["B1"], name="Chi bộ Một", on=dt.date(2025, 3, 1))
    rename_unit(u["B1"], name="Chi bộ Một mới", on=dt.date(2025, 6, 1))
    move_unit(u["B1"], parent=u["C2"], on=dt.date(2025, 9, 1))
    assert not branches_over(u["P"], START, END, 4)
    assert branches_over(u["P"], START, END, 3)
    assert not branches_over(u["C1"], START, END, 2)  # B1 (until September) and B2
    assert branches_over(u["C1"], START, END, 1)
