"""The activity report's API and xlsx, and the warnings' pages, read the precomputed rows for the
default period (coso.meetings.activity) and answer exactly what the live computation answers;
a page of warnings reads only the branches it lists, and the number of queries does not grow
with the subtree (a national list has millions of warnings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.accounts.models import Role, RoleKind
from coso.accounts.tokens import create_token
from coso.core.spreadsheet import read_xlsx
from coso.meetings import activity
from coso.meetings.activity import SubtreeWarnings, in_branch_order, rebuild_activity, report_window
from coso.meetings.reports import (
    activity_answer,
    meeting_report,
    warned_branches,
)
from coso.meetings.warnings import activity_warnings, branches_under
from coso.units.models import Unit
from tests.cast import MODEL_BACKEND
from tests.meetings.conftest import Tree
from tests.meetings.test_activity_cache import DAY, _activity, _branches

START, END = report_window(DAY)


@pytest.fixture(autouse=True)
def _judged_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for where in ("coso.meetings.activity", "coso.api.meetings", "coso.meetings.views_reports"):
        monkeypatch.setattr(f"{where}.today", lambda: DAY)


def _live(unit: Unit) -> list[Any]:
    """Every warning of the default period computed live, in the order of the pages."""
    branches = branches_under(unit, START, END)
    return in_branch_order(branches, activity_warnings(unit, START, END, on=DAY))


def test_pages_of_warnings_from_the_rows_are_the_live_list(tree: Tree) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    for code in ("P", "C", "C2"):
        unit = tree.units[code]
        pages = SubtreeWarnings(unit, START, END, DAY)
        assert pages.precomputed, code
        live = _live(unit)
        assert len(live) == len(pages) > 0
        assert sorted(map(repr, live)) == sorted(map(repr, activity_warnings(unit, START, END)))
        for size in (1, 2, 3, 5, 7, 50):
            for first in range(0, len(live) + 1, size):
                fresh = SubtreeWarnings(unit, START, END, DAY)  # nothing kept from a former page
                assert fresh[first : first + size] == live[first : first + size], (code, first)
        assert pages[0:0] == [] and pages[len(live) : len(live) + 10] == []
    # Another period, or a branch: computed live, in the same order.
    other = SubtreeWarnings(tree.units["P"], dt.date(2024, 2, 1), END, DAY)
    assert not other.precomputed and len(other) > 0
    branch = SubtreeWarnings(tree.units["B"], START, END, DAY)
    assert not branch.precomputed and branch[0:100] == _live(tree.units["B"])


def test_a_small_batch_walks_the_rows_in_several_reads(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    _branches(tree, 4)  # branches without meetings: warnings every month
    activity.refresh_activity(DAY)
    monkeypatch.setattr(SubtreeWarnings, "BATCH", 2)
    live = _live(tree.units["P"])
    pages = SubtreeWarnings(tree.units["P"], START, END, DAY)
    assert pages.precomputed and len(pages) == len(live)
    for first in range(0, len(live), 4):
        assert pages[first : first + 4] == live[first : first + 4]


def test_the_answer_from_the_rows_is_the_live_answer(tree: Tree) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    for code in ("P", "C"):
        unit = tree.units[code]
        answer = activity_answer(unit, START, END, on=DAY, listed=4, shown=2)
        assert answer.precomputed
        live = meeting_report(unit, START, END, on=DAY)
        assert (answer.report.total, answer.report.rows) == (live.total, live.rows)
        ordered = in_branch_order(live.branches, live.warnings)
        assert answer.report.warnings == ordered[:4]
        assert answer.warnings_total == len(ordered)
        assert (answer.warned, answer.warned_total) == warned_branches(live, 2)
    # Another period is computed live, bounded the same way.
    other = activity_answer(tree.units["P"], dt.date(2024, 2, 1), END, on=DAY, listed=3, shown=1)
    assert not other.precomputed and len(other.report.warnings) == 3
    assert other.warnings_total > 3 and len(other.warned) == 1


def _officer(tree: Tree) -> tuple[Client, dict[str, str]]:
    user = get_user_model().objects.create_user("officer.p", "o@p.test", None)
    Role.objects.create(user=user, kind=RoleKind.ORG_OFFICER, unit=tree.units["P"])
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client, {"Authorization": f"Bearer {create_token(user)}"}


def test_api_and_xlsx_of_the_default_period(tree: Tree) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    client, headers = _officer(tree)
    body = client.get("/api/v1/units/P/activity-report", headers=headers).json()
    live = meeting_report(tree.units["P"], START, END, on=DAY)
    ordered = in_branch_order(live.branches, live.warnings)
    assert (body["start"], body["end"]) == (START.isoformat(), END.isoformat())
    assert [r["code"] for r in body["rows"]] == [r.code for r in live.rows]
    assert body["total"]["branches"] == live.total.branches
    assert body["total"]["warnings"] == body["warnings_total"] == len(ordered) > 0
    assert [(w["unit_code"], w["detail"]) for w in body["warnings"]] == [
        (w.unit_code, w.detail) for w in ordered[:200]
    ]
    warned, warned_total = warned_branches(live, 50)
    assert body["warned_branches_total"] == warned_total
    assert [(b["code"], b["warnings"]) for b in body["warned_branches"]] == [
        (b["code"], b["total"]) for b in warned
    ]
    page = client.get(
        "/api/v1/units/P/activity-warnings", {"page": 2, "page_size": 3}, headers=headers
    ).json()
    assert page["count"] == len(ordered)
    assert [w["detail"] for w in page["items"]] == [w.detail for w in ordered[3:6]]
    # The xlsx: the children's rows and total, the warned branches, the warnings in order.
    response = client.get(reverse("meetings:report_xlsx", args=["P"]))
    assert response.status_code == 200
    sheets = read_xlsx(response.content)
    assert [r[0] for r in sheets["Tổng hợp"][2:]] == [*(r.code for r in live.rows), "P"]
    assert [r[0] for r in sheets["Chi bộ có cảnh báo"][1:]] == [b["code"] for b in warned]
    assert [r[4] for r in sheets["Cảnh báo"][1:]] == [w.detail for w in ordered]


def test_the_xlsx_says_how_many_it_leaves_out(tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    monkeypatch.setattr("coso.meetings.views_reports.XLSX_WARNINGS", 2)
    monkeypatch.setattr("coso.meetings.views_reports.XLSX_BRANCHES", 1)
    client, _headers = _officer(tree)
    sheets = read_xlsx(client.get(reverse("meetings:report_xlsx", args=["P"])).content)
    total = len(_live(tree.units["P"]))
    assert len(sheets["Cảnh báo"]) == 1 + 2 + 1
    assert sheets["Cảnh báo"][-1][0] == f"Liệt kê 2/{total} cảnh báo đầu tiên " + (
        "(theo chi bộ); xem báo cáo của từng đơn vị cấp dưới."
    )
    assert len(sheets["Chi bộ có cảnh báo"]) == 1 + 1 + 1
    assert str(sheets["Chi bộ có cảnh báo"][-1][0]).startswith("Liệt kê 1/")


def _queries(client: Client, url: str, **headers: str) -> int:
    client.get(url, headers=headers)  # caches (rules, session) filled first
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return len(queries)


def test_the_api_and_xlsx_take_a_bounded_number_of_queries(tree: Tree) -> None:
    client, headers = _officer(tree)
    urls = [
        ("/api/v1/units/P/activity-report", headers),
        ("/api/v1/units/P/activity-warnings?page_size=5", headers),
        ("/api/v1/units/P/activity-warnings?page=3&page_size=5", headers),
        (reverse("meetings:report_xlsx", args=["P"]), {}),
    ]
    _activity(tree)
    few = [_queries(client, url, **h) for url, h in urls]
    _branches(tree, 30)
    activity.refresh_activity(DAY)
    many = [_queries(client, url, **h) for url, h in urls]
    assert many == few
    assert max(many) <= 40


def test_other_periods_are_refused_above_the_live_size(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild_activity(DAY)
    _activity(tree)
    client, headers = _officer(tree)
    last_year = {"from": "2023-01-01", "to": "2024-01-01"}
    ok = client.get("/api/v1/units/P/activity-report", last_year, headers=headers)
    assert ok.status_code == 200
    monkeypatch.setattr("coso.meetings.activity.LIVE_BRANCHES_MAX", 2)  # P has three
    for url in ("/api/v1/units/P/activity-report", "/api/v1/units/P/activity-warnings"):
        refused = client.get(url, last_year, headers=headers)
        assert refused.status_code == 409, url
        assert "có hơn 2 chi bộ" in refused.json()["message"]
        assert client.get(url, headers=headers).status_code == 200  # the rows answer
        two = client.get(url.replace("/P/", "/C/"), last_year, headers=headers)
        assert two.status_code == 200  # C has two branches
    xlsx = reverse("meetings:report_xlsx", args=["P"])
    assert client.get(xlsx, {"from": "01/01/2023", "to": "31/12/2023"}).status_code == 404
    assert client.get(xlsx).status_code == 200
