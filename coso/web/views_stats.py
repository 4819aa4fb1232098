"""A unit's figures on a date, or two dates side by side, and its charts (issue 13, points 8, 9).

The figures are `coso.stats.queries.stats_as_of`, the read behind `coso stats CODE --as-of D
--json` and `GET /api/v1/units/{code}/stats`: one read function per question. The charts are
server-side SVG (`coso.core.charts`) with their numbers in a table one click away:

- members over time and by status: `members_over_time` on SERIES_POINTS days of the range (each
  a `member_figures`: DailyDelta sums at the root, SubtreeDelta sums in a province, spans below);
- age and party-age pyramids: `age_profile`, computed for subtrees of up to
  PROFILE_MAX_MEMBERS members (a commune and below; a province or the country says so).

Visible to whoever may view the unit (as the API); the pyramids only to those who manage it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coso.authority.scope import Action, get_unit_for_user, scope_of
from coso.core.charts import Series, line_chart, pyramid
from coso.core.dates import add_months, fmt, parse_date, today
from coso.core.errors import CosoError
from coso.core.numbers import group
from coso.members.models import PositionRole
from coso.stats.queries import (
    PROFILE_MAX_MEMBERS,
    SERIES_POINTS,
    age_profile,
    members_over_time,
    stats_as_of,
)
from coso.units.models import UnitKind, UnitTag
from coso.web import timeline

# A range longer than this is cut (the chart's points would be years apart anyway).
MAX_RANGE_YEARS = 30


def member_labels() -> dict[str, str]:
    return {
        "total": _("Tổng số đảng viên"),
        "official": _("Chính thức"),
        "probationary": _("Dự bị"),
        "exempt": _("Miễn công tác và sinh hoạt"),
        "in_transit": _("Đang chuyển sinh hoạt"),
    }


def figure_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """`stats_as_of`'s answer as rows (section, key, label, value); the key is the JSON path
    ("members.total", "units.branch", "outside.positions.commune.secretary") so a test can
    compare the page with `coso stats --json` figure by figure."""
    rows: list[tuple[str, str, str, int]] = []
    members = _("Đảng viên")
    for key, label in member_labels().items():
        rows.append((members, f"members.{key}", label, int(figures["members"].get(key, 0))))
    for key, n in figures["units"].items():
        rows.append(
            (_("Tổ chức cấp dưới"), f"units.{key}", timeline.choice_label(UnitKind, key), n)
        )
    for key, n in figures["branch_categories"].items():
        rows.append(
            (
                _("Chi bộ theo phân loại"),
                f"branch_categories.{key}",
                timeline.choice_label(UnitTag, key),
                n,
            )
        )
    rows.append(
        (
            _("Tham gia sinh hoạt"),
            "participants",
            _("Đảng viên nơi khác tham gia sinh hoạt trong đơn vị"),
            int(figures["participants"]),
        )
    )
    outside = figures.get("outside", {})
    away = _("Đảng viên của đơn vị ở đơn vị ngoài")
    part = outside.get("participations", {})
    if part:
        rows.append(
            (
                away,
                "outside.participations.members",
                _("Tham gia sinh hoạt (đảng viên)"),
                part.get("members", 0),
            )
        )
        rows.append(
            (
                away,
                "outside.participations.units",
                _("Tham gia sinh hoạt (tổ chức)"),
                part.get("units", 0),
            )
        )
    for key, n in outside.get("positions", {}).items():
        kind, _sep, role = key.partition(".")
        label = f"{timeline.choice_label(PositionRole, role)} — " + (
            _("đơn vị đã kết thúc") if kind == "ended" else timeline.choice_label(UnitKind, kind)
        )
        rows.append((away, f"outside.positions.{key}", label, n))
    if outside.get("external_roles"):
        rows.append(
            (
                away,
                "outside.external_roles",
                _("Chức danh ngoài Đảng (đại biểu HĐND…)"),
                outside["external_roles"],
            )
        )
    return rows


def compared(first: dict[str, Any], second: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Rows of one date, or of two with the change; a figure absent on one date counts 0."""
    a = figure_rows(first)
    if second is None:
        return [{"section": s, "key": k, "label": lb, "a": v} for s, k, lb, v in a]
    b = {k: (s, lb, v) for s, k, lb, v in figure_rows(second)}
    out = []
    seen = set()
    for s, k, lb, v in a:
        w = b[k][2] if k in b else 0
        out.append({"section": s, "key": k, "label": lb, "a": v, "b": w, "change": w - v})
        seen.add(k)
    for k, (s, lb, w) in b.items():
        if k not in seen:
            out.append({"section": s, "key": k, "label": lb, "a": 0, "b": w, "change": w})
    return out


def _date(request: HttpRequest, name: str, label: str) -> tuple[dt.date | None, str]:
    text = request.GET.get(name, "").strip()
    if not text:
        return None, ""
    try:
        return parse_date(text), ""
    except ValueError as exc:
        return None, f"{label}: {exc}"


def _signed(n: int) -> str:
    return ("+" if n > 0 else "") + group(n) if n else "0"


def figures_context(
    context: dict[str, Any], unit: Any, day: dt.date, compare: dt.date | None
) -> list[str]:
    """The figures of `coso stats` for `day` (and `compare`, with the change) into `context`
    for web/_figures_table.html — the unit page and this one; the refusals, if any."""
    errors: list[str] = []
    figures = second = None
    try:
        figures = stats_as_of(unit, day)
    except CosoError as exc:
        errors.append(str(exc))
    if compare is not None and figures is not None:
        try:
            second = stats_as_of(unit, compare)
        except CosoError as exc:
            errors.append(str(exc))
    if figures is not None:
        rows = compared(figures, second)
        for row in rows:
            if "change" in row:
                row["change_text"] = _signed(row["change"])
        context["rows"] = rows
        context["members_total"] = figures["members"]["total"]
        context["first_day"] = fmt(day)
        context["first_iso"] = day.isoformat()
        context["second_day"] = fmt(compare) if second is not None else ""
    return errors


def compare_day(request: HttpRequest) -> tuple[dt.date | None, str]:
    return _date(request, "compare", _("Ngày so sánh"))


@login_required
@require_GET
def unit_stats(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    scope = scope_of(request.user)
    manager = scope.manages_units and scope.can(Action.VIEW, unit)
    errors: list[str] = []
    day, error = _date(request, "as_of", _("Ngày"))
    errors += [error] if error else []
    compare, error = _date(request, "compare", _("Ngày so sánh"))
    errors += [error] if error else []
    day = day or min(today(), unit.valid_to - dt.timedelta(days=1))
    span, note = timeline.shown_span(unit, day)
    context: dict[str, Any] = {
        "unit": unit,
        "span": span,
        "as_of": fmt(day),
        "compare": fmt(compare) if compare else "",
        "note": note,
        "manager": manager,
    }
    errors += figures_context(context, unit, day, compare)

    # Members over time: the range asked, else the year up to the day.
    start, error = _date(request, "from", _("Từ ngày"))
    errors += [error] if error else []
    end, error = _date(request, "to", _("Đến ngày"))
    errors += [error] if error else []
    end = end or day
    start = start or add_months(end, -12)
    if start > end:
        start, end = end, start
    if add_months(start, 12 * MAX_RANGE_YEARS) < end:
        start = add_months(end, -12 * MAX_RANGE_YEARS)
    context["from"], context["to"] = fmt(start), fmt(end)
    context["from_iso"], context["to_iso"] = start.isoformat(), end.isoformat()
    series = members_over_time(unit, start, end, SERIES_POINTS)
    context["series"] = [(fmt(d), m) for d, m in series]
    if series:
        labels = [fmt(d) for d, _m in series]
        names = member_labels()
        context["series_chart"] = line_chart(
            _("Số đảng viên từ %(f)s đến %(t)s") % {"f": fmt(start), "t": fmt(end)},
            labels,
            [
                Series(names[k], [m[k] for _d, m in series])
                for k in ("total", "official", "probationary")
            ],
        )
        context["series_keys"] = [(k, names[k]) for k in names]

    if manager and "rows" in context:
        profile = age_profile(unit, day)
        if profile is None:
            context["profile_note"] = _(
                "Tháp tuổi chỉ tính cho đơn vị có đến %(n)s đảng viên (cấp xã và cấp dưới): "
                "xin xem ở từng đơn vị cấp dưới."
            ) % {"n": group(PROFILE_MAX_MEMBERS)}
        else:
            men, women = _("Nam"), _("Nữ")
            party_bands = [_("Dự bị"), *profile["party_age_bands"][1:]]
            context["profile"] = profile
            context["age_chart"] = pyramid(
                _("Tháp tuổi đời ngày %(d)s") % {"d": fmt(day)},
                profile["age_bands"],
                Series(men, profile["ages"]["male"]),
                Series(women, profile["ages"]["female"]),
            )
            context["party_chart"] = pyramid(
                _("Tháp tuổi đảng ngày %(d)s") % {"d": fmt(day)},
                party_bands,
                Series(men, profile["party_ages"]["male"]),
                Series(women, profile["party_ages"]["female"]),
            )
            context["age_rows"] = list(
                zip(
                    profile["age_bands"],
                    profile["ages"]["male"],
                    profile["ages"]["female"],
                    strict=True,
                )
            )
            context["party_rows"] = list(
                zip(
                    party_bands,
                    profile["party_ages"]["male"],
                    profile["party_ages"]["female"],
                    strict=True,
                )
            )
    context["errors"] = errors
    return render(request, "web/unit_stats.html", context)
