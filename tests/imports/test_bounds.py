"""Bounded input: a file over a cap is refused before the work it would cost, writes nothing,
and leaves no huge error list behind (issue 9, "Bounded input everywhere")."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from coso.core.errors import RowErrors
from coso.core.tabular import Limits, TooLarge, read_table
from coso.web import imports
from coso.web.models import ImportJob, ImportStatus
from tests.cast import Cast

MEMBER_COLUMNS = "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><sheetData>'
)


def _row(cells: list[str]) -> str:
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells) + "</row>"


def write_xlsx(path: Path, rows_xml: str | None = None, *, repeat: int = 0) -> Path:
    """A minimal xlsx written part by part: the header, then `rows_xml` (`repeat` times)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write((SHEET_START + _row(MEMBER_COLUMNS.split(","))).encode())
            block = (rows_xml or "").encode()
            for _ in range(repeat):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: Any) -> Path:
    """The issue's file: ~1.6 MB that unpacks to ~360 MB, a million identical member rows."""
    row = _row(["X", "", "Nguyễn Văn An", "male", "12/04/1990", "B", "03/02/2015", "03/02/2016"])
    path = tmp_path_factory.mktemp("bomb") / "dang-vien.xlsx"
    write_xlsx(path, row * 1000, repeat=1000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 300 * 1024 * 1024
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


def _row_counts() -> dict[str, int]:
    """Rows of every table: "the database unchanged" (the test database lives in memory)."""
    return {model._meta.db_table: model._default_manager.count() for model in apps.get_models()}


def _bomb_message(text: str) -> None:
    assert "dang-vien.xlsx" in text and "tối đa 100 lần" in text and "bom nén" in text


def test_the_bomb_is_refused_from_the_zip_directory_before_any_parsing(bomb: Path) -> None:
    started = time.monotonic()
    with pytest.raises(TooLarge) as refusal:
        read_table(bomb)
    assert time.monotonic() - started < 1
    _bomb_message(refusal.value.message)
    assert len(refusal.value.errors) == 1 and refusal.value.errors[0].row == 0


def test_the_bomb_through_the_page_is_a_refused_job_that_writes_nothing(
    cast: Cast, bomb: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = cast.client("secretary")  # signed in first: the session is written then
    client.get(reverse("web:imports"))
    before = _row_counts()
    upload = SimpleUploadedFile(bomb.name, bomb.read_bytes())
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:imports"), {"kind": "members", "file": upload})
    page = client.get(response["Location"]).content.decode()
    elapsed = time.monotonic() - started
    print(f"\nbomb through the page: refused in {elapsed:.3f} s")
    assert elapsed < 10  # generous; measured well under 2 s
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED and job.finished_at is not None
    _bomb_message(job.summary)
    _bomb_message(page)
    # Refused before the worker is asked: no task queued, the upload gone, nothing written
    # but the job's own row with one short error.
    assert not DBTaskResult.objects.exists()
    assert not Path(job.path).exists()
    assert job.error_count == 1 and len(json.dumps(job.errors)) < 1000
    after = _row_counts()
    assert after.pop("web_importjob") == before.pop("web_importjob") + 1
    assert after == before


def test_the_bomb_through_the_api_is_a_413_that_writes_nothing(cast: Cast, bomb: Path) -> None:
    headers = {"Authorization": f"Bearer {cast.token('secretary')}"}  # the token is a row
    before = _row_counts()
    upload = SimpleUploadedFile(bomb.name, bomb.read_bytes())
    started = time.monotonic()
    response = Client().post("/api/v1/imports/members", {"file": upload}, headers=headers)
    elapsed = time.monotonic() - started
    print(f"\nbomb through the API: refused in {elapsed:.3f} s")
    assert elapsed < 10  # generous; measured well under 2 s
    assert response.status_code == 413, response.content
    body = response.json()
    assert body["code"] == "too_large"
    _bomb_message(body["message"])
    assert _row_counts() == before


def test_a_bomb_that_slips_past_the_precheck_is_refused_by_the_worker_while_streaming(
    cast: Cast, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # Within every zip cap, but over the row cap: only counting rows while reading finds it.
    settings.COSO_MAX_ROWS = 50
    row = _row(["IMP-1", "", "Lê Văn Ba", "male", "12/04/1990", "B", "03/02/2015", ""])
    path = write_xlsx(tmp_path / "nhieu-dong.xlsx", row, repeat=51)
    client = cast.client("secretary")
    client.get(reverse("web:imports"))
    before = _row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("web:imports"),
            {"kind": "members", "file": SimpleUploadedFile(path.name, path.read_bytes())},
        )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PENDING  # the cheap checks passed: queued
    imports.run_import_job.call(str(job.token))
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert "nhieu-dong.xlsx" in job.summary and "có hơn 50 dòng dữ liệu, tối đa 50" in job.summary
    after = _row_counts()
    for table in ("web_importjob", "django_tasks_database_dbtaskresult"):
        after.pop(table, None)
        before.pop(table, None)
    assert after == before


# --- each cap, on the reader ---------------------------------------------------------------


def _limits(**caps: int) -> Limits:
    base = {
        "upload_bytes": 10_000_000,
        "unpacked_bytes": 100_000_000,
        "rows": 1000,
        "cells_per_row": 20,
        "compression_ratio": 100,
        "zip_members": 20,
    }
    return Limits(**(base | caps))


def _refusal(path: Path, limits: Limits) -> str:
    with pytest.raises(TooLarge) as refusal:
        read_table(path, limits)
    return refusal.value.message


def test_csv_rows_and_cells_are_counted_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "dv.csv"
    path.write_text(MEMBER_COLUMNS + "\n" + "a,b\n" * 11)
    assert "có hơn 10 dòng dữ liệu, tối đa 10" in _refusal(path, _limits(rows=10))
    assert len(read_table(path, _limits(rows=11)).rows) == 11
    path.write_text(MEMBER_COLUMNS + "\n" + "a," * 30 + "\n")
    assert "dòng 2 có 31 ô, tối đa 20 ô mỗi dòng" in _refusal(path, _limits())
    assert "tệp nặng" in _refusal(path, _limits(upload_bytes=100))


def test_xlsx_unpacked_size_and_members_are_judged_from_the_directory(tmp_path: Path) -> None:
    row = _row(["IMP-1", "", "Lê Văn Ba", "male", "12/04/1990", "B", "03/02/2015", ""])
    path = write_xlsx(tmp_path / "dv.xlsx", row, repeat=200)
    assert len(read_table(path, _limits()).rows) == 200
    assert "giải nén ra" in _refusal(path, _limits(unpacked_bytes=10_000))
    assert "có 5 phần, tối đa 4 phần" in _refusal(path, _limits(zip_members=4))


def test_a_sheet_declaring_a_huge_size_or_far_cells_is_refused_at_the_cap(tmp_path: Path) -> None:
    # A far row number makes openpyxl yield every empty row before it; a far column pads the
    # row to that width. Both cost nothing to write; both stop at the cap.
    far_row = '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    path = write_xlsx(tmp_path / "xa.xlsx", far_row, repeat=1)
    started = time.monotonic()
    assert "có hơn 1.000 dòng dữ liệu" in _refusal(path, _limits()).replace(",", ".")
    far_cell = '<row><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    path = write_xlsx(tmp_path / "rong.xlsx", far_cell, repeat=1)
    assert "dòng 2 có 16,384 ô, tối đa 20 ô mỗi dòng" in _refusal(path, _limits())
    assert time.monotonic() - started < 5


def test_a_part_lying_about_its_size_reads_as_damaged(tmp_path: Path) -> None:
    row = _row(["IMP-1", "", "Lê Văn Ba", "male", "12/04/1990", "B", "03/02/2015", ""])
    path = write_xlsx(tmp_path / "gia.xlsx", row, repeat=20_000)
    data = bytearray(path.read_bytes())
    # Declare the sheet 1 kB in the central directory: the ratio check then sees nothing odd.
    name = b"xl/worksheets/sheet1.xml"
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    struct.pack_into("<I", data, entry + 24, 1000)
    path.write_bytes(bytes(data))
    with pytest.raises(RowErrors) as refusal:
        read_table(path, _limits(rows=100_000))
    assert not isinstance(refusal.value, TooLarge)
    assert "tệp xlsx bị hỏng" in refusal.value.errors[0].reason


# --- bounded error lists -------------------------------------------------------------------


def test_a_job_keeps_the_first_errors_and_says_how_many_there_were(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.COSO_MAX_ERRORS_KEPT = 5
    bad = "".join(f"IMP-{n},,Lê Văn Ba,nam,31/02/1990,B,2015-05-19,\n" for n in range(12))
    client = cast.client("secretary")
    upload = SimpleUploadedFile("loi.csv", f"{MEMBER_COLUMNS}\n{bad}".encode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:imports"), {"kind": "members", "file": upload})
    job = ImportJob.objects.get()
    imports.run_import_job.call(str(job.token))
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert len(job.errors) == 5 and job.error_count == 12
    assert [e[1] for e in job.errors] == [2, 3, 4, 5, 6]  # the first ones, in file order
    assert job.summary == "12 lỗi (chỉ giữ 5 lỗi đầu), không có thay đổi nào được ghi."
    page = client.get(reverse("web:import_job", args=[job.token])).content.decode()
    assert "Chỉ giữ 5 lỗi đầu trong tổng số 12 lỗi." in page
    assert "12 lỗi; không có thay đổi nào được ghi." in page
    response = client.get(reverse("web:import_errors", args=[job.token]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][3] == "Chỉ có 5 lỗi đầu trong tổng số 12 lỗi."
    assert len(rows) == 1 + 1 + 5


def test_the_api_answers_the_first_errors_and_the_count(cast: Cast, settings: Any) -> None:
    settings.COSO_MAX_ERRORS_KEPT = 5
    bad = "".join(f"IMP-{n},,Lê Văn Ba,nam,31/02/1990,B,2015-05-19,\n" for n in range(12))
    response = Client().post(
        "/api/v1/imports/members",
        {"file": SimpleUploadedFile("loi.csv", f"{MEMBER_COLUMNS}\n{bad}".encode())},
        headers={"Authorization": f"Bearer {cast.token('secretary')}"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "row_errors" and len(body["details"]) == 5
    assert body["message"].startswith("12 lỗi trong tệp (đây là 5 lỗi đầu)")
