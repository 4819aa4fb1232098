"""The numbers behind the unit figures page's charts through the API (issue 13, point 8): the
same reads as the page, the same scope (the ages for roles on units only)."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.stats import queries as stats_queries
from coso.stats.queries import age_profile, members_over_time
from tests.cast import Cast


def test_series_and_ages_are_the_pages_reads(cast: Cast) -> None:
    client = cast.client("officer")
    answer = client.get("/api/v1/units/P/stats/series", {"from": "2020-01-01", "to": "2025-06-30"})
    assert answer.status_code == 200
    points = answer.json()["points"]
    expected = members_over_time(cast.P, dt.date(2020, 1, 1), dt.date(2025, 6, 30))
    assert [(p["day"], p["members"]) for p in points] == [(d.isoformat(), m) for d, m in expected]
    answer = client.get("/api/v1/units/P/stats/ages", {"as_of": "2025-06-30"})
    assert answer.json() == age_profile(cast.P, dt.date(2025, 6, 30))


def test_ages_above_the_bound_are_refused_in_words(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats_queries, "PROFILE_MAX_MEMBERS", 3)
    answer = cast.client("officer").get("/api/v1/units/P/stats/ages", {"as_of": "2025-06-30"})
    assert answer.status_code == 409
    assert answer.json()["message"].startswith("Tháp tuổi chỉ tính cho đơn vị có đến")
    # A member reads their branch's series, not the ages.
    member = cast.client("member")
    assert member.get("/api/v1/units/B/stats/series").status_code == 200
    assert member.get("/api/v1/units/B/stats/ages").status_code == 404
