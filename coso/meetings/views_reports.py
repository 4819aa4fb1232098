"""The activity report of a unit's subtree over a period, with drill-down and xlsx export.

Visible to whoever holds a role that lets them view the unit (officers, committee members, the
branch's secretary); a member's own branch is not enough, and anything else answers 404.
The figures come from coso.meetings.reports; the view only reads the period and the scope.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coso.authority.scope import Action, Scope, get_unit_for_user, scope_of
from coso.core.charts import Series, bar_chart
from coso.core.dates import add_months, fmt, parse_date, today
from coso.core.errors import CosoError
from coso.core.memory import young_collections_only
from coso.meetings.models import AttendanceStatus, MeetingForm, MeetingKind, MeetingStatus
from coso.meetings.monthly import monthly_activity
from coso.meetings.queries import unit_meetings
from coso.meetings.reports import (
    MeetingReport,
    activity_answer,
    export_report_xlsx,
    meeting_report,
    precomputed_report,
    warned_branches,
)
from coso.units.models import Unit, UnitSpan

# A longer period would make a province's report owe hundreds of thousands of meeting slots.
MAX_YEARS = 5
# Branches with warnings listed on a report above the branch; the count says how many in all.
SHOWN_BRANCHES = 50
# What the xlsx lists at most: the report of the country would otherwise name millions of
# warnings (each sheet says how many there are in all).
XLSX_BRANCHES = 500
XLSX_WARNINGS = 1000


@dataclass(frozen=True)
class ReportPeriod:
    start: dt.date
    last: dt.date  # inclusive, as people write periods

    @property
    def end(self) -> dt.date:
        return self.last + dt.timedelta(days=1)

    def query(self) -> str:
        return f"?from={fmt(self.start)}&to={fmt(self.last)}"


def quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def quick_periods(day: dt.date) -> list[tuple[str, ReportPeriod]]:
    """The quick choices: this month, this quarter, this year (all to date), last year."""
    return [
        (_("Tháng này"), ReportPeriod(day.replace(day=1), day)),
        (_("Quý này"), ReportPeriod(quarter_start(day), day)),
        (_("Năm nay"), ReportPeriod(day.replace(month=1, day=1), day)),
        (
            _("Năm trước"),
            ReportPeriod(dt.date(day.year - 1, 1, 1), dt.date(day.year - 1, 12, 31)),
        ),
    ]


def read_period(request: HttpRequest, day: dt.date) -> tuple[ReportPeriod, str]:
    """?from and ?to (dd/mm/yyyy, `to` included); this year to date when absent or wrong."""
    default = ReportPeriod(day.replace(month=1, day=1), day)
    texts = {key: request.GET.get(key, "").strip() for key in ("from", "to")}
    if not any(texts.values()):
        return default, ""
    try:
        start = parse_date(texts["from"]) if texts["from"] else default.start
        last = parse_date(texts["to"]) if texts["to"] else day
    except ValueError as exc:
        return default, _("Kỳ báo cáo: %(e)s. Đang hiện từ đầu năm đến nay.") % {"e": exc}
    if last < start:
        return default, _(
            "Kỳ báo cáo: ngày cuối %(to)s trước ngày đầu %(from)s. Đang hiện từ đầu năm đến nay."
        ) % {"to": fmt(last), "from": fmt(start)}
    if add_months(start, 12 * MAX_YEARS) <= last:
        return default, _(
            "Kỳ báo cáo từ %(from)s đến %(to)s dài quá %(n)s năm. Đang hiện từ đầu năm đến nay."
        ) % {"from": fmt(start), "to": fmt(last), "n": MAX_YEARS}
    return ReportPeriod(start, last), ""


def get_report_unit(request: HttpRequest, code: str) -> Unit:
    unit = get_unit_for_user(request.user, code)
    if not scope_of(request.user).can(Action.VIEW, unit, by_role=True):
        # Members read their branch's meetings on their own page, not the report.
        raise Http404(_("Không tìm thấy đơn vị."))
    return unit


def _url(name: str, *args: Any) -> str:
    """A link to a page that may not exist yet (another part of the issue): empty if not."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def breadcrumb(scope: Scope, unit: Unit, day: dt.date) -> list[dict[str, str]]:
    """The unit's ancestors the user may view, from the highest one down (the user's own unit
    first), as of `day`; two queries whatever the depth."""
    span = (
        UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day)
        .values_list("path", flat=True)
        .first()
    )
    if span is None:
        return []
    ids = [int(part) for part in span.strip("/").split("/")[:-1]]
    names = dict(
        UnitSpan.objects.filter(unit_id__in=ids, valid_from__lte=day, valid_to__gt=day)
        .values_list("unit_id", "name")
        .order_by()
    )
    codes = dict(scope.units(Action.VIEW).filter(pk__in=ids).values_list("pk", "code").order_by())
    crumbs = []
    for unit_id in ids:
        if unit_id in codes:
            crumbs.append({"code": codes[unit_id], "name": names.get(unit_id, codes[unit_id])})
        elif crumbs:
            break  # a gap in the scope: the rest would not be the user's own chain
    return crumbs


# Kinds with a column of their own on the page (regular and thematic are in held / required).
OTHER_KINDS = (MeetingKind.EXTRAORDINARY, MeetingKind.COMMITTEE)


def _rows(report: MeetingReport, is_branch: bool) -> list[dict[str, Any]]:
    """The children's rows then the total; a branch's report is its own row only."""
    kinds = [str(k) for k in MeetingKind.values]
    forms = [str(f) for f in MeetingForm.values]
    shown = []
    for row in [report.total] if is_branch else [*report.rows, report.total]:
        shown.append(
            {
                "row": row,
                "total": row is report.total and not is_branch,
                "kinds": [row.by_kind[k] for k in kinds],
                # The page shows regular and thematic meetings once, as held / required (the
                # meetings' count beside it only when it differs: two in one month); the other
                # kinds have a column each.
                "regular_meetings": row.by_kind[MeetingKind.REGULAR],
                "thematic_meetings": row.by_kind[MeetingKind.THEMATIC],
                "other_kinds": [(MeetingKind(k).label, row.by_kind[k]) for k in OTHER_KINDS],
                "labelled_forms": [(MeetingForm(f).label, row.by_form[f]) for f in forms],
                "forms": [row.by_form[f] for f in forms],
                "held": sum(row.by_kind.values()),
                "rate": None if row.attendance_rate is None else round(row.attendance_rate * 100),
            }
        )
    return shown


def _warned_branches(report: MeetingReport) -> tuple[list[dict[str, Any]], int]:
    return warned_branches(report, SHOWN_BRANCHES)


def _branch_meetings(unit: Unit, period: ReportPeriod) -> list[dict[str, Any]]:
    """The branch's meetings with their figures, in one query: closed meetings carry them,
    open ones are counted from their invitations (as coso.meetings.warnings.meeting_figures)."""
    counted = Q(invitations__counted=True)
    rows = unit_meetings(unit, period.start, period.end).annotate(
        n_expected=Count("invitations", filter=counted),
        n_present=Count(
            "invitations", filter=counted & Q(invitations__status=AttendanceStatus.PRESENT)
        ),
    )
    listed = []
    for meeting in rows:
        expected = present = None
        if meeting.status == MeetingStatus.CLOSED:
            expected, present = meeting.expected_count or 0, meeting.present_count or 0
        elif meeting.status == MeetingStatus.HELD:
            expected, present = meeting.n_expected, meeting.n_present
        listed.append({"meeting": meeting, "expected": expected, "present": present})
    return listed


def _monthly_chart(
    unit: Unit, period: ReportPeriod, day: dt.date, report: MeetingReport
) -> dict[str, Any]:
    """The chart of regular meetings held against required by month (issue 13, point 8), its
    rows, or why it is not drawn (meetings/reports/_activity_chart.html). A live report lends
    its branches and meetings; a precomputed one (`branches` empty) has none to lend."""
    read = (report.branches, report.figures) if report.branches else None
    try:
        months = monthly_activity(unit, period.start, period.end, on=day, read=read)
    except CosoError as exc:
        return {"monthly_note": str(exc)}
    if not months:
        return {"monthly_note": _("Chưa có tháng nào kết thúc trong kỳ báo cáo.")}
    labels = [f"{m.month:%m/%Y}" for m in months]
    chart = bar_chart(
        _("Sinh hoạt thường kỳ: chi bộ phải họp và đã họp, theo tháng"),
        labels,
        [
            Series(_("Phải họp"), [m.required for m in months]),
            Series(_("Đã họp"), [m.held for m in months]),
        ],
    )
    return {"monthly_chart": chart, "monthly_rows": list(zip(labels, months, strict=True))}


def _outside_note(unit: Unit, period: ReportPeriod) -> str:
    """Why a report is empty when the unit did not exist during the period."""
    if period.last < unit.valid_from:
        return _("Đơn vị «%(c)s» được thành lập ngày %(d)s, sau kỳ báo cáo.") % {
            "c": unit.code,
            "d": fmt(unit.valid_from),
        }
    if period.start >= unit.valid_to:
        return _("Đơn vị «%(c)s» đã kết thúc hoạt động ngày %(d)s, trước kỳ báo cáo.") % {
            "c": unit.code,
            "d": fmt(unit.valid_to),
        }
    return ""


@login_required
@require_GET
def activity_report(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_report_unit(request, code)
    scope = scope_of(request.user)
    day = today()
    period, error = read_period(request, day)
    context: dict[str, Any] = {
        "unit": unit,
        "period": period,
        "error": error,
        "quick": quick_periods(day),
        "kind_labels": [MeetingKind(k).label for k in OTHER_KINDS],
        "form_labels": list(MeetingForm.labels),
        "unit_meetings_url": _url("meetings:unit_meetings", unit.code),
        "note": _outside_note(unit, period),
    }
    precomputed = precomputed_report(unit, period.start, period.end, on=day, shown=SHOWN_BRANCHES)
    try:
        if precomputed is None:
            report = meeting_report(unit, period.start, period.end, on=day)
        else:
            report = precomputed[0]
    except CosoError as exc:
        context["error"] = str(exc)
        context["crumbs"] = breadcrumb(scope, unit, min(day, unit.valid_to - dt.timedelta(1)))
        return render(request, "meetings/reports/activity_report.html", context)
    is_branch = len(report.rows) == 1 and report.rows[0].code == unit.code and bool(report.branches)
    as_of = max(min(period.last, unit.valid_to - dt.timedelta(days=1)), period.start)
    if precomputed is None:
        warned, warned_total = _warned_branches(report)
    else:
        _report, warned, warned_total = precomputed
    context.update(
        {
            "report": report,
            "rows": _rows(report, is_branch),
            "is_branch": is_branch,
            "crumbs": breadcrumb(scope, unit, as_of),
            "warned": warned,
            "warned_total": warned_total,
            "branch_warnings": report.warnings if is_branch else [],
            "meetings": _branch_meetings(unit, period) if is_branch else [],
        }
    )
    context.update(_monthly_chart(unit, period, day, report))  # issue 13, point 8
    return render(request, "meetings/reports/activity_report.html", context)


@login_required
@require_GET
@young_collections_only()  # a document built: no whole-heap pass in it
def activity_report_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_report_unit(request, code)
    day = today()
    period, _error = read_period(request, day)
    try:
        answer = activity_answer(
            unit, period.start, period.end, on=day, listed=XLSX_WARNINGS, shown=XLSX_BRANCHES
        )
    except CosoError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(
        export_report_xlsx(answer.report, answer),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", unit.code)
    name = f"sinh-hoat-{safe}-{period.start:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
