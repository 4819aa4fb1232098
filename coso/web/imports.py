"""Imports from the browser, run by the background worker (django-tasks, database backend).

The upload is kept under VAR_DIR/imports/<job>/; the task checks the user's scope on the file,
then calls the foundation import (all or nothing), reporting progress to a small JSON file
beside the upload: the import runs in one transaction, so progress written to the database
would stay invisible (PostgreSQL) or wait for the lock (SQLite) until the very end.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from coso.audit.log import Actor, Channel
from coso.authority.scope import Action, FileKind, file_scope_errors, scope_of
from coso.core.errors import CosoError, RowError, RowErrors
from coso.core.tabular import read_table, summary
from coso.members.imports import import_members
from coso.units.imports import import_units
from coso.web.models import ImportJob, ImportKind, ImportStatus

# Header row and one example row of each downloadable template (the foundation formats).
TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    ImportKind.UNITS: (
        ["code", "name", "kind", "parent", "valid_from", "category"],
        ["4401", "Chi bộ thôn Đông", "branch", "44", "06/01/2020", "village"],
    ),
    ImportKind.MEMBERS: (
        [
            "member_id",
            "card_no",
            "full_name",
            "gender",
            "birth_date",
            "branch",
            "admitted_on",
            "official_on",
            "national_id",
            "ethnicity",
            "religion",
            "hometown",
            "residence",
            "education",
            "occupation",
            "group",
            "status",
            "joined_on",
        ],
        [
            "DV000001",
            "44012345",
            "Phạm Đình Dũng",
            "male",
            "12/04/1990",
            "4401",
            "03/02/2015",
            "03/02/2016",
            "044090000001",
            "Kinh",
            "Không",
            "Hoàn Lão, Bố Trạch, Quảng Bình",
            "Hoàn Lão, Quảng Bình",
            "Đại học",
            "Giáo viên",
            "",
            "official",
            "03/02/2015",
        ],
    ),
}

# The action the user needs on the units a file names.
ACTIONS = {ImportKind.UNITS: Action.MANAGE_UNITS, ImportKind.MEMBERS: Action.MANAGE_MEMBERS}
PROGRESS_EVERY = 0.5  # seconds between progress-file writes


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def workbook_bytes(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for index, column in enumerate(sheet.columns, start=1):
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_xlsx(kind: str) -> bytes:
    header, example = TEMPLATES[kind]
    return workbook_bytes(header, [example], "mau")


def errors_xlsx(job: ImportJob) -> bytes:
    rows = [[e["file"], e["row"], e["column"], e["reason"]] for e in job.error_rows()]
    return workbook_bytes(["tệp", "dòng", "cột", "lý do"], rows, "loi")


# --------------------------------------------------------------------------------------------
# Starting a job


def start_import(user: Any, kind: str, upload: UploadedFile) -> ImportJob:
    """Keep the upload, create the job and enqueue its task (after the commit, for the worker)."""
    token = uuid.uuid4()
    folder = imports_dir() / str(token)
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(upload.name or "tep.csv").name
    path = folder / name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(
        token=token, kind=kind, user=user, file_name=name, path=str(path)
    )
    transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: ImportJob) -> None:
    result = run_import_job.enqueue(str(job.token))
    ImportJob.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])


# --------------------------------------------------------------------------------------------
# Progress


def write_progress(job: ImportJob, done: int, total: int) -> None:
    target = job.progress_file
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"done": done, "total": total}))
    os.replace(temporary, target)  # readers never see half a file


def _live_progress(job: ImportJob) -> tuple[int, int] | None:
    try:
        data = json.loads(job.progress_file.read_text())
        return int(data["done"]), int(data["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total): live from the progress file while running, else the job's own numbers."""
    live = None if job.finished else _live_progress(job)
    return live if live is not None else (job.done, job.total)


def _reporter(job: ImportJob) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            write_progress(job, done, total)

    return report


# --------------------------------------------------------------------------------------------
# Scope of a file


def _scope_errors(job: ImportJob) -> list[RowError]:
    """Rows naming units outside the user's scope (the import itself checks everything else)."""
    kind = FileKind.MEMBERS if job.kind == ImportKind.MEMBERS else FileKind.UNITS
    return file_scope_errors(job.user, read_table(job.path), kind)


# --------------------------------------------------------------------------------------------
# The task


def _remove_upload(job: ImportJob) -> None:
    """The file holds personal data (national IDs...); once imported or refused it goes."""
    folder = Path(job.path).parent
    if folder.parent == imports_dir():
        shutil.rmtree(folder, ignore_errors=True)


def run_job(job: ImportJob) -> ImportJob:
    """Check scope, import (all or nothing), record the outcome on the job."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    job.status = ImportStatus.RUNNING
    report = _reporter(job)
    try:
        scope_errors = _scope_errors(job)
        importer = import_units if job.kind == ImportKind.UNITS else import_members
        # The job runs apart from its request: the page's user, filed under their unit.
        actor = Actor(job.user, Channel.WEB, unit=scope_of(job.user).home_unit())
        try:
            # Rows out of the user's scope refuse the file as a whole, before any write.
            result = importer(
                job.path, progress=False, on_progress=report, actor=actor, refuse=scope_errors
            )
        except RowErrors as exc:
            # One report with the file's own errors and the rows out of the user's scope.
            found = sorted(set(exc.errors) | set(scope_errors), key=lambda e: (e.row, e.column))
            raise RowErrors(found) from None
    except RowErrors as exc:
        job.status = ImportStatus.REFUSED
        job.errors = [[e.file, e.row, e.column, e.reason] for e in exc.errors]
        job.summary = f"{len(exc.errors)} lỗi, không có thay đổi nào được ghi."
    except CosoError as exc:
        job.status = ImportStatus.REFUSED
        job.errors = [[job.file_name, 0, "", str(exc)]]
        job.summary = str(exc)
    except Exception as exc:  # the job must end in a state the page can show
        job.status = ImportStatus.FAILED
        job.errors = [[job.file_name, 0, "", f"lỗi hệ thống: {type(exc).__name__}"]]
        job.summary = "Lỗi hệ thống, không có thay đổi nào được ghi."
        job.finished_at = timezone.now()
        job.save()
        _remove_upload(job)
        raise
    else:
        job.status = ImportStatus.DONE
        job.summary = summary(result)
        job.done = job.total = 2 * result.rows
    job.finished_at = timezone.now()
    if job.status != ImportStatus.DONE:
        job.done, job.total = _live_progress(job) or (0, 0)
    job.save()
    _remove_upload(job)
    return job


@task()
def run_import_job(token: str) -> str:
    job = ImportJob.objects.select_related("user").get(token=token)
    return str(run_job(job).status)


__all__ = [
    "errors_xlsx",
    "read_progress",
    "run_import_job",
    "run_job",
    "start_import",
    "template_xlsx",
]
