"""Old import jobs and what is left of their files are pruned (`coso prune-imports`)."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from coso.cli import _command_name
from coso.core.errors import CosoError
from coso.web.imports import imports_dir, prune_import_jobs
from coso.web.models import ImportJob, ImportStatus
from tests.cast import Cast


def _job(cast: Cast, status: str, days_old: int, *, with_file: bool = True) -> ImportJob:
    job = ImportJob.objects.create(kind="members", user=cast.officer, file_name="a.csv", path="")
    folder = imports_dir() / str(job.token)
    if with_file:
        folder.mkdir(parents=True)
        (folder / "a.csv").write_text("member_id\n")
    errors = [["a.csv", 2, "x", "lỗi"]] if status == ImportStatus.REFUSED else []
    created = timezone.now() - dt.timedelta(days=days_old)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, path=str(folder / "a.csv"), created_at=created, errors=errors
    )
    return job


def test_old_finished_jobs_and_their_files_go_recent_and_running_ones_stay(cast: Cast) -> None:
    old_done = _job(cast, ImportStatus.DONE, 40, with_file=False)
    old_refused = _job(cast, ImportStatus.REFUSED, 31)  # its upload left behind by a crash
    old_pending = _job(cast, ImportStatus.PENDING, 35)
    old_running = _job(cast, ImportStatus.RUNNING, 45)
    recent = _job(cast, ImportStatus.REFUSED, 2)
    orphan = imports_dir() / "khong-co-luot-nhap"  # a folder no job names, from long ago
    orphan.mkdir()
    long_ago = (timezone.now() - dt.timedelta(days=60)).timestamp()
    os.utime(orphan, (long_ago, long_ago))
    fresh_orphan = imports_dir() / "dang-tai-len"  # an upload being saved right now
    fresh_orphan.mkdir()

    assert prune_import_jobs(30) == 3
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {old_running.pk, recent.pk}
    for gone in (old_done, old_refused, old_pending):
        assert not Path(_path(gone)).parent.exists()
    assert Path(_path(old_running)).exists() and Path(_path(recent)).exists()
    assert not orphan.exists() and fresh_orphan.exists()
    assert prune_import_jobs(30) == 0  # nothing more to do

    with pytest.raises(CosoError, match="Số ngày"):
        prune_import_jobs(-1)


def _path(job: ImportJob) -> str:
    return str(imports_dir() / str(job.token) / "a.csv")


def test_the_command_prunes_and_says_how_many(cast: Cast, settings: Any) -> None:
    assert _command_name(["prune-imports"]) == ("prune_imports", [])
    _job(cast, ImportStatus.DONE, 10)
    _job(cast, ImportStatus.DONE, 3)
    out = StringIO()
    call_command("prune_imports", "--older-than-days", "7", stdout=out)
    assert out.getvalue().strip() == "Đã xóa 1 lượt nhập dữ liệu cũ hơn 7 ngày."
    assert ImportJob.objects.count() == 1
    settings.COSO_IMPORT_JOBS_KEEP_DAYS = 1  # the default is read when the command runs
    call_command("prune_imports", stdout=out)
    assert not ImportJob.objects.exists()
