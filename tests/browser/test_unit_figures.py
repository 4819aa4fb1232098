"""Issue 13, points 6, 8 and 9 in the browser: the unit's figures on a date and two dates
compared on a 390 px phone, the charts with their figures one click away, the activity report's
monthly chart, and figures grouped in the page's language.

Against the cast of tests/cast.py: the officer of province P; the meetings of the first half
of 2024 as in tests/meetings/activity_history.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from coso.meetings.models import AttendanceStatus
from coso.web import views_stats
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast
from tests.meetings.activity_history import held


def test_two_dates_compared_on_a_phone(site: str, cast: Cast, phone: Page) -> None:
    page = phone
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/units/C/")
    page.locator("#unit-stats-link").click()
    page.wait_for_url("**/units/C/stats/**")
    expect(page.locator("main h1")).to_have_text("Số liệu, biểu đồ")
    page.get_by_label("Ngày (dd/mm/yyyy)").fill("30/06/2025")
    page.get_by_label("So với ngày (tùy chọn)").fill("01/07/2025")
    page.locator("#stats-form button[type=submit]").click()
    page.wait_for_url("**compare=01%2F07%2F2025**")
    table = page.locator("#figures")
    expect(table.locator("thead")).to_contain_text("30/06/2025")
    expect(table.locator("thead")).to_contain_text("01/07/2025")
    total = table.locator('tr[data-figure="members.total"] td')
    expect(total).to_have_text(["3", "3", "0"])
    assert horizontal_overflow(page) <= 0, "the figures page scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []


def test_charts_render_and_their_figures_open(site: str, cast: Cast, desktop: Page) -> None:
    page = desktop
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/units/P/stats/?as_of=30/06/2025&from=01/01/2020&to=30/06/2025")
    charts = page.locator("figure.chart-figure svg[role=img]")
    expect(charts).to_have_count(3)
    assert page.locator("#series-chart svg").bounding_box()["height"] > 100  # type: ignore[index]
    expect(page.locator("#series-chart svg circle")).to_have_count(3 * 12)
    data = page.locator("#series-data table")
    expect(data).to_be_hidden()
    page.locator("#series-data summary").click()
    expect(data).to_be_visible()
    expect(data.locator("tbody tr").last).to_contain_text("30/06/2025")
    page.locator("#age-data summary").click()
    expect(page.locator("#age-data table")).to_contain_text("31–40")
    assert serious_axe_violations(page) == []


def test_the_activity_reports_monthly_chart(site: str, cast: Cast, phone: Page) -> None:
    for month in (1, 2, 3, 5, 6):
        present = AttendanceStatus.PRESENT
        held(cast.B, "regular", dt.date(2024, month, 10), {"CAST-B1": present, "CAST-B2": present})
    page = phone
    log_in(page, site, "cast.officer")
    page.goto(f"{site}/units/C/activity-report/?from=01/01/2024&to=30/06/2024")
    chart = page.locator("#monthly-chart svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("rect title")).to_have_count(12)
    page.locator("#monthly-data summary").click()
    rows = page.locator("#monthly-data tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(3)).to_contain_text("04/2024")
    assert serious_axe_violations(page) == []


@pytest.mark.parametrize(("language", "shown"), [("vi", "12.371"), ("en", "12,371")])
def test_figures_are_grouped_in_the_pages_language(
    site: str, cast: Cast, desktop: Page, monkeypatch: pytest.MonkeyPatch, language: str, shown: str
) -> None:
    real = views_stats.stats_as_of

    def big(unit: Any, day: dt.date) -> dict[str, Any]:
        figures = real(unit, day)
        figures["members"] = {**figures["members"], "total": 12371}
        return figures

    monkeypatch.setattr(views_stats, "stats_as_of", big)
    page = desktop
    log_in(page, site, "cast.officer")
    if language == "en":
        page.locator("form.lang-switch button[value=en]").first.click()
        page.wait_for_load_state()
    page.goto(f"{site}/units/P/stats/?as_of=30/06/2025")
    cell = page.locator('#figures tr[data-figure="members.total"] td').first
    expect(cell).to_have_text(shown)
    assert cell.get_attribute("data-value") == "12371"
    expect(page.locator("#as_of")).to_have_value("30/06/2025")
    assert serious_axe_violations(page) == []
