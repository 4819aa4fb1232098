"""`HomeWarning` (coso.web.warnings) is a cache of the home page's member and unit warnings: after
each write it answers what the live checks answer, for every scope, a rebuild writes the same
rows, and the daily refresh rolls the day over (probation becomes overdue by the passage of
time alone)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from coso.authority.scope import Action, scope_of
from coso.members.operations import (
    admit_member,
    assign_position,
    end_position,
    receive_member,
    recognize_member,
    transfer_out,
)
from coso.units.models import Unit
from coso.units.operations import create_unit, move_unit
from coso.web import warnings
from coso.web.models import HomeWarning, HomeWarningCount, HomeWarningState
from coso.web.warnings import (
    no_secretary_warnings,
    probation_warnings,
    rebuild_home_warnings,
    refresh_warnings,
    small_branch_warnings,
    stored_alerts,
    transit_warnings,
)
from tests.cast import Cast

DAY = dt.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def _judged_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warnings, "today", lambda: DAY)


def _live(units: QuerySet[Unit], day: dt.date) -> list[Any]:
    checks = (probation_warnings, small_branch_warnings, no_secretary_warnings, transit_warnings)
    return [check(units, day) for check in checks]


def _counts() -> dict[tuple[str, dt.date | None], int]:
    """The stored counts (two rows of one key are summed, as the reads sum them)."""
    counts: Counter[tuple[str, dt.date | None]] = Counter()
    for kind, day, n in HomeWarningCount.objects.values_list("kind", "day", "n"):
        counts[(kind, day)] += n
    return dict(counts)


def _assert_agrees(cast: Cast, day: dt.date = DAY) -> None:
    assert HomeWarningState.objects.get().day == day
    # The counts kept beside the rows are the rows' counts (none stored as 0).
    assert _counts() == dict(
        Counter((kind, d) for kind, d in HomeWarning.objects.values_list("kind", "day"))
    )
    assert 0 not in _counts().values()
    assert stored_alerts(None, day) == _live(Unit.objects.all(), day)
    for who in ("officer", "committee", "secretary", "outsider"):
        found = scope_of(cast.user(who))
        units = found.units(Action.VIEW)
        assert stored_alerts(units, day) == _live(units, day), who
        # What the home page reads: the rows by their path (and the own branch's id).
        alive = found.units_alive(Action.VIEW)
        by_path = stored_alerts(alive, day, spans=found.spans_today(Action.VIEW))
        assert by_path == _live(units, day), who


def _rows() -> list[tuple[Any, ...]]:
    return sorted(
        HomeWarning.objects.values_list(
            "kind", "unit_id", "member_id", "label", "code", "day", "sort_key", "number"
        )
    )


def test_the_rows_equal_the_live_checks_after_a_series_of_writes(cast: Cast) -> None:
    rebuild_home_warnings(DAY)
    _assert_agrees(cast)
    # A probationary member, a secretary appointed then ended, a transfer, a new branch moved.
    admit_member(
        member_id="CAST-N1",
        full_name="Võ Thị Mới",
        gender="female",
        birth_date=dt.date(1995, 5, 5),
        branch=cast.units["B2"],
        admitted_on=dt.date(2025, 6, 20),
    )
    _assert_agrees(cast)
    assert "CAST-N1" in [i.code for i in stored_alerts(None, DAY)[0].items]
    recognize_member(cast.members["b1"], decided_on=dt.date(2022, 3, 2))  # retroactive
    _assert_agrees(cast)
    post = assign_position(cast.members["b1"], cast.units["B"], "secretary", on=dt.date(2026, 5, 1))
    _assert_agrees(cast)
    end_position(post, on=dt.date(2026, 6, 1))
    transfer_out(cast.members["c2"], on=dt.date(2026, 5, 4))
    _assert_agrees(cast)
    receive_member(cast.members["c2"], branch=cast.units["B"], on=dt.date(2026, 6, 2))
    branch = create_unit(
        code="BN", name="Chi bộ mới", kind="branch", parent=cast.units["C2"], on=dt.date(2026, 1, 5)
    )
    move_unit(branch, parent=cast.units["C"], on=dt.date(2026, 6, 3))
    transfer_out(cast.members["q"], on=dt.date(2026, 5, 4))  # still in transit on DAY
    _assert_agrees(cast)
    rows = _rows()
    rebuild_home_warnings(DAY)
    assert _rows() == rows


def test_the_daily_refresh_rolls_over_and_catches_up(cast: Cast) -> None:
    admit_member(
        member_id="CAST-N2",
        full_name="Đỗ Văn Sau",
        gender="male",
        birth_date=dt.date(1994, 4, 4),
        branch=cast.units["B"],
        admitted_on=dt.date(2025, 7, 25),
    )
    assert refresh_warnings(DAY).startswith("home warnings judged on 10/06/2026")
    assert "already current" in refresh_warnings(DAY).split(";")[0]
    codes = [i.code for i in stored_alerts(None, DAY)[0].items]
    assert "CAST-N2" not in codes  # its 12 months end 25/07/2026, more than 30 days ahead
    # Sixteen days later (fifteen missed): nothing was written, the probation is now announced.
    later = dt.date(2026, 6, 26)
    assert "rolled over from 10/06/2026" in refresh_warnings(later).split(";")[0]
    assert "CAST-N2" in [i.code for i in stored_alerts(None, later)[0].items]
    _assert_agrees(cast, later)
    rows = _rows()
    rebuild_home_warnings(later)
    assert _rows() == rows


def test_the_counts_follow_the_rows_and_the_migration_fills_them(cast: Cast) -> None:
    """The refresh of a few units adds their difference; many at once recount the table; the
    migration's statement counts the rows already stored."""
    rebuild_home_warnings(DAY)
    for i in range(3):  # three probationary members admitted on three days: three counts
        admit_member(
            member_id=f"CAST-K{i}",
            full_name="Bùi Văn Kế",
            gender="male",
            birth_date=dt.date(1996, 1, 1),
            branch=cast.units["B2"],
            admitted_on=dt.date(2025, 6, 2 + i),
        )
    _assert_agrees(cast)
    assert _counts()[("probation", dt.date(2025, 6, 3))] == 1
    # A refresh that changes more counts than RECOUNT_ABOVE recounts them all.
    HomeWarningCount.objects.update(n=99)
    warnings._add_counts(Counter({("x", dt.date(2000, 1, d)): 1 for d in range(1, 30)}))
    assert 99 in _counts().values()  # below the bound: added to what is there
    HomeWarningCount.objects.filter(kind="x").delete()
    changes = Counter({("x", dt.date(2000, 1, 1) + dt.timedelta(days=d)): 0 for d in range(300)})
    changes[("x", dt.date(2000, 1, 1))] = 0
    changes.update({("y", dt.date(2000, 1, 1) + dt.timedelta(days=d)): 1 for d in range(201)})
    warnings._add_counts(changes)
    _assert_agrees(cast)
    # The migration fills the table from the rows already stored.
    fill = importlib.import_module("coso.web.migrations.0007_home_warning_count").FILL
    expected = _counts()
    HomeWarningCount.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(fill)
    assert _counts() == expected


def test_the_whole_registry_reads_the_counts_not_the_rows(cast: Cast) -> None:
    """The administrator's home page sums the counts: no COUNT over the rows, same totals."""
    rebuild_home_warnings(DAY)
    transfer_out(cast.members["q"], on=dt.date(2026, 4, 1))  # over the 30 working days
    with CaptureQueriesContext(connection) as queries:
        alerts = stored_alerts(None, DAY)
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counted if 'web_homewarning"' in sql or "web_homewarning " in sql]
    assert alerts == _live(Unit.objects.all(), DAY)
    assert {a.key: a.total for a in alerts if a.total}.keys() >= {"probation", "transit"}


@pytest.mark.django_db
def test_a_key_counted_twice_takes_a_difference_once() -> None:
    """Two writers that both found a key missing each insert a count: the reads sum them, so a
    later difference goes to one of them only."""
    day = dt.date(2025, 1, 6)
    HomeWarningCount.objects.create(kind="probation", day=day, n=2)
    HomeWarningCount.objects.create(kind="probation", day=day, n=3)
    warnings._add_counts(Counter({("probation", day): 4}))
    assert sorted(HomeWarningCount.objects.values_list("n", flat=True)) == [3, 6]
    warnings._add_counts(Counter({("no_secretary", None): 1}))
    assert HomeWarningCount.objects.get(kind="no_secretary").n == 1
