"""`DailyDeltaSum` (the month and year sums of `DailyDelta`) is derived data: after every kind of
write (a recount of some days, spans added by an import, a full rebuild) it holds exactly the
sums of the day rows, and the root's figures read from it equal those counted from the spans."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.core.dates import FAR_FUTURE
from coso.members.models import MemberSpan
from coso.stats.models import DailyDelta, DailyDeltaSum
from coso.stats.queries import member_figures, stats_as_of, stats_from_spans
from coso.stats.tally import add_member_spans, rebuild_all, refresh_days
from coso.units.models import Unit

from .helpers import D, home, member, unit

Sums = dict[tuple[int, dt.date, str], int]


def _stored() -> Sums:
    return {
        (g, d, m): n
        for g, d, m, n in DailyDeltaSum.objects.values_list("grain", "day", "metric", "delta")
    }


def _from_days() -> Sums:
    """The sums computed here from the day rows (what the table must hold)."""
    months: Counter[tuple[int, dt.date, str]] = Counter()
    years: Counter[tuple[int, dt.date, str]] = Counter()
    for day, metric, delta in DailyDelta.objects.values_list("day", "metric", "delta"):
        months[(DailyDeltaSum.MONTH, day.replace(day=1), metric)] += delta
        years[(DailyDeltaSum.YEAR, day.replace(month=1, day=1), metric)] += delta
    sums = {**months, **years}  # distinct keys (the grain); Counter's + would drop negatives
    return {k: n for k, n in sums.items() if n}


def _assert_kept(root: Unit, days: list[dt.date]) -> None:
    assert len(DailyDeltaSum.objects.values_list("grain", "day", "metric")) == len(_stored())
    assert _stored() == _from_days()
    for day in days:
        assert stats_as_of(root, day) == stats_from_spans(root, day), day


def test_the_sums_follow_every_write_and_the_root_reads_them() -> None:
    root = unit("TW", "central", None, on=D(2018, 1, 1))
    province = unit("44", "province", root, on=D(2018, 1, 1))
    branch = unit("44-01", "grassroots_branch", province, tags=["village"])
    other = unit("44-02", "branch", unit("44-C", "grassroots_committee", province))
    days = [D(2019, 12, 31), D(2019, 1, 1), D(2019, 1, 31), D(2019, 2, 1), D(2020, 6, 15)]
    days += [D(2021, 1, 1), D(2021, 4, 30), D(2021, 5, 1), D(2021, 5, 20), D(2026, 1, 1)]
    # Members written with their days recounted (refresh_days), across months and years.
    m = home(branch, exempt=True)
    home(branch, D(2019, 1, 20), D(2021, 5, 1), status="probationary")
    member([(branch, D(2019, 2, 3), D(2020, 6, 15)), (other, D(2020, 6, 15), FAR_FUTURE)])
    _assert_kept(root, days)
    # A change later on: a span closed, another opened, only that day recounted.
    on = D(2021, 5, 20)
    MemberSpan.objects.filter(member=m).update(valid_to=on)
    MemberSpan.objects.create(member=m, unit=other, status="official", valid_from=on)
    refresh_days([on, FAR_FUTURE])
    _assert_kept(root, days)
    # Spans added by an import: their contribution added to the day rows of their days.
    spans = [
        (D(2019, 1, 31), FAR_FUTURE, "official", False, False),
        (D(2020, 6, 15), D(2021, 4, 30), "probationary", False, True),
        (D(2019, 12, 31), D(2020, 1, 1), "official", False, False),
    ]
    for start, end, status, _exempt, in_transit in spans:
        fresh = home(branch, D(2017, 1, 1), D(2017, 1, 2))  # a member row; its span replaced
        MemberSpan.objects.filter(member=fresh).update(
            valid_from=start, valid_to=end, status=status, in_transit=in_transit
        )
    DailyDelta.objects.filter(day__in=[D(2017, 1, 1), D(2017, 1, 2)]).delete()
    add_member_spans(spans, units=[branch.pk] * len(spans))
    _assert_kept(root, days)
    # A full rebuild writes the same rows; the migration's fill too.
    kept = _stored()
    rebuild_all()
    assert _stored() == kept
    fill = importlib.import_module("coso.stats.migrations.0005_daily_delta_sums").fill
    DailyDeltaSum.objects.all().delete()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    fill(None, editor)
    assert _stored() == kept
    # The root's figures come from the sums: a handful of rows, not every day row.
    with CaptureQueriesContext(connection) as queries:
        figures = member_figures(root, D(2026, 1, 1))
    assert figures["members"]["total"] == 3
    assert any("stats_dailydeltasum" in q["sql"] for q in queries)
    DailyDeltaSum.objects.all().delete()
    assert member_figures(root, D(2026, 1, 1))["members"]["total"] == 0
