"""Activity report for a unit's subtree and a period: meetings held against required, by kind
and form, attendance, branches with warnings; one row per child unit (drill-down), and xlsx."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from coso.core.dates import fmt, today
from coso.core.spreadsheet import SheetWriter
from coso.meetings.activity import (
    REPORT_FIELDS,
    ReportSums,
    SubtreeWarnings,
    cached_report,
    check_live_size,
    in_branch_order,
)
from coso.meetings.models import MeetingForm, MeetingKind
from coso.meetings.warnings import (
    RECORDED,
    ActivityWarning,
    Branch,
    Figures,
    Period,
    WarningKind,
    branches_under,
    days_from_figures,
    meeting_figures,
    months_in,
    owed_slots,
    quarters_in,
    slot_counts,
    warnings_for,
)
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.queries import span_on


@dataclass
class ReportRow:
    code: str
    name: str
    branches: int = 0
    regular_required: int = 0
    regular_held: int = 0
    thematic_required: int = 0
    thematic_held: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_form: Counter[str] = field(default_factory=Counter)
    expected: int = 0
    present: int = 0
    branches_with_warnings: int = 0
    warnings: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return self.present / self.expected if self.expected else None

    @property
    def regular_rate(self) -> float | None:
        return (
            min(self.regular_held, self.regular_required) / self.regular_required
            if self.regular_required
            else None
        )


@dataclass
class MeetingReport:
    unit_code: str
    unit_name: str
    start: dt.date
    end: dt.date
    on: dt.date
    total: ReportRow
    rows: list[ReportRow]
    warnings: list[ActivityWarning]
    # The branches counted (for names and drill-down of the branches with warnings).
    branches: list[Branch] = field(default_factory=list)
    # Their meetings' figures (coso.meetings.warnings.meeting_figures), for the monthly chart.
    figures: Figures = field(default_factory=list)


def _held_in_slots(
    owed: list[tuple[Branch, int]], counts: Counter[tuple[int, int]]
) -> Counter[int]:
    """Per branch, the owed slots that had at least one recorded meeting."""
    held: Counter[int] = Counter()
    for branch, i in owed:
        if counts[(branch.unit_id, i)]:
            held[branch.unit_id] += 1
    return held


def _children(unit: Unit, root: UnitSpan, as_of: dt.date) -> list[tuple[str, str, str]]:
    if root.kind in HOME_KINDS:
        return [(unit.code, root.name, root.path)]
    return list(
        UnitSpan.objects.filter(parent=unit, valid_from__lte=as_of, valid_to__gt=as_of)
        .order_by("unit__code")
        .values_list("unit__code", "name", "path")
    )


def _row_from(row: ReportRow, sums: ReportSums) -> ReportRow:
    for name in REPORT_FIELDS:
        value = sums.fields[name]
        if name.startswith("kind_"):
            row.by_kind[name.removeprefix("kind_")] = value
        elif name.startswith("form_"):
            row.by_form[name.removeprefix("form_")] = value
        elif name != "warnings":
            setattr(row, name, value)
    row.branches = sums.branches
    row.warnings = sums.fields["warnings"]
    row.branches_with_warnings = sums.with_warnings
    return row


def precomputed_report(
    unit: Unit, start: dt.date, end: dt.date, *, on: dt.date, shown: int
) -> tuple[MeetingReport, list[dict[str, object]], int] | None:
    """The report of a unit above the branches for the default period (1 January to `on`),
    summed from coso.meetings.activity's rows; with the branches with the most warnings (up to
    `shown`) and how many have any. None when the rows do not hold it: then `meeting_report`.
    The warnings themselves are not listed (`warnings` is empty): above a branch the page shows
    the branches and their counts."""
    cached = cached_report(unit, start, end, on, shown)
    if cached is None:
        return None
    root = span_on(unit, on)
    rows = []
    for code, name, path in _children(unit, root, on):
        row = ReportRow(code, name)
        if path in cached.rows:
            _row_from(row, cached.rows[path])
        rows.append(row)
    total = _row_from(ReportRow(unit.code, root.name), cached.total)
    report = MeetingReport(unit.code, root.name, start, end, on, total, rows, [], [])
    return report, cached.warned, cached.warned_total


def meeting_report(
    unit: Unit, start: dt.date, end: dt.date, *, on: dt.date | None = None
) -> MeetingReport:
    """The report for `unit`'s subtree over [start, end), with a row per child (or the branch)."""
    judged = on or today()
    period = Period(start, end, judged)
    as_of = max(min(end - dt.timedelta(days=1), unit.valid_to - dt.timedelta(days=1)), start)
    root = span_on(unit, max(as_of, unit.valid_from))
    branches = branches_under(unit, start, end)
    children = _children(unit, root, as_of)
    rows = [ReportRow(code, name) for code, name, _ in children]
    total = ReportRow(unit.code, root.name)

    by_path = {path: row for (_code, _name, path), row in zip(children, rows, strict=True)}

    def row_of(branch: Branch) -> ReportRow | None:
        # A child's path is the root's plus its own id: one dict lookup instead of a scan of the
        # children for each of thousands of branches.
        if branch.path in by_path:
            return by_path[branch.path]
        if not branch.path.startswith(root.path):
            return None
        step = branch.path[len(root.path) :].split("/", 1)[0]
        return by_path.get(f"{root.path}{step}/")

    owner = {b.unit_id: row_of(b) for b in branches}
    months, quarters = months_in(period), quarters_in(period)
    month_slots, quarter_slots = owed_slots(branches, months), owed_slots(branches, quarters)
    figures = meeting_figures([b.unit_id for b in branches], start, end)
    for _mid, unit_id, kind, form, status, _day, expected, present in figures:
        if status not in RECORDED:
            continue
        for row in (total, owner.get(unit_id)):
            if row is None:
                continue
            row.by_kind[kind] += 1
            row.by_form[form] += 1
            row.expected += expected
            row.present += present
    regular_held = _held_in_slots(
        month_slots, slot_counts(days_from_figures(figures, MeetingKind.REGULAR), months)
    )
    thematic_held = _held_in_slots(
        quarter_slots, slot_counts(days_from_figures(figures, MeetingKind.THEMATIC), quarters)
    )
    regular_owed = Counter(b.unit_id for b, _i in month_slots)
    thematic_owed = Counter(b.unit_id for b, _i in quarter_slots)
    warnings = warnings_for(branches, period, figures)
    warned = Counter(w.unit_id for w in warnings)
    for branch in branches:
        uid = branch.unit_id
        for row in (total, owner.get(uid)):
            if row is None:
                continue
            row.branches += 1
            row.regular_required += regular_owed[uid]
            row.thematic_required += thematic_owed[uid]
            row.regular_held += regular_held[uid]
            row.thematic_held += thematic_held[uid]
            row.warnings += warned[uid]
            row.branches_with_warnings += int(warned[uid] > 0)
    return MeetingReport(
        unit.code, root.name, start, end, judged, total, rows, warnings, branches, figures
    )


def warned_branches(report: MeetingReport, shown: int) -> tuple[list[dict[str, object]], int]:
    """The branches with warnings in a live report, the most warned first (up to `shown`), as
    `cached_report` lists them from the rows; and how many have any."""
    names = {b.unit_id: b.name for b in report.branches}
    kinds: dict[int, Counter[str]] = {}
    codes: dict[int, str] = {}
    for w in report.warnings:
        kinds.setdefault(w.unit_id, Counter())[w.kind] += 1
        codes[w.unit_id] = w.unit_code
    ordered = sorted(kinds, key=lambda uid: (-sum(kinds[uid].values()), codes[uid]))
    rows: list[dict[str, object]] = [
        {
            "code": codes[uid],
            "name": names.get(uid, codes[uid]),
            "counts": [(WarningKind.LABELS[k], n) for k, n in sorted(kinds[uid].items())],
            "total": sum(kinds[uid].values()),
        }
        for uid in ordered[:shown]
    ]
    return rows, len(ordered)


@dataclass
class ActivityAnswer:
    """The report as the API and the xlsx give it, bounded whatever the subtree's size."""

    report: MeetingReport  # `warnings`: the first `listed` of them, in_branch_order
    warnings_total: int
    warned: list[dict[str, object]]  # the branches with the most warnings (up to `shown`)
    warned_total: int  # branches with any warning
    precomputed: bool


def activity_answer(
    unit: Unit, start: dt.date, end: dt.date, *, on: dt.date, listed: int, shown: int
) -> ActivityAnswer:
    """The one read of the activity report for pages of data (API, xlsx): summed from the
    precomputed rows when they hold the period (`precomputed_report`: the default period, a
    unit above the branches), else computed live (`meeting_report`); both answer the same.
    The warnings are listed branch by branch (`in_branch_order`), the first `listed` of them:
    the rest are pages of `SubtreeWarnings`."""
    precomputed = precomputed_report(unit, start, end, on=on, shown=shown)
    if precomputed is None:
        check_live_size(unit, start, end)
        report = meeting_report(unit, start, end, on=on)
        ordered = in_branch_order(report.branches, report.warnings)
        warned, warned_total = warned_branches(report, shown)
        report.warnings = ordered[:listed]
        return ActivityAnswer(report, len(ordered), warned, warned_total, False)
    report, warned, warned_total = precomputed
    pages = SubtreeWarnings(unit, start, end, on)
    report.warnings = pages[0:listed]
    return ActivityAnswer(report, len(pages), warned, warned_total, True)


_COLUMNS = [
    ("Mã đơn vị", "code"),
    ("Tên đơn vị", "name"),
    ("Số chi bộ", "branches"),
    ("Sinh hoạt thường kỳ: phải họp", "regular_required"),
    ("Sinh hoạt thường kỳ: đã họp", "regular_held"),
    ("Chuyên đề: phải họp", "thematic_required"),
    ("Chuyên đề: đã họp", "thematic_held"),
]


def _row_values(row: ReportRow) -> list[object]:
    values: list[object] = [getattr(row, attr) for _, attr in _COLUMNS]
    values += [row.by_kind[k] for k in MeetingKind.values]
    values += [row.by_form[f] for f in MeetingForm.values]
    rate = row.attendance_rate
    values += [row.expected, row.present, None if rate is None else round(rate, 4)]
    values += [row.branches_with_warnings, row.warnings]
    return values


def headers() -> list[str]:
    return (
        [label for label, _ in _COLUMNS]
        + [f"Loại: {label}" for label in MeetingKind.labels]
        + [f"Hình thức: {label}" for label in MeetingForm.labels]
        + ["Lượt phải dự", "Lượt có mặt", "Tỉ lệ dự họp", "Chi bộ có cảnh báo", "Số cảnh báo"]
    )


def export_report_xlsx(report: MeetingReport, answer: ActivityAnswer | None = None) -> bytes:
    """The rows and total, then the warnings; with `answer` (a report of any size) the branches
    with the most warnings and the first warnings, each with a line saying how many in all."""
    # Unit names and warning details are user text: SheetWriter keeps them from being formulas.
    workbook = SheetWriter("Tổng hợp")
    workbook.append(
        [
            f"Sinh hoạt đảng — {report.unit_name} ({report.unit_code}), "
            f"{fmt(report.start)} – {fmt(report.end - dt.timedelta(days=1))}"
        ]
    )
    workbook.append(headers())
    for row in report.rows:
        workbook.append(_row_values(row))
    workbook.append(_row_values(report.total))
    if answer is not None:
        workbook.add_sheet("Chi bộ có cảnh báo")
        workbook.append(["Mã chi bộ", "Tên chi bộ", "Số cảnh báo", "Theo loại"])
        for b in answer.warned:
            counts = "; ".join(f"{label}: {n}" for label, n in b["counts"])  # type: ignore[attr-defined]
            workbook.append([b["code"], b["name"], b["total"], counts])
        if answer.warned_total > len(answer.warned):
            workbook.append(
                [
                    f"Liệt kê {len(answer.warned)}/{answer.warned_total} chi bộ có nhiều cảnh "
                    "báo nhất; xem báo cáo của từng đơn vị cấp dưới."
                ]
            )
    workbook.add_sheet("Cảnh báo")
    workbook.append(["Mã chi bộ", "Cảnh báo", "Kỳ", "Số lý lịch", "Chi tiết"])
    for w in report.warnings:
        workbook.append([w.unit_code, w.label, w.period, w.member_id, w.detail])
    if answer is not None and answer.warnings_total > len(report.warnings):
        workbook.append(
            [
                f"Liệt kê {len(report.warnings)}/{answer.warnings_total} cảnh báo đầu tiên "
                "(theo chi bộ); xem báo cáo của từng đơn vị cấp dưới."
            ]
        )
    return workbook.bytes()
