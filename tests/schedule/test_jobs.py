"""Coso's jobs as the scheduler runs them: the backup with its retention, the pruning of import
jobs and of the scheduler's own history; `coso serve` starts the scheduler beside the worker."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

import coso.web.management.commands.serve as serve
from coso.core.backup import MANIFEST
from coso.core.models import JobOutcome, JobRun
from coso.core.schedule import find_job, tick
from coso.web.jobs import registered_jobs
from tests.schedule.helpers import ahead, vn


@pytest.mark.django_db(transaction=True)
def test_the_daily_backup_keeps_the_newest(settings: Any, tmp_path: Path) -> None:
    settings.COSO_BACKUP_DIR = str(tmp_path / "backups")
    settings.COSO_BACKUP_KEEP = 2
    jobs = [find_job(registered_jobs(), "backup")]
    first = ahead(3)
    for n in range(3):
        with time_machine.travel(vn(first + dt.timedelta(days=n), 1, 5), tick=False):
            (run,) = tick(jobs)
            assert run.outcome == JobOutcome.OK, run.error
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(kept) == 2 and all((tmp_path / "backups" / k / MANIFEST).is_file() for k in kept)
    assert "xóa 1 bản cũ (giữ 2)" in run.summary


def test_the_backup_goes_under_var_dir_by_default(settings: Any) -> None:
    from coso.core.backup import backup_dir

    settings.COSO_BACKUP_DIR = ""
    assert backup_dir() == Path(settings.VAR_DIR) / "backups"


def test_pruning_keeps_each_jobs_last_run(db: Any, settings: Any) -> None:
    settings.COSO_SCHEDULE_HISTORY_DAYS = 30
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for name, days in (("a", 0), ("a", 1), ("b", 0)):
        JobRun.objects.create(
            job=name,
            slot=old + dt.timedelta(days=days),
            started_at=old + dt.timedelta(days=days),
            outcome=JobOutcome.OK,
        )
    jobs = [find_job(registered_jobs(), "prune_imports")]
    with time_machine.travel(vn(ahead(2), 2, 5), tick=False):
        (run,) = tick(jobs)
    assert "và 1 dòng lịch sử" in run.summary
    assert sorted(JobRun.objects.values_list("job", "slot")) == [
        ("a", old + dt.timedelta(days=1)),
        ("b", old),
        ("prune_imports", vn(ahead(2), 2, 5).replace(minute=0)),
    ]


def test_a_job_time_comes_from_the_environment(settings: Any) -> None:
    settings.COSO_JOB_TIMES = {"backup": "03:30", "prune_imports": "off"}
    jobs = {job.name: job for job in registered_jobs()}
    assert jobs["backup"].schedule.describe().startswith("hằng ngày 03:30")
    assert jobs["prune_imports"].schedule.off
    assert jobs["snapshots"].schedule.describe().startswith("hằng ngày 00:05")
    settings.COSO_JOB_TIMES = {"backup": "25h"}
    with pytest.raises(Exception, match="COSO_JOB_BACKUP"):
        call_command("scheduler", "--once", stdout=io.StringIO())


@pytest.mark.parametrize("flags", [[], ["--no-scheduler"], ["--no-worker"]])
def test_serve_starts_the_scheduler_beside_the_worker(monkeypatch: Any, flags: list[str]) -> None:
    started: list[list[str]] = []

    class Child:
        def __init__(self, command: list[str], **kw: Any) -> None:
            self.command = command

        def start(self) -> None:
            started.append(self.command)

        def stop(self) -> None:
            pass

    monkeypatch.setattr(serve, "WorkerSupervisor", Child)
    monkeypatch.setattr(serve, "run_gunicorn", lambda options: None)
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: None)
    monkeypatch.setattr(serve, "startup_checks", lambda: [])
    monkeypatch.setattr(serve, "uses_database_tasks", lambda: True)
    call_command("serve", *flags, stdout=io.StringIO())
    names = [command[-1] for command in started]
    expected = {
        (): ["worker", "scheduler"],
        ("--no-scheduler",): ["worker"],
        ("--no-worker",): ["scheduler"],
    }
    assert names == expected[tuple(flags)]
