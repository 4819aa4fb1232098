"""Imports from the browser, run by the background worker (django-tasks, database backend).

The upload is kept under VAR_DIR/imports/<job>/; the task checks the user's scope on the file,
then calls the foundation import (all or nothing), reporting progress to a small JSON file
beside the upload: the import runs in one transaction, so progress written to the database
would stay invisible (PostgreSQL) or wait for the lock (SQLite) until the very end.

A file over a cap (settings COSO_MAX_*: size, unpacked size, rows, cells per row) is refused
by the tabular reader; the cheap checks (size, the zip's directory) run before the job is even
queued. A job keeps its first COSO_MAX_ERRORS_KEPT errors and their count;
`prune_import_jobs` (`coso prune-imports`, daily) removes old jobs and what is left of their files.
"""

from __future__ import annotations

import datetime as dt
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
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django_tasks import task

from coso.audit.log import Actor, Channel
from coso.authority.scope import Action, FileKind, file_scope_errors, scope_of
from coso.core.errors import CosoError, RowError, RowErrors
from coso.core.spreadsheet import xlsx_bytes
from coso.core.tabular import ImportReport, TooLarge, check_file, read_table, with_refusals
from coso.members.imports import HEADERS as MEMBER_HEADERS
from coso.members.imports import import_members
from coso.units.imports import HEADERS as UNIT_HEADERS
from coso.units.imports import import_units
from coso.web.models import ImportJob, ImportKind, ImportStatus

# One example row of each downloadable template, by column, valid in the demo (units that
# exist there today, codes and ids that do not, dates in the past); the header row is the
# importers' Vietnamese headers (the codes are accepted too).
EXAMPLES: dict[str, dict[str, str]] = {
    ImportKind.UNITS: {
        "code": "19111-CB90",
        "name": "Chi bộ thôn Tân Mỹ",
        "kind": "Chi bộ trực thuộc",
        "parent": "19111",
        "valid_from": "15/09/2025",
        "category": "village",
    },
    ImportKind.MEMBERS: {
        "member_id": "44.900001",
        "card_no": "41900001",
        "full_name": "Phạm Đình Dũng",
        "gender": "Nam",
        "birth_date": "12/04/1990",
        "branch": "19111-CB01",
        "admitted_on": "03/02/2015",
        "official_on": "03/02/2016",
        "national_id": "044090012345",
        "ethnicity": "Kinh",
        "religion": "Không",
        "hometown": "Hoàn Lão, Bố Trạch, Quảng Bình",
        "residence": "Hoàn Lão, Quảng Trị",
        "education": "Đại học",
        "occupation": "Giáo viên",
        "group": "",
        "status": "Chính thức",
        "joined_on": "",
    },
}
HEADERS: dict[str, dict[str, str]] = {
    ImportKind.UNITS: UNIT_HEADERS,
    ImportKind.MEMBERS: MEMBER_HEADERS,
}

# The action the user needs on the units a file names.
ACTIONS = {ImportKind.UNITS: Action.MANAGE_UNITS, ImportKind.MEMBERS: Action.MANAGE_MEMBERS}
PROGRESS_EVERY = 0.5  # seconds between progress-file writes


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def workbook_bytes(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    # The file name and reasons quote what was uploaded: xlsx_bytes keeps them from being formulas.
    return xlsx_bytes(header, rows, title)


def template_xlsx(kind: str) -> bytes:
    """The template: Vietnamese headers and one example row (the first sheet, the one read)."""
    headers = HEADERS[kind]
    example = EXAMPLES[kind]
    return workbook_bytes(list(headers.values()), [[example[c] for c in headers]], "mau")


def errors_xlsx(job: ImportJob) -> bytes:
    rows: list[list[Any]] = [
        [e["file"], e["row"], e["column"], e["reason"]] for e in job.error_rows()
    ]
    if job.errors_cut:
        rows.insert(0, ["", "", "", _cut_note(job)])
    return workbook_bytes([_("tệp"), _("dòng"), _("cột"), _("lý do")], rows, "loi")


def _cut_note(job: ImportJob) -> str:
    return _("Chỉ có %(kept)s lỗi đầu trong tổng số %(n)s lỗi.") % {
        "kept": len(job.errors),
        "n": job.errors_total,
    }


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
    job = ImportJob(
        token=token,
        kind=kind,
        user=user,
        file_name=name,
        path=str(path),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    try:
        check_file(path)  # size and the zip's directory: no parsing, so before queueing
    except RowErrors as exc:
        _refuse(job, exc)
        job.finished_at = timezone.now()
        job.save()
        _remove_upload(job)
        return job
    job.save()
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


# What an import creates, by the Vietnamese label of ImportReport.created.
CREATED = {
    "đơn vị": pgettext_lazy("đã tạo", "đơn vị"),
    "đảng viên": pgettext_lazy("đã tạo", "đảng viên"),
    "giai đoạn sinh hoạt": pgettext_lazy("đã tạo", "giai đoạn sinh hoạt"),
}


def _summary(report: ImportReport) -> str:
    """The import's one-line summary (coso.core.tabular.summary) in the job's language."""
    made = ", ".join(
        f"{number_format(n, force_grouping=True)} {CREATED.get(label, label)}"
        for label, n in report.created.items()
    )
    return _("Đã nhập tệp %(file)s: %(rows)s dòng, tạo %(made)s, trong %(seconds)s giây.") % {
        "file": report.file,
        "rows": number_format(report.rows, force_grouping=True),
        "made": made or _("không có gì"),
        "seconds": number_format(report.seconds, 1),
    }


def _remove_upload(job: ImportJob) -> None:
    """The file holds personal data (national IDs...); once imported or refused it goes."""
    folder = Path(job.path).parent
    if folder.parent == imports_dir():
        shutil.rmtree(folder, ignore_errors=True)


def _refuse(job: ImportJob, exc: RowErrors) -> None:
    """Record a refusal: the first errors, their count, and a summary that says both."""
    kept = settings.COSO_MAX_ERRORS_KEPT
    job.status = ImportStatus.REFUSED
    job.errors = [[e.file, e.row, e.column, e.reason] for e in exc.errors[:kept]]
    job.error_count = len(exc.errors)
    if isinstance(exc, TooLarge):
        job.summary = _("%(reason)s Không có thay đổi nào được ghi.") % {"reason": exc.message}
    elif job.errors_cut:
        job.summary = ngettext(
            "%(n)s lỗi (chỉ giữ %(kept)s lỗi đầu), không có thay đổi nào được ghi.",
            "%(n)s lỗi (chỉ giữ %(kept)s lỗi đầu), không có thay đổi nào được ghi.",
            job.error_count,
        ) % {"n": job.error_count, "kept": kept}
    else:
        job.summary = ngettext(
            "%(n)s lỗi, không có thay đổi nào được ghi.",
            "%(n)s lỗi, không có thay đổi nào được ghi.",
            job.error_count,
        ) % {"n": job.error_count}


def run_job(job: ImportJob) -> ImportJob:
    """Check scope, import (all or nothing), record the outcome on the job.

    The messages (reasons, summary) are written in the language of the page that started the
    job, as they would have been had the import run in its request.
    """
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run_job(job)


def _run_job(job: ImportJob) -> ImportJob:
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
            # One report with the file's own errors and the rows out of the user's scope,
            # each cell once (the importer has them already unless it stopped at the header).
            if isinstance(exc, TooLarge):
                raise
            found = with_refusals(exc.errors, scope_errors)
            raise RowErrors(sorted(found, key=lambda e: (e.row, e.column))) from None
    except RowErrors as exc:
        _refuse(job, exc)
    except CosoError as exc:
        job.status = ImportStatus.REFUSED
        job.errors = [[job.file_name, 0, "", str(exc)]]
        job.error_count = 1
        job.summary = str(exc)
    except Exception as exc:  # the job must end in a state the page can show
        job.status = ImportStatus.FAILED
        job.errors = [
            [job.file_name, 0, "", _("lỗi hệ thống: %(kind)s") % {"kind": type(exc).__name__}]
        ]
        job.error_count = 1
        job.summary = _("Lỗi hệ thống, không có thay đổi nào được ghi.")
        _end(job)
        raise
    else:
        job.status = ImportStatus.DONE
        job.summary = _summary(result)
        job.done = job.total = 2 * result.rows
    _end(job)
    return job


def _end(job: ImportJob) -> None:
    """A finished job's bar is full, whatever it ended with: the page shows its end state
    (done, or refused with its errors), not how far the checking had got."""
    job.finished_at = timezone.now()
    if job.status != ImportStatus.DONE:
        live = _live_progress(job)
        job.total = max(live[1] if live else 0, job.total, 1)
        job.done = job.total
    job.save()
    _remove_upload(job)


@task()
def run_import_job(token: str) -> str:
    job = ImportJob.objects.select_related("user").get(token=token)
    return str(run_job(job).status)


# --------------------------------------------------------------------------------------------
# Pruning


def prune_import_jobs(older_than_days: int) -> int:
    """Delete import jobs started more than `older_than_days` days ago, and the upload folders
    they (or a crashed request) left behind; return how many jobs went.

    A running job is left alone (its worker would write it back); a job still waiting that
    long will not run any more, and its task then finds no job and ends.
    """
    if older_than_days < 0:
        raise CosoError(_("Số ngày phải từ 0 trở lên (đã nhận %(n)s).") % {"n": older_than_days})
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    old = ImportJob.objects.filter(created_at__lt=cutoff).exclude(status=ImportStatus.RUNNING)
    with transaction.atomic():
        doomed = list(old.values_list("pk", "path"))
        ImportJob.objects.filter(pk__in=[pk for pk, _path in doomed]).delete()
    root = imports_dir()
    for _pk, path in doomed:
        folder = Path(path).parent
        if folder.parent == root:
            shutil.rmtree(folder, ignore_errors=True)
    if root.is_dir():
        kept = {str(t) for t in ImportJob.objects.values_list("token", flat=True)}
        for folder in root.iterdir():
            stale = folder.stat().st_mtime < cutoff.timestamp()
            if folder.is_dir() and folder.name not in kept and stale:
                shutil.rmtree(folder, ignore_errors=True)
    return len(doomed)


__all__ = [
    "errors_xlsx",
    "prune_import_jobs",
    "read_progress",
    "run_import_job",
    "run_job",
    "start_import",
    "template_xlsx",
]
