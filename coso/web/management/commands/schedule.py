"""`coso schedule`: the scheduled jobs (list), a job run now (run NAME), the latest runs
(history [NAME]). A run asked for here goes through the same claim as the scheduler's, so it
never overlaps a scheduled run of the same job."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from coso.core.errors import CosoError
from coso.core.models import JobOutcome, JobRun
from coso.core.schedule import JobStatus, State, find_job, history, run_now, statuses
from coso.web.jobs import registered_jobs

STATES: dict[str, str] = {
    State.OK: "xong / ok",
    State.RUNNING: "đang chạy / running",
    State.FAILED: "LỖI / FAILED",
    State.MISSED: "BỎ LỠ / MISSED",
    State.NEVER: "chưa đến lịch / not yet due",
    State.OFF: "tắt / off",
}
OUTCOMES: dict[str, str] = {
    JobOutcome.OK: "xong / ok",
    JobOutcome.RUNNING: "đang chạy / running",
    JobOutcome.FAILED: "lỗi / failed",
    JobOutcome.QUEUED: "chờ chạy / queued",
}


def when(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else "–"


def seconds(span: dt.timedelta | None) -> str:
    return f"{span.total_seconds():.1f} s" if span is not None else "–"


def run_line(run: JobRun) -> str:
    text = run.summary if run.outcome == JobOutcome.OK else run.error_line
    by = f", {run.requested_by}" if run.requested_by else ""
    return (
        f"{when(run.started_at)} {run.job} #{run.attempt}{by} "
        f"({seconds(run.duration)}) {OUTCOMES.get(run.outcome, run.outcome)}"
        + (f" — {text}" if text else "")
    )


class Command(BaseCommand):
    help = (
        "Các việc chạy theo lịch: danh sách, chạy ngay, lịch sử / scheduled jobs: list, "
        "run NAME now, history [NAME]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", default="list", choices=["list", "run", "history"])
        parser.add_argument("name", nargs="?", help="tên việc / job name")
        parser.add_argument("--limit", type=int, default=30, help="history: số dòng / rows")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = registered_jobs()
        try:
            if options["action"] == "run":
                if not options["name"]:
                    raise CommandError("Cần tên việc / a job name: coso schedule run NAME")
                self._run(find_job(jobs, options["name"]))
            elif options["action"] == "history":
                if options["name"]:
                    find_job(jobs, options["name"])
                for run in history(options["name"], limit=options["limit"]):
                    self.stdout.write(run_line(run))
            else:
                for status in statuses(jobs):
                    self._show(status)
        except CosoError as exc:
            raise CommandError(str(exc)) from exc

    def _show(self, status: JobStatus) -> None:
        job, last = status.job, status.last
        schedule = status.schedule.describe() if status.schedule else "?"
        lines = [
            f"{job.name} — {job.title}",
            f"  lịch / schedule: {schedule}",
            f"  tình trạng / state: {STATES[status.state]}",
            "  lần gần nhất / last run: " + (run_line(last) if last else "–"),
            "  lần tới / next run: "
            + ("ngay lượt tới / at the next tick" if status.due_now else when(status.next_at))
            + (" (có yêu cầu chạy ngay / run requested)" if status.queued else ""),
        ]
        if status.error:
            lines.append(f"  lỗi / error: {status.error}")
        self.stdout.write("\n".join(lines))

    def _run(self, job: Any) -> None:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "?"
        run = run_now(job, requested_by=f"cli:{who}"[:150])
        if run is None:
            raise CommandError(
                f"Việc «{job.name}» đang chạy ở một tiến trình khác; thử lại sau / "
                f"the job is running elsewhere; try again later."
            )
        self.stdout.write(run_line(run))
        if run.outcome != JobOutcome.OK:
            raise CommandError(run.error_line)
