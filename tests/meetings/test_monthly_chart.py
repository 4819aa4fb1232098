"""The activity report's chart: regular meetings held against required by month (issue 13,
point 8) — the same figures as the report's totals, split by month, and refused above the size
computed live."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from coso.core.errors import CosoError
from coso.meetings import monthly
from coso.meetings.monthly import monthly_activity
from tests.cast import Cast
from tests.meetings.activity_history import H1

START, END, ON = dt.date(2024, 1, 1), dt.date(2024, 7, 1), dt.date(2024, 12, 31)


def test_months_add_up_to_the_reports_totals(history: Cast) -> None:
    rows = monthly_activity(history.C, START, END, on=ON)
    assert [r.month for r in rows] == [dt.date(2024, m, 1) for m in range(1, 7)]
    # B met every month but April, B2 never: two branches owe each month.
    assert [(r.required, r.held) for r in rows] == [(2, 1)] * 3 + [(2, 0)] + [(2, 1)] * 2
    # Meetings of any kind: B's thematic meeting in February as well.
    assert [r.meetings for r in rows] == [1, 2, 1, 0, 1, 1]
    report = history.client("officer").get(reverse("meetings:report", args=["C"]), H1)
    total = next(r for r in report.context["rows"] if r["total"])["row"]
    assert sum(r.required for r in rows) == total.regular_required == 12
    assert sum(r.held for r in rows) == total.regular_held == 5


def test_the_page_draws_the_chart_with_its_table(history: Cast) -> None:
    page = history.client("officer").get(reverse("meetings:report", args=["P"]), H1)
    html = page.content.decode()
    chart = re.search(r'<figure class="chart-figure" id="monthly-chart">(.*?)</figure>', html, re.S)
    assert chart is not None
    svg = chart.group(1)
    assert 'role="img"' in svg and "<title>Sinh hoạt thường kỳ" in svg
    # One bar per month and series, each with its figure in a <title>.
    assert svg.count("<rect") == 12 + 2  # and the legend's two swatches
    assert '<details class="chart-data" id="monthly-data">' in html
    assert re.findall(r'<tr data-month="(2024-\d\d)">', html) == [f"2024-0{m}" for m in range(1, 7)]


def test_above_the_live_size_the_page_says_where_to_look(
    history: Cast,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(monthly, "CHART_BRANCHES_MAX", 2)
    with pytest.raises(CosoError, match="đến 2 chi bộ"):
        monthly_activity(history.P, START, END, on=ON)
    page = history.client("officer").get(reverse("meetings:report", args=["P"]), H1)
    html = page.content.decode()
    assert 'id="monthly-note"' in html and 'id="monthly-chart"' not in html
    # A commune below the limit still draws it.
    page = history.client("officer").get(reverse("meetings:report", args=["C"]), H1)
    assert 'id="monthly-chart"' in page.content.decode()
