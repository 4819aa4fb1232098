"""The summary as xlsx and pdf, read back; the chart as SVG; no formula from user text."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader

from coso.core.spreadsheet import read_xlsx
from coso.quality import operations as ops
from coso.quality.outputs import (
    chart_svg,
    export_summary_pdf,
    export_summary_xlsx,
    summary_table,
)
from coso.quality.queries import classification_summary, clean_and_strong, level_series
from coso.stats.queries import stats_as_of
from coso.units.operations import create_unit
from tests.cast import START, Cast
from tests.quality.conftest import DECIDED_2024, DECIDED_2025


def _table(cast: Cast):  # type: ignore[no-untyped-def]
    evil = create_unit(
        code="EVIL",
        name='=HYPERLINK("http://x.example","y")',
        kind="branch",
        parent=cast.C,
        on=START,
    )
    for unit in (cast.B, evil):
        ops.classify_unit(unit, year=2024, level="good", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.B2, year=2024, level="not_complete", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.B, year=2025, level="complete", score=60, decision=None, on=DECIDED_2025)
    return summary_table(
        "P",
        "Đảng bộ tỉnh P",
        2024,
        classification_summary(cast.P, 2024),
        level_series(cast.P, [2023, 2024, 2025]),
        clean_and_strong(cast.P, 2024),
    )


def test_xlsx_reads_back_with_counts_percentages_and_text_kept_text(cast: Cast) -> None:
    sheets = read_xlsx(export_summary_xlsx(_table(cast)))
    summary = sheets["Bảng tổng hợp"]
    assert "Quy định 124-QĐ/TW" in str(summary[0][0])
    branch = next(r for r in summary if r[0] == "Chi bộ trực thuộc")
    # excellent, %, good, %, complete, %, not complete, %, not rated, %, total
    assert branch[1:] == [0, 0.0, 2, 50.0, 0, 0.0, 1, 25.0, 1, 25.0, 4]
    years = sheets["Qua các năm"]
    assert years[1][0] == 2023 and years[2][:3] == [2024, 0, 2] and years[3][3] == 1
    clean = sheets["Trong sạch vững mạnh"]
    assert [r[0] for r in clean[1:]] == ["B", "EVIL"]
    assert clean[2][1] == '=HYPERLINK("http://x.example","y")'  # a string, not a formula


def test_pdf_reads_back_in_vietnamese(cast: Cast) -> None:
    data = export_summary_pdf(_table(cast))
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    fonts = {
        str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert any("Be-Vietnam-Pro" in name for name in fonts), fonts  # the shipped font, embedded
    assert "Xếp loại chất lượng năm 2024" in text
    assert "Quy định 124-QĐ/TW" in text
    assert "Hoàn thành tốt nhiệm vụ" in text and "Chi bộ trực thuộc" in text
    listed = text.split("Mã đơn vị — Tên đơn vị")[-1]  # the clean and strong units
    assert "1. B — Đơn vị B" in listed and "good" not in listed


def test_chart_is_plain_svg_with_escaped_text() -> None:
    svg = chart_svg(
        [(2024, {"excellent": 1, "good": 3, "complete": 1, "not_complete": 0, "not_rated": 2})]
    )
    assert (
        svg.startswith("<svg")
        and "<script" not in svg
        and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    )
    assert svg.count("<rect") == 3 + 4  # three levels present, four legend keys


def test_the_pdf_lists_the_first_hundred_and_points_to_the_xlsx(cast: Cast) -> None:
    import dataclasses

    from coso.quality.queries import RatedUnit

    table = _table(cast)
    many = [RatedUnit(f"U{i:03d}", f"Chi bộ {i}", "branch", "good", None, "") for i in range(130)]
    long = dataclasses.replace(table, clean=many, clean_count=4321)
    reader = PdfReader(io.BytesIO(export_summary_pdf(long)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "U099" in text and "U100" not in text
    assert "100 tổ chức đầu tiên trong 4321" in text or "100 tổ chức đầu tiên trong 4.321" in text
    short = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(export_summary_pdf(table))).pages
    )
    assert "tổ chức đầu tiên" not in short


def test_the_pdf_lists_a_line_per_unit_under_its_levels_label(cast: Cast) -> None:
    """The listed units are one line each (place, code, name) under their level's heading, not
    a three-cell table row repeating the level: two thirds of the render time of a province's
    summary went to those rows (docs/PERFORMANCE.md, sixth session)."""
    import dataclasses

    from coso.quality.queries import RatedUnit

    best = [
        RatedUnit(f"X{i}", f"Đảng bộ {i}", "party_committee", "excellent", 95, "") for i in range(3)
    ]
    good = [RatedUnit(f"U{i:03d}", f"Chi bộ {i}", "branch", "good", None, "") for i in range(130)]
    table = dataclasses.replace(_table(cast), clean=best + good, clean_count=133)
    reader = PdfReader(io.BytesIO(export_summary_pdf(table)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Trên đây là 100 tổ chức đầu tiên trong 133" in text
    lines = re.sub(r"\s+", " ", text)
    head = "STT. Mã đơn vị — Tên đơn vị"
    assert f"Hoàn thành xuất sắc nhiệm vụ {head} 1. X0 — Đảng bộ 0 2. X1" in lines
    assert f"Hoàn thành tốt nhiệm vụ {head} 4. U000 — Chi bộ 0 5. U001" in lines
    assert "100. U096 — Chi bộ 96" in lines and "U097" not in lines
    # Each level named once over its units, not on every row (the levels' table and the
    # chart's legend name it too).
    assert lines.count(head) == 2 and lines.count("Hoàn thành tốt nhiệm vụ") == 3


def test_the_summarys_own_year_is_not_counted_twice(cast: Cast) -> None:
    """The chart's bar of the summary's year is the summary's count of units: passed as known,
    the series reads only the other years (2 queries fewer), with the same figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _table(cast)
    summary = classification_summary(cast.P, 2024)
    with CaptureQueriesContext(connection) as plain:
        counted = level_series(cast.P, [2023, 2024, 2025])
    with CaptureQueriesContext(connection) as reused:
        series = level_series(cast.P, [2023, 2024, 2025], known={2024: summary["units"]})
    assert series == counted and dict(series)[2024]["good"] == 2
    assert len(reused.captured_queries) <= len(plain.captured_queries) - 2


def test_a_provinces_summary_walks_its_subtree_once_per_count(cast: Cast) -> None:
    """Below the root (no summed tallies) each count is one walk of the subtree's spans: the
    units per kind and level with their ratings in one query (LEFT JOIN), the listed units
    with how many there are in all (COUNT(*) OVER ()), the summary's own year not read again
    for the chart. The figures are those of the plain counts (test_level_tally compares)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coso.quality.views import _summary

    _table(cast)
    with CaptureQueriesContext(connection) as read:
        table = _summary(cast.P, 2024, listed=1)
    sql = [q["sql"] for q in read.captured_queries]
    walks = [q for q in sql if " us.path >= " in q and "quality_" in q]  # the member totals aside
    # units by kind and level: 2024, then 2025 for the chart; members 2024; the listed units
    assert len(walks) == 4, "\n".join(w[:150] for w in walks)
    assert [u.code for u in table.clean] == ["B"] and table.clean_count == 2
    assert dict(table.series)[2024] == table.rows[-2][1]  # the units' row of the summary
    # The members' total as `coso stats` gives it, without its participation figures.
    assert not [q for q in sql if "members_participation" in q]
    members = table.rows[-1][1]
    assert sum(members.values()) == stats_as_of(cast.P, dt.date(2024, 12, 31))["members"]["total"]


def test_the_listed_units_read_in_english(cast: Cast) -> None:
    from django.utils import translation

    with translation.override("en"):
        table = _table(cast)
        text = " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(export_summary_pdf(table))).pages
        )
    lines = re.sub(r"\s+", " ", text)
    assert "Good completion of duties No. Unit code — Unit name 1. B — " in lines
