"""The reads behind the unit page's charts (issue 13, point 8): members over time are
`member_figures` on evenly spread days, the age profile counts every member of the subtree once."""

from __future__ import annotations

import datetime as dt

from coso.stats.queries import (
    AGE_BANDS,
    age_profile,
    band_labels,
    member_figures,
    members_over_time,
    sample_days,
)
from tests.cast import START, Cast


def test_sample_days_cover_the_range_evenly() -> None:
    days = sample_days(dt.date(2024, 1, 1), dt.date(2024, 12, 31), 12)
    assert days[0] == dt.date(2024, 1, 1) and days[-1] == dt.date(2024, 12, 31)
    assert len(days) == 12 and days == sorted(days)
    assert sample_days(dt.date(2024, 1, 1), dt.date(2024, 1, 3), 12) == [
        dt.date(2024, 1, d) for d in (1, 2, 3)
    ]
    assert sample_days(dt.date(2024, 1, 1), dt.date(2024, 1, 1)) == [dt.date(2024, 1, 1)]


def test_members_over_time_is_member_figures_on_each_day_of_the_units_life(cast: Cast) -> None:
    series = members_over_time(cast.C, dt.date(2019, 1, 1), dt.date(2025, 6, 30), 6)
    assert series[0][0] == START  # nothing before the commune existed
    for day, members in series:
        assert members == member_figures(cast.C, day)["members"]
    assert series[-1][1]["total"] == 3


def test_age_profile_counts_each_member_once(cast: Cast) -> None:
    profile = age_profile(cast.P, dt.date(2025, 6, 30))
    assert profile is not None
    assert sum(profile["ages"]["male"]) + sum(profile["ages"]["female"]) == profile["members"] == 4
    assert sum(profile["party_ages"]["male"]) + sum(profile["party_ages"]["female"]) == 4
    assert band_labels(AGE_BANDS, below_first=True)[:2] == ["≤30", "31–40"]
    assert band_labels(AGE_BANDS)[-1] == "81+"
