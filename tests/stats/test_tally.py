from __future__ import annotations

from coso.core.dates import FAR_FUTURE
from coso.members.models import MemberSpan
from coso.stats.models import DailyDelta
from coso.stats.tally import rebuild_all, refresh_days

from .helpers import D, home, unit


def _table() -> set[tuple[object, str, int]]:
    return set(DailyDelta.objects.values_list("day", "metric", "delta"))


def test_refreshing_the_touched_days_matches_a_full_rebuild() -> None:
    root = unit("44", "province", None)
    branch = unit("44-01", "grassroots_branch", root, tags=["village", "border"])
    m = home(branch, exempt=True)
    home(branch, status="probationary")
    assert _table() >= {
        (D(2019, 1, 1), "members.total", 2),
        (D(2019, 1, 1), "members.exempt", 1),
        (D(2019, 1, 1), "units.grassroots_branch", 1),
        (D(2019, 1, 1), "branch_categories.border", 1),
    }
    # A change on a later day closes a span and opens another; only that day is refreshed.
    on = D(2021, 5, 1)
    MemberSpan.objects.filter(member=m).update(valid_to=on)
    MemberSpan.objects.create(member=m, unit=branch, status="official", valid_from=on)
    refresh_days([on, FAR_FUTURE])
    incremental = _table()
    assert (on, "members.exempt", -1) in incremental
    assert not any(day == FAR_FUTURE for day, _, _ in incremental)
    rebuild_all()
    assert _table() == incremental
