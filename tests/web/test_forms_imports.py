"""Imports from the browser (background task, progress, error report) and reorganization plans."""

from __future__ import annotations

import io
import signal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook, load_workbook

from coso.audit.models import AuditEntry
from coso.members.imports import import_members
from coso.members.models import Member
from coso.units.models import Unit
from coso.web import imports
from coso.web.models import ImportJob, ImportStatus

MEMBER_HEADER = "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on"
GOOD_MEMBERS = (
    f"{MEMBER_HEADER}\n"
    "IMP-1,,Đặng Văn Tùng,nam,12/04/1985,B,03/02/2010,03/02/2011\n"
    "IMP-2,,Lê Thị Mai,nữ,1990-06-01,B2,2015-05-19,\n"
)


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _start(cast: Any, who: str, kind: str, upload: SimpleUploadedFile, capture: Any) -> ImportJob:
    with capture(execute=True):  # the task is enqueued once the upload is committed
        response = cast.client(who).post(reverse("web:imports"), {"kind": kind, "file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("web:import_job", args=[job.token])
    return job


def test_member_import_runs_in_the_worker_and_shows_its_progress(
    cast: Any, var_dir: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    job = _start(
        cast,
        "officer",
        "members",
        _upload("dang-vien.csv", GOOD_MEMBERS),
        django_capture_on_commit_callbacks,
    )
    # Queued for the worker, nothing imported yet; the page polls the progress by htmx.
    assert DBTaskResult.objects.count() == 1 and job.status == ImportStatus.PENDING
    assert not Member.objects.filter(member_id__startswith="IMP-").exists()
    client = cast.client("officer")
    page = client.get(reverse("web:import_job", args=[job.token])).content.decode()
    assert f'hx-get="{reverse("web:import_progress", args=[job.token])}"' in page
    assert '<progress id="import-bar"' in page

    # The worker `coso serve` starts, run here in batch mode; it must keep the test's
    # connection (and its transaction) open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    # db_worker installs its own SIGINT/SIGTERM/SIGQUIT handlers and leaves them: put this
    # process's back, or a later test that forks (the generator's pool) inherits them.
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", verbosity=0)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert Member.objects.get(member_id="IMP-1").home_unit == cast.B
    assert Member.objects.get(member_id="IMP-2").home_unit == cast.B2
    assert (job.done, job.total) == (4, 4)
    partial = client.get(reverse("web:import_progress", args=[job.token])).content.decode()
    assert "hx-get" not in partial  # finished: polling stops
    assert 'value="100"' in partial and "Đã nhập tệp dang-vien.csv: 2 dòng" in partial
    entry = AuditEntry.objects.get(action="import_members")
    assert (entry.username, entry.channel, entry.target_id) == (
        "cast.officer",
        "web",
        "dang-vien.csv",
    )
    assert entry.unit == cast.P and entry.after["rows"] == 2  # filed under the officer's unit


def test_refused_import_writes_nothing_and_reports_every_row_as_xlsx(
    cast: Any, var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    text = (
        f"{MEMBER_HEADER}\n"
        "IMP-1,,Đặng Văn Tùng,nam,12/04/1985,B,03/02/2010,03/02/2011\n"
        "IMP-2,,Lê Thị Mai,nữ,1990-06-01,QB,2015-05-19,\n"  # the outsider's province
        "IMP-3,,Hồ Văn Nam,nam,31/02/1990,B,2015-05-19,\n"
    )
    job = _start(
        cast, "secretary", "members", _upload("loi.csv", text), django_capture_on_commit_callbacks
    )
    imports.run_import_job.call(str(job.token))  # what the worker runs, synchronously
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert not Member.objects.filter(member_id__startswith="IMP-").exists()
    # The secretary manages branch B only: QB is out of scope; the file's own errors come too.
    assert [e[1:3] for e in job.errors] == [[3, "branch"], [4, "birth_date"]]
    assert job.errors[0][3] == "không có đơn vị mã «QB» trong phạm vi được giao"
    client = cast.client("secretary")
    page = client.get(reverse("web:import_job", args=[job.token])).content.decode()
    assert 'id="row-errors"' in page and "không có đơn vị mã «QB»" in page
    assert "2 lỗi; không có thay đổi nào được ghi." in page
    assert not Path(job.path).exists()  # the upload (personal data) is not kept

    response = client.get(reverse("web:import_errors", args=[job.token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[:2] == [
        ("tệp", "dòng", "cột", "lý do"),
        ("loi.csv", 3, "branch", "không có đơn vị mã «QB» trong phạm vi được giao"),
    ]
    assert rows[2][:3] == ("loi.csv", 4, "birth_date") and len(rows) == 3
    # Another user cannot see the job, even an officer above the secretary.
    assert (
        cast.client("officer").get(reverse("web:import_errors", args=[job.token])).status_code
        == 404
    )


def test_import_errors_of_the_file_itself_are_listed_row_by_row(cast: Any, var_dir: Path) -> None:
    text = (
        f"{MEMBER_HEADER}\n"
        "IMP-1,,Đặng Văn Tùng,nam,12/04/1985,B,03/02/2010,03/02/2011\n"
        "IMP-3,,Hồ Văn Nam,nam,31/02/1990,B,2015-05-19,\n"
    )
    path = var_dir / "x" / "loi.csv"
    path.parent.mkdir()
    path.write_text(text)
    job = ImportJob.objects.create(
        kind="members", user=cast.officer, file_name="loi.csv", path=str(path)
    )
    imports.run_job(job)
    assert job.status == ImportStatus.REFUSED
    assert [(e[1], e[2]) for e in job.errors] == [(3, "birth_date")]
    assert not Member.objects.filter(member_id="IMP-1").exists()


def test_unit_import_needs_parents_in_scope(
    cast: Any, var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    text = (
        "code,name,kind,parent,valid_from,category\n"
        "N1,Chi bộ thôn Mới,branch,C,01/01/2024,village\n"
        "N2,Tổ đảng 1,group,N1,01/01/2024,\n"
    )
    job = _start(
        cast, "officer", "units", _upload("don-vi.csv", text), django_capture_on_commit_callbacks
    )
    imports.run_import_job.call(str(job.token))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert set(Unit.objects.filter(code__startswith="N").values_list("code", flat=True)) == {
        "N1",
        "N2",
    }

    ImportJob.objects.all().delete()
    text = "code,name,kind,parent,valid_from,category\nN3,Chi bộ,branch,QC,01/01/2024,\nN4,Tỉnh,province,,01/01/2024,\n"
    job = _start(
        cast, "officer", "units", _upload("ngoai.csv", text), django_capture_on_commit_callbacks
    )
    imports.run_import_job.call(str(job.token))
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert [(e[1], e[2]) for e in job.errors] == [(2, "parent"), (3, "parent")]
    assert not Unit.objects.filter(code__in=["N3", "N4"]).exists()
    # The secretary may not import units at all.
    upload = _upload("x.csv", text)
    response = cast.client("secretary").post(
        reverse("web:imports"), {"kind": "units", "file": upload}
    )
    assert response.status_code == 422


def test_templates_are_real_xlsx_with_header_and_example(cast: Any) -> None:
    client = cast.client("officer")
    for kind, first in (("units", "Mã đơn vị"), ("members", "Số lý lịch")):
        response = client.get(reverse("web:import_template", args=[kind]))
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 2 and rows[0][0] == first and rows[1][0]
    assert (
        cast.client("secretary").get(reverse("web:import_template", args=["units"])).status_code
        == 404
    )


def test_progress_callback_and_live_progress_file(cast: Any, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(GOOD_MEMBERS)
    calls: list[tuple[int, int]] = []
    import_members(path, progress=False, on_progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (1, 4) and calls[-1] == (4, 4)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)

    job = ImportJob.objects.create(
        kind="members",
        user=cast.officer,
        file_name="m.csv",
        path=str(tmp_path / "m.csv"),
        status=ImportStatus.RUNNING,
    )
    imports.write_progress(job, 30, 120)
    assert imports.read_progress(job) == (30, 120)
    partial = cast.client("officer").get(reverse("web:import_progress", args=[job.token]))
    assert 'value="25"' in partial.content.decode() and "hx-get" in partial.content.decode()


def _plan_xlsx(rows: list[list[str]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("phuong-an.xlsx", out.getvalue())


def test_plan_upload_previews_then_applies(cast: Any, var_dir: Path) -> None:
    client = cast.client("officer")
    url = reverse("web:reorg_plan")
    plan = _plan_xlsx(
        [
            ["op", "unit", "into", "name"],
            ["merge", "B", "B2", ""],
            ["rename", "B2", "", "Chi bộ hợp nhất"],
        ]
    )
    response = client.post(url, {"file": plan, "on": "01/07/2025", "decision_number": "99-QĐ/TU"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="plan-preview"' in body and "sáp nhập B «Đơn vị B» vào B2" in body
    assert Unit.objects.get(code="B").valid_to.year == 9999  # nothing written yet
    token = response.context["confirm"].initial["token"]

    response = client.post(
        url,
        {"token": token, "on": "01/07/2025", "decision_number": "99-QĐ/TU", "decision_date": ""},
    )
    assert response.status_code == 302
    assert str(Unit.objects.get(code="B").valid_to) == "2025-07-01"
    assert Member.objects.get(member_id="CAST-B1").home_unit == cast.B2
    entry = AuditEntry.objects.get(action="reorg_plan")
    assert entry.after["decision"].startswith("99-QĐ/TU") and len(entry.after["lines"]) == 2
    # The same token cannot apply twice.
    again = client.post(url, {"token": token, "on": "01/07/2025", "decision_number": "99-QĐ/TU"})
    assert again.status_code == 302 and AuditEntry.objects.filter(action="reorg_plan").count() == 1


def test_plan_outside_scope_is_refused_row_by_row(cast: Any, var_dir: Path) -> None:
    plan = _plan_xlsx([["op", "unit", "into"], ["merge", "QB", "B"], ["dissolve", "QC", ""]])
    response = cast.client("officer").post(
        reverse("web:reorg_plan"), {"file": plan, "on": "01/07/2025", "decision_number": "1"}
    )
    assert response.status_code == 422
    errors = response.context["row_errors"]
    assert [(e.row, e.column) for e in errors] == [(2, "unit"), (3, "unit")]
    assert Unit.objects.get(code="QB").valid_to.year == 9999
