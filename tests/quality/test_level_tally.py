"""The summed tallies give a root's summary exactly as the live counts do, through ratings,
re-ratings, new units and a reorganization of the year's tree."""

from __future__ import annotations

import datetime as dt
import random

from coso.members.models import Member
from coso.quality import operations as ops
from coso.quality import tally
from coso.quality.models import LevelTallyStamp
from coso.quality.queries import classification_summary, level_series
from coso.units.operations import move_unit
from tests.cast import Cast
from tests.quality.conftest import DECIDED_2024, DECIDED_2025, more_branches

LEVELS = ["excellent", "good", "complete", "not_complete"]


def _live(unit, year):
    stamp = LevelTallyStamp.objects.filter(year=year).first()
    LevelTallyStamp.objects.filter(year=year).delete()
    try:
        return classification_summary(unit, year)
    finally:
        if stamp is not None:
            stamp.save()


def _same(unit, year):
    assert tally.usable(year)
    assert classification_summary(unit, year) == _live(unit, year)


def test_ratings_and_re_ratings_keep_the_root_summary_exact(cast: Cast) -> None:
    extra = more_branches(cast.C, 4) + more_branches(cast.C2, 3, prefix="BY")
    tally.rebuild_levels(2024)  # an empty year's tally: every rating below moves it
    rng = random.Random(3)
    branches = [cast.B, cast.B2, cast.BC2, *extra]
    for unit in branches:
        ops.classify_unit(unit, year=2024, level="good", decision=None, on=DECIDED_2024)
        _same(cast.P, 2024)
    for _ in range(6):  # re-ratings (a level that keeps the quota: never "excellent")
        unit = rng.choice(branches)
        level = rng.choice(LEVELS[1:])
        ops.classify_unit(unit, year=2024, level=level, decision=None, on=DECIDED_2024)
        _same(cast.P, 2024)
    ops.classify_unit(cast.C, year=2024, level="good", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.C2, year=2024, level="complete", decision=None, on=DECIDED_2024)
    for member_id, level in [
        ("CAST-B1", "good"),
        ("CAST-B2X", "complete"),
        ("CAST-B1", "complete"),
    ]:
        member = Member.objects.get(member_id=member_id)
        ops.classify_member(member, year=2024, level=level, decision=None, on=DECIDED_2024)
        _same(cast.P, 2024)
    summary = classification_summary(cast.P, 2024)
    assert summary["members"]["complete"] == 2 and summary["members"]["good"] == 0
    assert sum(summary["units"].values()) == 12  # C, C2 and ten branches
    _same(cast.Q, 2024)
    assert level_series(cast.P, [2024]) == [(2024, summary["units"])]


def test_a_reorganization_of_the_years_tree_drops_its_tally_until_rebuilt(cast: Cast) -> None:
    ops.classify_unit(cast.B2, year=2024, level="good", decision=None, on=DECIDED_2024)
    tally.rebuild_levels(2024)
    tally.rebuild_levels(2023)
    move_unit(cast.B2, parent=cast.QC, on=dt.date(2024, 6, 1))  # into the other tree
    assert not LevelTallyStamp.objects.filter(year=2024).exists()
    assert LevelTallyStamp.objects.filter(year=2023).exists()  # 2023's tree did not change
    live = classification_summary(cast.Q, 2024)
    assert live["units"]["good"] == 1
    assert "2024" in tally.rebuild_recent(dt.date(2025, 1, 2))
    _same(cast.Q, 2024)
    _same(cast.P, 2024)


def test_the_rated_list_of_a_root_is_the_live_one(cast: Cast) -> None:
    from coso.quality.queries import clean_and_strong, rated_units

    extra = more_branches(cast.C, 6)
    for i, unit in enumerate([cast.B, cast.B2, *extra]):
        level = ["good", "complete", "good", "not_complete"][i % 4]
        ops.classify_unit(unit, year=2024, level=level, decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.C, year=2024, level="good", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.BC2, year=2024, level="complete", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.C2, year=2024, level="complete", decision=None, on=DECIDED_2024)
    tally.rebuild_levels(2024)
    for limit in (3, 500):
        summed = rated_units(cast.P, 2024, limit=limit)
        LevelTallyStamp.objects.filter(year=2024).delete()
        assert rated_units(cast.P, 2024, limit=limit) == summed
        LevelTallyStamp.objects.create(year=2024)
    rows, count = clean_and_strong(cast.P, 2024)
    assert count == 5 and [r.level for r in rows] == ["good"] * 5  # C, B, BX1, BX3, BX5


def test_the_root_list_with_scores_cuts_at_ties_like_the_live_one(cast: Cast) -> None:
    """366-QĐ/TW years carry scores: the root reads each level along the score index and
    settles ties by code — the same rows, in the same order, as the live path, at every cut."""
    from coso.quality.queries import rated_units

    extra = more_branches(cast.C, 8)
    scores = [88, 75, 88, 70, 88, 81, 75, 88, 60, 75]  # ties at 88 and 75 across the cuts
    for i, unit in enumerate([cast.B, cast.B2, *extra]):
        level = "good" if scores[i] >= 70 else "complete"
        ops.classify_unit(
            unit, year=2025, level=level, score=scores[i], decision=None, on=DECIDED_2025
        )
    tally.rebuild_levels(2025)
    assert tally.usable(2025)
    for limit in range(1, 12):
        summed = rated_units(cast.P, 2025, limit=limit)
        LevelTallyStamp.objects.filter(year=2025).delete()
        live = rated_units(cast.P, 2025, limit=limit)
        LevelTallyStamp.objects.create(year=2025)
        assert summed == live, limit
    rows, count = rated_units(cast.P, 2025, limit=5)
    assert count == 10
    assert [r.score for r in rows] == [88, 88, 88, 88, 81]
    assert [r.code for r in rows[:4]] == sorted(r.code for r in rows[:4])


def test_bulk_loaders_leave_this_year_and_last_summed_like_the_daily_job(cast: Cast) -> None:
    """A generated or imported registry gets the summed tallies of the years the daily job keeps
    (this year and last), rated or not: a root's summary of a year without ratings reads them,
    and says what the live counts say."""
    from coso.core.dates import today

    this_year = today().year
    LevelTallyStamp.objects.all().delete()
    tally.rebuild_all_levels()
    for year in (this_year, this_year - 1):
        _same(cast.P, year)
        assert classification_summary(cast.P, year)["units"]["not_rated"] > 0
    assert not tally.usable(this_year - 2)
