"""Figures grouped by thousands (issue 13, point 6) in text, templates and xlsx, and the SVG
charts' accessible markup (point 8)."""

from __future__ import annotations

import io

import pytest
from django.template import Context, Template
from django.utils import translation
from openpyxl import load_workbook

from coso.core.charts import Series, bar_chart, line_chart, pyramid
from coso.core.numbers import group
from coso.core.spreadsheet import SheetWriter
from coso.quality.outputs import SummaryTable, export_summary_xlsx


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["12.371", "230.000", "5.600.000", "999", "-1.234", "12,5", "—", ""]),
        ("en", ["12,371", "230,000", "5,600,000", "999", "-1,234", "12.5", "—", ""]),
    ],
)
def test_group_and_the_num_filter(language: str, expected: list[str]) -> None:
    with translation.override(language):
        values = [group(12371), group(230000), group(5_600_000), group(999), group(-1234)]
        values += [group(12.5, 1), group("—"), group(None)]
        assert values == expected
        shown = Template("{% load coso_web %}{{ n|num }} · {{ y }} · {{ pk }}").render(
            Context({"n": 12371, "y": 2025, "pk": 12371})
        )
        # Only what goes through |num is grouped: years and ids printed plainly stay as they are.
        assert shown == f"{expected[0]} · 2025 · 12371"


def _formats(data: bytes) -> dict[str, list[list[tuple[object, str]]]]:
    book = load_workbook(io.BytesIO(data))
    return {
        ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
        for ws in book.worksheets
    }


def test_whole_numbers_in_xlsx_carry_a_grouping_format_except_plain_columns() -> None:
    book = SheetWriter("Số liệu")
    book.append(["Tổng số", 12371, 0.5, True, "=1+1"])
    book.append([2025, 7], plain=(0,))
    rows = _formats(book.bytes())["Số liệu"]
    assert rows[0][1] == (12371, "#,##0")
    assert rows[0][2][1] == "General" and rows[0][3][1] == "General"  # floats, booleans
    assert rows[0][4][0] == "=1+1"  # text stays text
    assert rows[1][0] == (2025, "General") and rows[1][1] == (7, "#,##0")


def test_the_quality_summary_xlsx_groups_counts_not_years() -> None:
    counts = {"excellent": 1200, "good": 3, "complete": 0, "not_complete": 0, "not_rated": 0}
    shares = {key: None for key in counts}
    table = SummaryTable(
        "P", "Tỉnh", 2024, "366", [("Chi bộ", counts, shares)], [(2024, counts)], [], 0
    )
    sheets = _formats(export_summary_xlsx(table))
    first, years = list(sheets.values())[:2]
    assert first[2][1] == (1200, "#,##0")
    assert years[1][0] == (2024, "General") and years[1][1] == (1200, "#,##0")


def test_charts_are_labelled_images_with_escaped_text_and_grouped_figures() -> None:
    with translation.override("vi"):
        charts = [
            line_chart(
                "Số <đảng viên>", ["01/01/2025", "01/07/2025"], [Series("Tổng", [12000, 12371])]
            ),
            bar_chart("Theo tháng", ["01/2025", "02/2025"], [Series("Phải họp", [3, 4])]),
            pyramid("Tháp tuổi", ["≤30", "31–40"], Series("Nam", [1, 2]), Series("Nữ", [0, 5])),
        ]
    for svg in charts:
        assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-label="' in svg
        assert svg.count("<title>") >= 3  # the chart's and one per bar or point
        assert "<script" not in svg
    assert "Số &lt;đảng viên&gt;" in charts[0] and "<đảng viên>" not in charts[0]
    assert "12.371</title>" in charts[0]
    assert charts[2].count("<rect") == 4
