"""`BranchActivity` (coso.meetings.activity) is a cache: after every write it must answer what
the live computation answers — the activity report of this year and the home page's counts —
and a fresh rebuild must write the same rows. Also: the daily refresh rolls the day over and
catches up, reads fall back to live when the rows cannot answer, and the province's home page
and report take a bounded number of queries whatever the number of branches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.meetings import activity
from coso.meetings.activity import (
    cached_report,
    home_counts,
    rebuild_activity,
    refresh_activity,
    report_window,
)
from coso.meetings.models import (
    ActivityState,
    ActivityTotal,
    AttendanceStatus,
    BranchActivity,
    Meeting,
)
from coso.meetings.operations import (
    cancel_meeting,
    close_meeting,
    plan_meeting,
    record_attendance,
)
from coso.meetings.reports import meeting_report, precomputed_report
from coso.meetings.views_reports import _warned_branches
from coso.units.models import Unit
from coso.units.operations import create_unit, dissolve_unit, move_unit, rename_unit
from coso.web.warnings import activity_alerts
from tests.meetings.conftest import Tree

DAY = dt.date(2024, 8, 20)
P, U, E = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT_UNEXCUSED,
    AttendanceStatus.ABSENT_EXCUSED,
)
B_MEMBERS = ("M1", "M2", "M3", "M4", "M5")


@pytest.fixture(autouse=True)
def _judged_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes refresh the rows judged on today: here DAY."""
    monkeypatch.setattr(activity, "today", lambda: DAY)


def _held(unit: Unit, kind: str, on: dt.date, statuses: dict[str, str]) -> Meeting:
    meeting = plan_meeting(unit, kind=kind, on=on, place="Nhà văn hóa")
    reasons = {k: "Đi công tác" for k, v in statuses.items() if v == E}
    return record_attendance(meeting, statuses, reasons=reasons)


def _rows() -> list[dict[str, Any]]:
    """The branch rows and the totals under the root's children (kept from them)."""
    totals = ActivityTotal.objects.order_by("path").values()
    return [
        *BranchActivity.objects.order_by("unit_id").values(),
        *({k: v for k, v in t.items() if k != "id"} for t in totals),
    ]


def _live_counts(unit: Unit, day: dt.date) -> dict[str, tuple[int, int]]:
    # list_items=True forces the live computation; the counts do not depend on it.
    return {a.key: (a.branches, a.total) for a in activity_alerts(unit, day, list_items=True)[0]}


def _assert_agrees(unit: Unit, day: dt.date = DAY) -> None:
    """The rows answer exactly what the live computation answers, for `unit`."""
    cached = precomputed_report(unit, *report_window(day), on=day, shown=50)
    assert cached is not None, unit.code
    report, warned, warned_total = cached
    live = meeting_report(unit, *report_window(day), on=day)
    assert report.total == live.total
    assert report.rows == live.rows
    assert (warned, warned_total) == _warned_branches(live)
    counts, judged = home_counts(unit, day)
    assert counts is not None and judged == day
    assert {c.kind: (c.branches, c.total) for c in counts if c.total} == _live_counts(unit, day)


def _activity(tree: Tree) -> None:
    """Meetings of every sort in B, BP and B2 over 2024: warnings of every kind."""
    b, bp, b2 = tree.units["B"], tree.units["BP"], tree.units["B2"]
    for month in (1, 2, 4, 5, 7):
        statuses = {m: P for m in B_MEMBERS}
        if month in (1, 4, 7):
            statuses["M5"] = U  # three months absent without reason
        if month == 5:
            statuses.update({"M2": E, "M3": U, "M4": U})  # low attendance
        _held(b, "regular", dt.date(2024, month, 10), statuses)
    closed = _held(b, "thematic", dt.date(2024, 2, 20), {m: P for m in B_MEMBERS})
    close_meeting(closed)
    _held(bp, "regular", dt.date(2024, 3, 5), {"BP1": P, "BP2": P, "BP3": U})
    plan_meeting(bp, kind="regular", on=dt.date(2024, 8, 2), place="Đồn")  # never recorded
    cancelled = plan_meeting(b2, kind="regular", on=dt.date(2024, 6, 12), place="Thôn")
    cancel_meeting(cancelled, reason="Bão")
    _held(b2, "extraordinary", dt.date(2024, 7, 3), {"Q1": P})


def test_the_rows_equal_the_live_computation_after_a_series_of_writes(tree: Tree) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    for code in ("P", "C", "C2"):
        _assert_agrees(tree.units[code])
    rows = _rows()
    assert any(r["report_absent_unexcused"] for r in rows)
    assert any(r["report_low_attendance"] for r in rows)
    assert any(r["home_unrecorded"] for r in rows)
    # Unit operations: a new branch, a rename, a branch dissolved, all before the judged day.
    new = create_unit(
        code="BN", name="Chi bộ mới", kind="branch", parent=tree.units["C"], on=dt.date(2024, 3, 3)
    )
    rename_unit(tree.units["BP"], name="Chi bộ đồn biên phòng", on=dt.date(2024, 4, 1))
    plan_meeting(new, kind="regular", on=dt.date(2024, 4, 8), place="Thôn")
    dissolve_unit(new, on=dt.date(2024, 6, 15))
    for code in ("P", "C", "C2"):
        _assert_agrees(tree.units[code])
    assert BranchActivity.objects.get(unit=tree.units["BP"]).name == "Chi bộ đồn biên phòng"
    assert BranchActivity.objects.filter(unit=new).exists()  # a branch for part of the year
    # Whatever the writes did, a rebuild from scratch writes the same rows.
    rows = _rows()
    rebuild_activity(DAY)
    assert _rows() == rows


def test_a_branch_moved_out_sends_the_old_subtree_back_to_live(tree: Tree) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    move_unit(tree.units["B2"], parent=tree.units["C"], on=dt.date(2024, 7, 1))
    # C2 held B2 until July: the live report still counts it there; the rows place it in C.
    c2 = tree.units["C2"]
    assert cached_report(c2, *report_window(DAY), DAY, 50) is None
    assert home_counts(c2, DAY) == (None, DAY)
    for code in ("P", "C"):
        _assert_agrees(tree.units[code])
    rows = _rows()
    rebuild_activity(DAY)
    assert _rows() == rows


def test_the_daily_refresh_rolls_over_and_catches_up(tree: Tree) -> None:
    _activity(tree)  # the first write builds the rows
    assert ActivityState.objects.get().day == DAY
    assert refresh_activity(DAY).endswith("already current")
    # Two days later (one missed): the meeting planned for the day after is now unrecorded.
    plan_meeting(tree.units["B2"], kind="regular", on=DAY + dt.timedelta(days=1), place="Thôn")
    later = DAY + dt.timedelta(days=2)
    before = BranchActivity.objects.get(unit=tree.units["B2"]).home_unrecorded
    assert "rolled over" in refresh_activity(later)
    assert BranchActivity.objects.get(unit=tree.units["B2"]).home_unrecorded == before + 1
    rows = _rows()
    rebuild_activity(later)
    assert _rows() == rows
    for code in ("P", "C", "C2"):
        _assert_agrees(tree.units[code], later)
    # A new month: every row judged again (July is now owed).
    september = dt.date(2024, 9, 2)
    assert "rebuilt" in refresh_activity(september)
    assert refresh_activity(september).endswith("already current")
    _assert_agrees(tree.units["P"], september)
    # Rows judged on another day than asked answer nothing: the pages compute live.
    assert home_counts(tree.units["P"], DAY) == (None, DAY)
    assert cached_report(tree.units["P"], *report_window(DAY), DAY, 50) is None


def test_other_periods_and_branches_are_computed_live(tree: Tree) -> None:
    rebuild_activity(DAY)
    p, b = tree.units["P"], tree.units["B"]
    assert cached_report(p, dt.date(2024, 2, 1), DAY + dt.timedelta(days=1), DAY, 50) is None
    assert cached_report(b, *report_window(DAY), DAY, 50) is None
    assert home_counts(b, DAY) == (None, DAY)


def _branches(tree: Tree, n: int) -> None:
    for i in range(n):
        create_unit(
            code=f"X{len(Unit.objects.all())}",
            name=f"Chi bộ {i}",
            kind="branch",
            parent=tree.units["C2"],
            on=dt.date(2023, 1, 1),
        )


def _queries(client: Any, url: str) -> int:
    client.get(url)  # caches (rules, session) filled first
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_province_pages_take_a_bounded_number_of_queries(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.auth import get_user_model

    from coso.accounts.models import Role, RoleKind
    from tests.cast import MODEL_BACKEND

    monkeypatch.setattr("coso.web.views.today", lambda: DAY)
    monkeypatch.setattr("coso.meetings.views_reports.today", lambda: DAY)
    user = get_user_model().objects.create_user("officer.p", "o@p.test", None)
    Role.objects.create(user=user, kind=RoleKind.ORG_OFFICER, unit=tree.units["P"])
    from django.test import Client

    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    report = reverse("meetings:report", args=["P"])
    _activity(tree)
    home_few, report_few = _queries(client, "/"), _queries(client, report)
    _branches(tree, 30)
    refresh_activity(DAY)
    home_many, report_many = _queries(client, "/"), _queries(client, report)
    assert BranchActivity.objects.count() >= 33
    # The activity part does not grow with the branches; the whole page stays small. The
    # monthly chart (issue 13, point 8) reads the period's branches and meetings: five more.
    assert report_many == report_few <= 25
    assert home_many == home_few <= 40
