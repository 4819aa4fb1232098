"""The classification summary as xlsx and pdf, and the chart of the four levels over the years
as server-side SVG (no script, no CDN). Text from users (unit names) is kept text in xlsx by
coso.core.spreadsheet and escaped in SVG and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from itertools import groupby
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from coso.core.printing import font_faces, html_to_pdf
from coso.core.spreadsheet import SheetWriter
from coso.quality.models import LEVELS, Level
from coso.quality.queries import KEYS, RatedUnit, percentages
from coso.units.models import UnitKind

# Light to dark: excellent, good, complete, not complete.
COLOURS = {
    "excellent": "#1b5e20",
    "good": "#43a047",
    "complete": "#f9a825",
    "not_complete": "#c62828",
}


def key_label(key: str) -> str:
    if key == "not_rated":
        return _("Chưa xếp loại / không xếp loại")
    return str(Level(key).label)


def kind_label(kind: str) -> str:
    return str(dict(UnitKind.choices).get(kind, kind))


@dataclass
class SummaryTable:
    """One row per unit kind, then all units, then members: counts and percentages."""

    code: str
    name: str
    year: int
    regulation: str
    rows: list[tuple[str, dict[str, int], dict[str, float | None]]]
    series: list[tuple[int, dict[str, int]]]
    clean: list[RatedUnit]
    clean_count: int


def summary_table(
    code: str,
    name: str,
    year: int,
    summary: dict[str, Any],
    series: list[tuple[int, dict[str, int]]],
    clean: tuple[list[RatedUnit], int],
) -> SummaryTable:
    rows = [
        (kind_label(kind), counts, percentages(counts))
        for kind, counts in summary["by_kind"].items()
    ]
    rows.append((_("Tổ chức đảng (cộng)"), summary["units"], percentages(summary["units"])))
    rows.append((_("Đảng viên"), summary["members"], percentages(summary["members"])))
    return SummaryTable(code, name, year, summary["regulation"], rows, series, clean[0], clean[1])


def chart_svg(series: list[tuple[int, dict[str, int]]], width: int = 560, height: int = 260) -> str:
    """Stacked bars, one per year, of the four levels' shares of the units rated."""
    left, bottom, top, legend = 40, 30, 10, 150
    plot_w = width - left - legend - 10
    plot_h = height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="'
        + escape(_("Các mức xếp loại qua các năm"))
        + '" font-family="Be Vietnam Pro, DejaVu Sans, sans-serif" font-size="11">'
    ]
    for pct in (0, 50, 100):
        y = top + plot_h - plot_h * pct / 100
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>'
        )
    n = max(len(series), 1)
    slot = plot_w / n
    bar = min(48.0, slot * 0.6)
    for i, (year, counts) in enumerate(series):
        rated = sum(counts[level] for level in LEVELS)
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for level in reversed(LEVELS):
            share = counts[level] / rated if rated else 0
            h = plot_h * share
            y -= h
            if h > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[level]}"><title>{year}: {escape(key_label(level))} '
                    f"{counts[level]}</title></rect>"
                )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{year}'
            "</text>"
        )
    for j, level in enumerate(LEVELS):
        y = top + 14 + j * 18
        lx = width - legend
        parts.append(
            f'<rect x="{lx}" y="{y - 9}" width="10" height="10" fill="{COLOURS[level]}"/>'
            f'<text x="{lx + 14}" y="{y}">{escape(key_label(level))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def export_summary_xlsx(table: SummaryTable) -> bytes:
    book = SheetWriter(_("Bảng tổng hợp"))
    book.append(
        [
            _("Xếp loại chất lượng năm %(year)s — %(name)s (%(code)s) — Quy định %(reg)s")
            % {"year": table.year, "name": table.name, "code": table.code, "reg": table.regulation}
        ]
    )
    header: list[object] = [_("Loại")]
    for key in KEYS:
        header += [key_label(key), "%"]
    header.append(_("Tổng số"))
    book.append(header)
    for label, counts, shares in table.rows:
        row: list[object] = [label]
        for key in KEYS:
            row += [counts[key], shares[key]]
        row.append(sum(counts.values()))
        book.append(row)
    book.add_sheet(_("Qua các năm"))
    book.append([_("Năm"), *[key_label(k) for k in KEYS]])
    for year, counts in table.series:
        book.append([year, *[counts[k] for k in KEYS]], plain=(0,))  # a year, not a count
    book.add_sheet(_("Trong sạch vững mạnh"))
    book.append([_("Mã đơn vị"), _("Tên đơn vị"), _("Loại"), _("Mức xếp loại"), _("Điểm")])
    for item in table.clean:
        book.append(
            [item.code, item.name, kind_label(item.kind), key_label(item.level), item.score]
        )
    return book.bytes()


def table_cells(table: SummaryTable) -> list[tuple[str, list[tuple[int, str]], int]]:
    """Rows for a template: label, (count, percent text) per key, total."""
    rows = []
    for label, counts, shares in table.rows:
        cells = [
            (counts[k], "" if shares[k] is None else f"{shares[k]:.1f}%".replace(".", ","))
            for k in KEYS
        ]
        rows.append((label, cells, sum(counts.values())))
    return rows


PDF_UNITS = 100  # units listed in the PDF; the xlsx has the longer list


def export_summary_pdf(table: SummaryTable) -> bytes:
    """The summary as a printable PDF with the chart, in Be Vietnam Pro (shipped with Coso):
    the first PDF_UNITS clean and strong organizations, a line each under their level, then a
    pointer to the xlsx."""
    html = render_to_string(
        "quality/summary_pdf.html",
        {
            "t": table,
            "rows": table_cells(table),
            "keys": [(k, key_label(k)) for k in KEYS],
            "chart": chart_svg(table.series),
            "clean": _by_level(table.clean[:PDF_UNITS]),
            "more": max(len(table.clean), table.clean_count) > PDF_UNITS,
        },
    )
    return html_to_pdf(html, summary_css())


def _by_level(units: list[RatedUnit]) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """The listed units under their level's label, in their order (best level first), each
    with its place in the whole list, code and name."""
    groups: list[tuple[str, list[tuple[int, str, str]]]] = []
    for level, items in groupby(enumerate(units, start=1), key=lambda pair: pair[1].level):
        groups.append((key_label(level), [(n, u.code, u.name) for n, u in items]))
    return groups


def summary_css() -> str:
    """The summary PDF's stylesheet (the same text every time: parsed once per process)."""
    return render_to_string("quality/summary_pdf.css", {"font_faces": font_faces()})
