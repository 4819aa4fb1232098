"""Charts as server-side SVG: no script, no CDN, the same markup on a page and in a PDF.

Each chart is an `<svg role="img">` with a `<title>` and `aria-label`, and a `<title>` on every
bar or point (its figure, shown on hover); the pages put the numbers behind each chart in a
table next to it (screen readers read the table). Labels are escaped; figures are grouped with
`coso.core.numbers.group` (12.371 / 12,371). Sizes are in user units: the SVG scales to the
width of its container (`width="100%"`, viewBox).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from coso.core.numbers import group

FONT = 'font-family="Be Vietnam Pro, DejaVu Sans, sans-serif" font-size="12"'
# Colour-blind safe (Okabe–Ito), dark enough against white for 3:1.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]


def _tick_step(value: int) -> int:
    """A step of 1, 2 or 5 times a power of ten giving about four ticks up to `value`."""
    if value <= 4:
        return 1
    power = int(10 ** math.floor(math.log10(value / 4)))
    for step in (1, 2, 5, 10):
        if step * power * 4 >= value:
            return step * power
    return 10 * power


def _nice_max(value: int) -> int:
    """The axis top: a whole number of ticks, at least `value` (and 1)."""
    step = _tick_step(max(value, 1))
    return max(step * math.ceil(value / step), 1)


def _open(title: str, width: int, height: int, css: str) -> list[str]:
    label = escape(title)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-label="{label}" {FONT}><title>{label}</title>'
    ]


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for i, s in enumerate(series):
        ly = y + i * 18
        parts.append(
            f'<rect x="{x:.1f}" y="{ly - 10:.1f}" width="12" height="12" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 16:.1f}" y="{ly:.1f}">{escape(s.label)}</text>'
        )
    return parts


def _y_axis(top: int, left: float, plot_top: float, plot_h: float, right: float) -> list[str]:
    parts = []
    step = _tick_step(top)
    for value in range(0, top + 1, step):
        y = plot_top + plot_h - plot_h * value / top
        parts.append(
            f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{group(value)}</text>'
        )
    return parts


def _x_labels(labels: Sequence[str], spacing: float, width: float = 76.0) -> list[int]:
    """Which of the labels to print so that none overlaps (`spacing`: user units between two
    consecutive points; `width`: room a label takes), always the first and the last."""
    step = max(1, math.ceil(width / max(spacing, 1.0)))
    shown = list(range(0, len(labels), step))
    if labels and shown[-1] != len(labels) - 1:
        if len(labels) - 1 - shown[-1] < step and len(shown) > 1:
            shown.pop()
        shown.append(len(labels) - 1)
    return shown


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 640
) -> str:
    """Lines over `labels` (dates), one per series, with a legend below."""
    height = 240 + 18 * len(series)
    left, right, plot_top, plot_h = 64.0, width - 16.0, 12.0, 180.0
    top = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    parts = _open(title, width, height, "chart-line")
    parts += _y_axis(top, left, plot_top, plot_h, right)
    n = max(len(labels), 1)
    inset = 36.0  # room for the first and last date, centred under their points
    step = (right - left - 2 * inset) / max(n - 1, 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        x = left + inset + (step * i if n > 1 else (right - left - 2 * inset) / 2)
        return x, plot_top + plot_h - plot_h * v / top

    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(s.values)))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        for i, v in enumerate(s.values):
            x, y = xy(i, v)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(labels[i])} — {escape(s.label)}: {group(v)}</title></circle>"
            )
    for i in _x_labels(labels, step):
        x, _y = xy(i, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{plot_top + plot_h + 18:.1f}" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    parts += _legend(series, left, plot_top + plot_h + 46)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 640
) -> str:
    """Grouped vertical bars: for each label one bar per series (e.g. required and held)."""
    height = 240 + 18 * len(series)
    left, right, plot_top, plot_h = 56.0, width - 12.0, 12.0, 180.0
    top = _nice_max(max((max(s.values, default=0) for s in series), default=0))
    parts = _open(title, width, height, "chart-bars")
    parts += _y_axis(top, left, plot_top, plot_h, right)
    n = max(len(labels), 1)
    slot = (right - left) / n
    bar = min(28.0, slot * 0.8 / max(len(series), 1))
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - bar * len(series)) / 2
        for k, s in enumerate(series):
            v = s.values[i]
            h = plot_h * v / top
            parts.append(
                f'<rect x="{x0 + bar * k:.1f}" y="{plot_top + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(label)} — {escape(s.label)}: {group(v)}</title></rect>"
            )
    for i in _x_labels(labels, slot, 56.0):
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{plot_top + plot_h + 18:.1f}" '
            f'text-anchor="middle">{escape(labels[i])}</text>'
        )
    parts += _legend(series, left, plot_top + plot_h + 46)
    parts.append("</svg>")
    return "".join(parts)


def pyramid(
    title: str,
    bands: Sequence[str],
    left_series: Series,
    right_series: Series,
    *,
    width: int = 460,
) -> str:
    """A population pyramid: one row per band (the first band at the bottom), `left_series`
    to the left of the axis, `right_series` to the right."""
    row = 22.0
    label_w, margin, plot_top = 70.0, 12.0, 24.0
    height = int(plot_top + row * len(bands) + 30)
    half = (width - label_w - 2 * margin) / 2
    middle_left = margin + half
    middle_right = middle_left + label_w
    # Headroom for the figure printed beside the longest bar.
    top = _nice_max(int(max([*left_series.values, *right_series.values, 0]) * 1.2))
    parts = _open(title, width, height, "chart-pyramid")
    parts.append(
        f'<text x="{middle_left:.1f}" y="14" text-anchor="end" font-weight="bold">'
        f"{escape(left_series.label)}</text>"
        f'<text x="{middle_right:.1f}" y="14" font-weight="bold">'
        f"{escape(right_series.label)}</text>"
    )
    for i, band in enumerate(bands):
        y = plot_top + row * (len(bands) - 1 - i)
        lv, rv = left_series.values[i], right_series.values[i]
        lw, rw = half * lv / top, half * rv / top
        parts.append(
            f'<rect x="{middle_left - lw:.1f}" y="{y + 2:.1f}" width="{lw:.1f}" '
            f'height="{row - 4:.1f}" fill="{PALETTE[0]}"><title>{escape(band)} — '
            f"{escape(left_series.label)}: {group(lv)}</title></rect>"
            f'<rect x="{middle_right:.1f}" y="{y + 2:.1f}" width="{rw:.1f}" '
            f'height="{row - 4:.1f}" fill="{PALETTE[1]}"><title>{escape(band)} — '
            f"{escape(right_series.label)}: {group(rv)}</title></rect>"
            f'<text x="{middle_left + label_w / 2:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'text-anchor="middle">{escape(band)}</text>'
        )
        if lv:
            parts.append(
                f'<text x="{middle_left - lw - 4:.1f}" y="{y + row / 2 + 4:.1f}" '
                f'text-anchor="end" font-size="10">{group(lv)}</text>'
            )
        if rv:
            parts.append(
                f'<text x="{middle_right + rw + 4:.1f}" y="{y + row / 2 + 4:.1f}" '
                f'font-size="10">{group(rv)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["Series", "bar_chart", "line_chart", "pyramid"]
