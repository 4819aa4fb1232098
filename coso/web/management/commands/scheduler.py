"""`coso scheduler`: the scheduler process (coso/core/schedule.py) that `coso serve` runs and
restarts beside the task worker. Any number may run against one database, on one machine or
several: each job's slot runs once in all. `--once` makes one pass and ends (for a timer)."""

from __future__ import annotations

import contextlib
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from coso.core.errors import CosoError
from coso.core.models import JobRun
from coso.core.schedule import run_forever, tick
from coso.web.jobs import registered_jobs


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds a job at work: its run is recorded interrupted and its lease released.
    raise SystemExit(0)


class Command(BaseCommand):
    help = (
        "Chạy các việc theo lịch (cập nhật trạng thái, sao lưu, dọn dẹp...), mỗi việc đúng một "
        "lần dù nhiều máy cùng chạy / run the scheduled jobs, each slot exactly once"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = registered_jobs()
        try:
            lines = [f"  {job.name}: {job.schedule.describe()}" for job in jobs]
        except CosoError as exc:
            raise CommandError(str(exc)) from exc
        if options["once"]:
            for run in tick(jobs):
                self._report(run)
            return
        self.stdout.write("Lịch chạy / scheduler:\n" + "\n".join(lines))
        self.stdout.flush()
        signal.signal(signal.SIGTERM, _interrupt)
        with contextlib.suppress(KeyboardInterrupt):
            run_forever(registered_jobs, stopping=threading.Event(), on_run=self._report)

    def _report(self, run: JobRun) -> None:
        moment = timezone.localtime(run.started_at)
        text = run.summary if run.outcome == "ok" else run.error_line
        self.stdout.write(
            f"[{moment:%Y-%m-%d %H:%M}] {run.job} #{run.attempt} {run.outcome}: {text}"
        )
        self.stdout.flush()
