"""The unit's figures page (issue 13, points 6, 8, 9): `stats_as_of` on a date or two compared,
figures grouped by thousands in the page's language with ids and years left alone, the charts
with their numbers one click away, the pyramids bounded, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.stats import queries as stats_queries
from coso.stats.queries import stats_as_of
from coso.web import views_stats
from tests.cast import Cast

BEFORE, AFTER = "30/06/2025", "01/07/2025"
ROW = re.compile(r'<tr data-figure="([^"]+)">.*?</tr>', re.S)
VALUE = re.compile(r'data-value="(-?\d+)"')


def flatten(figures: dict[str, Any], prefix: str = "") -> dict[str, int]:
    """`coso stats --json` as "members.total" → n (the keys the page's rows carry)."""
    out: dict[str, int] = {}
    for key, value in figures.items():
        if key in ("unit", "as_of"):
            continue
        if isinstance(value, dict):
            out |= flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = int(value)
    return out


def page_figures(html: str) -> tuple[dict[str, int], dict[str, int]]:
    """The figures table: each row's first (and second) date's raw value."""
    first: dict[str, int] = {}
    second: dict[str, int] = {}
    for match in ROW.finditer(html):
        values = [int(v) for v in VALUE.findall(match.group(0))]
        first[match.group(1)] = values[0]
        if len(values) > 1:
            second[match.group(1)] = values[1]
    return first, second


def cli_json(code: str, day: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("stats", code, "--as-of", day, "--json", stdout=out)
    return json.loads(out.getvalue())


def nonzero(figures: dict[str, int]) -> dict[str, int]:
    # The page lists every member figure (zeros too), the JSON only the non-zero others.
    return {k: v for k, v in figures.items() if v or k.startswith("members.")}


@pytest.mark.parametrize("code", ["P", "C", "B"])
def test_the_page_shows_the_figures_of_coso_stats_for_two_dates(cast: Cast, code: str) -> None:
    page = cast.client("officer").get(
        reverse("web:unit_stats", args=[code]), {"as_of": BEFORE, "compare": AFTER}
    )
    assert page.status_code == 200
    first, second = page_figures(page.content.decode())
    assert nonzero(first) == nonzero(flatten(cli_json(code, "2025-06-30")))
    assert nonzero(second) == nonzero(flatten(cli_json(code, "2025-07-01")))
    assert (
        first["members.total"]
        == stats_as_of(cast.units[code], dt.date(2025, 6, 30))["members"]["total"]
    )


def test_a_change_between_the_dates_is_shown_signed(cast: Cast) -> None:
    page = cast.client("officer").get(
        reverse("web:unit_stats", args=["C"]), {"as_of": "01/01/2021", "compare": AFTER}
    )
    html = page.content.decode()
    first, second = page_figures(html)
    assert first["members.total"] == 0 and second["members.total"] == 3
    row = re.search(r'<tr data-figure="members.total">.*?</tr>', html, re.S)
    assert row is not None and ">+3<" in row.group(0)


def _big(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subtree of 12,371 members (the figures read is replaced, the page is the real one)."""
    real = views_stats.stats_as_of

    def big(unit: Any, day: dt.date) -> dict[str, Any]:
        figures = real(unit, day)
        figures["members"] = {**figures["members"], "total": 12371, "official": 12000}
        return figures

    monkeypatch.setattr(views_stats, "stats_as_of", big)


@pytest.mark.parametrize(("language", "shown"), [("vi", "12.371"), ("en", "12,371")])
def test_figures_are_grouped_in_the_pages_language_ids_and_years_are_not(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, language: str, shown: str
) -> None:
    _big(monkeypatch)
    client = cast.client("officer")
    client.cookies["django_language"] = language
    html = client.get(
        reverse("web:unit_stats", args=["P"]), {"as_of": BEFORE}, HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    row = re.search(r'<tr data-figure="members.total">.*?</tr>', html, re.S)
    assert row is not None
    assert f">{shown}<" in row.group(0) and 'data-value="12371"' in row.group(0)
    # Dates in form values and links, years and the API link: never grouped.
    assert 'value="30/06/2025"' in html and "as_of=2025-06-30" in html
    assert "2.025" not in html and "2,025" not in html
    assert 'href="/units/P/?as_of=30/06/2025"' in html


def test_members_over_time_and_the_pyramids_with_their_tables(cast: Cast) -> None:
    page = cast.client("officer").get(
        reverse("web:unit_stats", args=["P"]),
        {"as_of": BEFORE, "from": "01/01/2019", "to": BEFORE},
    )
    html = page.content.decode()
    for chart, table in (
        ("series-chart", "series-data"),
        ("age-chart", "age-data"),
        ("party-age-chart", "party-age-data"),
    ):
        figure = re.search(rf'<figure class="chart-figure" id="{chart}">(.*?)</figure>', html, re.S)
        assert figure is not None, chart
        assert 'role="img"' in figure.group(1) and "<title>" in figure.group(1)
        assert f'<details class="chart-data" id="{table}">' in html
    # The range starts before the province existed: its points start with it.
    series = page.context["series"]
    assert series[0][0] == "06/01/2020" and series[-1][0] == BEFORE
    assert series[-1][1] == stats_as_of(cast.P, dt.date(2025, 6, 30))["members"]
    # Four members of P, born 12/04/1990 (35 on the day), three men and a woman, all probationary.
    profile = page.context["profile"]
    assert profile["ages"] == {"male": [0, 3, 0, 0, 0, 0, 0], "female": [0, 1, 0, 0, 0, 0, 0]}
    assert profile["party_ages"]["male"][0] == 3 and profile["party_ages"]["female"][0] == 1


def test_the_pyramids_are_left_out_above_the_bound_and_for_a_member(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats_queries, "PROFILE_MAX_MEMBERS", 3)
    page = cast.client("officer").get(reverse("web:unit_stats", args=["P"]), {"as_of": BEFORE})
    html = page.content.decode()
    assert 'id="profile-note"' in html and 'id="age-chart"' not in html
    page = cast.client("officer").get(reverse("web:unit_stats", args=["B"]), {"as_of": BEFORE})
    assert 'id="age-chart"' in page.content.decode()
    # A member sees their branch's figures and its chart over time, not the ages.
    page = cast.client("member").get(reverse("web:unit_stats", args=["B"]), {"as_of": BEFORE})
    html = page.content.decode()
    assert 'id="series-chart"' in html and 'id="pyramid-title"' not in html


def test_bad_dates_are_named_and_answer_200(cast: Cast) -> None:
    page = cast.client("officer").get(
        reverse("web:unit_stats", args=["P"]), {"as_of": "31/02/2025", "compare": "x"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ngày:" in html and "Ngày so sánh:" in html
    # Before the unit existed: said in words.
    page = cast.client("officer").get(
        reverse("web:unit_stats", args=["P"]), {"as_of": "01/01/2019"}
    )
    assert page.status_code == 200 and "không tồn tại" in page.content.decode()


def test_the_unit_page_links_to_its_figures(cast: Cast) -> None:
    html = cast.client("secretary").get(reverse("web:unit", args=["B"])).content.decode()
    assert 'id="unit-stats-link" href="/units/B/stats/?as_of=' in html


def test_the_page_costs_a_fixed_number_of_queries(cast: Cast) -> None:
    client = cast.client("officer")
    url = reverse("web:unit_stats", args=["P"])
    counts = []
    for query in ({"as_of": BEFORE}, {"as_of": BEFORE, "compare": AFTER, "from": "01/01/2000"}):
        client.get(url, query)  # warm the session and the rule caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, query).status_code == 200
        counts.append(len(captured))
    # Twelve points of the chart, each a few queries; the comparison adds one read of the figures.
    assert counts[0] <= 75, counts
    assert counts[1] <= counts[0] + 10, counts


def test_the_charts_numbers_are_also_a_link_away_as_json(cast: Cast) -> None:
    client = cast.client("officer")
    html = client.get(
        reverse("web:unit_stats", args=["C"]),
        {"as_of": BEFORE, "from": "01/01/2024", "to": BEFORE},
    ).content.decode()
    for pattern in (
        r'href="(/api/v1/units/C/stats\?as_of=2025-06-30)" id="figures-json"',
        r'href="(/api/v1/units/C/stats/series\?from=2024-01-01&amp;to=2025-06-30)" id="series-json"',
        r'href="(/api/v1/units/C/stats/ages\?as_of=2025-06-30)" id="ages-json"',
    ):
        found = re.search(pattern, html)
        assert found is not None, pattern
        assert client.get(found.group(1).replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("code", ["P", "C", "B"])
def test_the_unit_page_itself_takes_two_dates_and_shows_the_same_figures(
    cast: Cast, code: str
) -> None:
    """Issue 13, point 9: the unit page's date form takes a second day; its table is the
    figures page's (the same read, `coso stats`), with the change."""
    page = cast.client("officer").get(
        reverse("web:unit", args=[code]), {"as_of": BEFORE, "compare": AFTER}
    )
    assert page.status_code == 200
    html = page.content.decode()
    first, second = page_figures(html)
    assert nonzero(first) == nonzero(flatten(cli_json(code, "2025-06-30")))
    assert nonzero(second) == nonzero(flatten(cli_json(code, "2025-07-01")))
    assert 'name="compare"' in html and "compare=01/07/2025" in html
    only = page_figures(
        cast.client("officer")
        .get(reverse("web:unit", args=[code]), {"as_of": BEFORE})
        .content.decode()
    )
    assert only[0] == first and not only[1]
