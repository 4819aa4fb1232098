from __future__ import annotations

import datetime as dt

import pytest

from coso.core.spreadsheet import read_xlsx
from coso.meetings.models import AttendanceStatus, Meeting
from coso.meetings.operations import (
    adopt_resolution,
    close_meeting,
    plan_meeting,
    record_attendance,
)
from coso.meetings.reports import export_report_xlsx, headers, meeting_report
from coso.meetings.warnings import WarningKind, activity_warnings
from coso.units.models import Unit
from tests.meetings.conftest import Tree

P, U, E = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT_UNEXCUSED,
    AttendanceStatus.ABSENT_EXCUSED,
)
START, END, JUDGED = dt.date(2024, 1, 1), dt.date(2024, 7, 1), dt.date(2024, 7, 15)


def _held(unit: Unit, kind: str, on: dt.date, statuses: dict[str, str]) -> Meeting:
    meeting = plan_meeting(unit, kind=kind, on=on, place="Hội trường")
    record_attendance(meeting, statuses, reasons={k: "Ốm" for k, v in statuses.items() if v == E})
    return close_meeting(meeting)


@pytest.fixture
def history(tree: Tree) -> Tree:
    """B: no regular meeting in April, no thematic one in Q2, M5 absent without reason in
    January–March, M4 in January–February, low attendance in January and February, a June
    meeting never recorded. BP: every meeting, everyone present. B2: nothing at all."""
    everyone = {f"M{i}": P for i in range(1, 6)}
    for month, absent in [(1, ("M4", "M5")), (2, ("M4", "M5")), (3, ("M5",)), (5, ()), (6, ())]:
        _held(tree.B, "regular", dt.date(2024, month, 10), everyone | {m: U for m in absent})
    _held(tree.B, "thematic", dt.date(2024, 2, 20), everyone)
    plan_meeting(tree.B, kind="extraordinary", on=dt.date(2024, 6, 25), place="Hội trường")
    soldiers = {"BP1": P, "BP2": P, "BP3": P}
    for month in range(1, 7):
        _held(tree.BP, "regular", dt.date(2024, month, 5), soldiers)
    meeting = _held(tree.BP, "thematic", dt.date(2024, 3, 5), soldiers)
    _held(tree.BP, "thematic", dt.date(2024, 6, 6), soldiers)
    assert meeting.present_count == 3
    return tree


def _kinds(warnings: list, code: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((w.kind, w.period) for w in warnings if w.unit_code == code)


def test_each_warning(history: Tree) -> None:
    warnings = activity_warnings(history.P, START, END, on=JUDGED)
    assert _kinds(warnings, "B") == [
        (WarningKind.ABSENT_UNEXCUSED, "2024"),
        (WarningKind.LOW_ATTENDANCE, "10/01/2024"),
        (WarningKind.LOW_ATTENDANCE, "10/02/2024"),
        (WarningKind.NO_REGULAR, "04/2024"),
        (WarningKind.NO_THEMATIC, "Q2/2024"),
        (WarningKind.UNRECORDED, "25/06/2024"),
    ]
    absent = [w for w in warnings if w.kind == WarningKind.ABSENT_UNEXCUSED]
    assert [w.member_id for w in absent] == ["M5"]  # M4: two months only
    assert "tháng 01, 02, 03" in absent[0].detail
    assert _kinds(warnings, "BP") == []
    assert _kinds(warnings, "B2") == [
        (WarningKind.NO_REGULAR, f"{m:02d}/2024") for m in range(1, 7)
    ] + [
        (WarningKind.NO_THEMATIC, "Q1/2024"),
        (WarningKind.NO_THEMATIC, "Q2/2024"),
    ]


def test_months_not_over_yet_are_not_warned(history: Tree) -> None:
    warnings = activity_warnings(history.C2, START, END, on=dt.date(2024, 3, 20))
    assert _kinds(warnings, "B2") == [
        (WarningKind.NO_REGULAR, "01/2024"),
        (WarningKind.NO_REGULAR, "02/2024"),
    ]


def test_attendance_threshold_is_the_rule(history: Tree) -> None:
    from coso.core.models import RuleSet
    from coso.core.rules import clear_cache

    ruleset = RuleSet.objects.get(code="meetings")
    ruleset.values["attendance_warning_rate"] = 0.85
    ruleset.save()
    clear_cache()
    low = [
        w.period
        for w in activity_warnings(history.B, START, END, on=JUDGED)
        if w.kind == WarningKind.LOW_ATTENDANCE
    ]
    assert low == ["10/01/2024", "10/02/2024", "10/03/2024"]  # 4/5 = 80 % is now low too


def test_report_numbers_and_drill_down(history: Tree) -> None:
    report = meeting_report(history.P, START, END, on=JUDGED)
    rows = {r.code: r for r in report.rows}
    assert list(rows) == ["C", "C2"]
    c, c2, total = rows["C"], rows["C2"], report.total
    assert (c.branches, c.regular_required, c.regular_held) == (2, 12, 11)
    assert (c.thematic_required, c.thematic_held) == (4, 3)
    assert dict(c.by_kind) == {"regular": 11, "thematic": 3}
    assert dict(c.by_form) == {"in_person": 14}
    assert (c.expected, c.present) == (54, 49)
    assert (c.branches_with_warnings, c.warnings) == (1, 6)
    assert (c2.branches, c2.regular_required, c2.regular_held, c2.warnings) == (1, 6, 0, 8)
    assert (total.branches, total.regular_required, total.regular_held) == (3, 18, 11)
    assert (total.branches_with_warnings, total.warnings) == (2, 14)
    assert total.attendance_rate == pytest.approx(49 / 54)
    # One level down: the commune's rows are its branches.
    down = meeting_report(history.C, START, END, on=JUDGED)
    assert [(r.code, r.regular_held, r.present) for r in down.rows] == [
        ("B", 5, 25),
        ("BP", 6, 24),
    ]
    # A branch's own report is one row.
    own = meeting_report(history.B, START, END, on=JUDGED)
    assert [r.code for r in own.rows] == ["B"] and own.total.warnings == 6


def test_xlsx_export_reads_back(history: Tree) -> None:
    adopt = plan_meeting(history.B2, kind="regular", on=dt.date(2024, 6, 28), place="x")
    record_attendance(adopt, {"Q1": P})
    adopt_resolution(adopt, title="NQ tháng 6", votes_for=1)
    report = meeting_report(history.P, START, END, on=JUDGED)
    sheets = read_xlsx(export_report_xlsx(report))
    summary = sheets["Tổng hợp"]
    assert "Sinh hoạt đảng" in str(summary[0][0]) and "01/01/2024 – 30/06/2024" in str(
        summary[0][0]
    )
    assert summary[1] == headers()
    by_code = {row[0]: dict(zip(headers(), row, strict=True)) for row in summary[2:]}
    assert set(by_code) == {"C", "C2", "P"}
    assert by_code["C"]["Sinh hoạt thường kỳ: đã họp"] == 11
    assert by_code["C2"]["Sinh hoạt thường kỳ: đã họp"] == 1  # the June meeting, still open
    assert by_code["P"]["Tỉ lệ dự họp"] == pytest.approx(round(50 / 55, 4))
    assert by_code["C"]["Hình thức: Trực tiếp"] == 14
    warnings = sheets["Cảnh báo"]
    assert warnings[0] == ["Mã chi bộ", "Cảnh báo", "Kỳ", "Số lý lịch", "Chi tiết"]
    assert ["B", WarningKind.LABELS["absent_unexcused"], "2024", "M5"] in [r[:4] for r in warnings]
    assert len(warnings) - 1 == len(report.warnings) == 13
