"""Work that runs on a schedule, exactly once across every scheduler sharing the database.

A `Job` is a name, a title, a function of the run's day returning a one-line summary (raising
means failure) and a default time ("HH:MM" daily in the local time zone, "every N" minutes, or
"off"; `COSO_JOB_<NAME>` overrides it). Coso's jobs are listed in `coso/web/jobs.py`; this
module knows none of them (core imports no app).

Every `coso serve` runs a scheduler (`coso scheduler`) that calls `tick` every few seconds. The
database is the only coordination, so any number of processes on any number of machines can
tick at once:
- the latest slot of each job that is due and has no run yet is claimed by inserting its
  `JobRun` (job, slot, attempt): the unique constraint lets exactly one insert win;
- the claim also takes the job's `JobLease` by a conditional UPDATE (free or expired), in the
  same transaction, so two runs of one job never overlap (a scheduled slot and a "run now", or
  a retry); the runner renews the lease while the job works, and a lease that expires means
  its process died: the next tick records that run failed and the retry takes over;
- a failed run is retried (attempt + 1) after `COSO_SCHEDULE_RETRY_MINUTES`, up to
  `COSO_SCHEDULE_ATTEMPTS` attempts; the failure stays on the administrator's home page, the
  schedule page and `coso schedule` until a later run succeeds;
- a scheduler started after missed slots runs only the latest one (jobs are idempotent and catch
  up by themselves, e.g. the snapshots from the day of their last successful run).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from coso.core.errors import CosoError
from coso.core.models import JobLease, JobOutcome, JobRun

logger = logging.getLogger("coso.schedule")

JobFunction = Callable[[dt.date], str]

DIED = (
    "Tiến trình chạy việc này đã dừng giữa chừng (hết hạn giữ việc) / "
    "the process running this job stopped before it finished (lease expired)"
)
INTERRUPTED = "Bị dừng khi đang chạy / interrupted while running"


# --------------------------------------------------------------------------------------------
# Schedules and jobs


@dataclasses.dataclass(frozen=True)
class Schedule:
    """Daily at a local time, or every N minutes counted from local midnight; neither: off."""

    at: dt.time | None = None
    every_minutes: int | None = None

    @classmethod
    def parse(cls, text: str, *, name: str = "") -> Schedule:
        """ "HH:MM", "every N" (minutes, 1 to 1440) or "off"; CosoError naming the setting."""
        value = text.strip().lower()
        try:
            if value in ("off", "tắt", "none", ""):
                return cls()
            if value.startswith("every"):
                minutes = int(value.removeprefix("every").strip().removesuffix("m").strip())
                if not 1 <= minutes <= 1440:
                    raise ValueError
                return cls(every_minutes=minutes)
            hour, minute = value.split(":")
            return cls(at=dt.time(int(hour), int(minute)))
        except ValueError:
            where = f"COSO_JOB_{name.upper()}=" if name else ""
            raise CosoError(
                f"Lịch chạy không hợp lệ {where}«{text}»: dùng «HH:MM» (hằng ngày, giờ địa "
                f"phương), «every N» (mỗi N phút) hoặc «off»."
            ) from None

    @property
    def off(self) -> bool:
        return self.at is None and self.every_minutes is None

    def latest(self, now: dt.datetime) -> dt.datetime | None:
        """The latest slot at or before `now` (aware, in the local time zone)."""
        zone = timezone.get_default_timezone()
        local = timezone.localtime(now, zone)
        if self.at is not None:
            slot = dt.datetime.combine(local.date(), self.at, tzinfo=zone)
            if slot > local:
                slot = dt.datetime.combine(local.date() - dt.timedelta(days=1), self.at, zone)
            return slot
        if self.every_minutes is not None:
            midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=zone)
            minutes = int((local - midnight).total_seconds() // 60)
            return midnight + dt.timedelta(minutes=minutes - minutes % self.every_minutes)
        return None

    def next(self, now: dt.datetime) -> dt.datetime | None:
        """The first slot after `now`."""
        latest = self.latest(now)
        if latest is None:
            return None
        zone = timezone.get_default_timezone()
        if self.at is not None:
            return dt.datetime.combine(latest.date() + dt.timedelta(days=1), self.at, zone)
        assert self.every_minutes is not None
        midnight = dt.datetime.combine(latest.date() + dt.timedelta(days=1), dt.time(0), zone)
        return min(latest + dt.timedelta(minutes=self.every_minutes), midnight)

    def describe(self) -> str:
        if self.at is not None:
            return f"hằng ngày {self.at:%H:%M} / daily {self.at:%H:%M}"
        if self.every_minutes is not None:
            return f"mỗi {self.every_minutes} phút / every {self.every_minutes} min"
        return "tắt / off"


@dataclasses.dataclass(frozen=True)
class Job:
    """A job of the scheduler: `run(day)` does the work of `day` and returns a one-line summary;
    raising means failure. It must be idempotent: a retry or a catch-up runs it again."""

    name: str
    title: Any  # a (lazy) Vietnamese title
    run: JobFunction
    default: str  # "HH:MM", "every N" or "off"; COSO_JOB_<NAME> overrides it

    @property
    def schedule(self) -> Schedule:
        text = settings.COSO_JOB_TIMES.get(self.name, self.default)
        return Schedule.parse(text, name=self.name)


def find_job(jobs: Sequence[Job], name: str) -> Job:
    for job in jobs:
        if job.name == name:
            return job
    names = ", ".join(j.name for j in jobs)
    raise CosoError(f"Không có việc chạy theo lịch tên «{name}» (có: {names}).")


# --------------------------------------------------------------------------------------------
# Policy (settings, from the environment)


def _minutes(name: str) -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, name)))


def lease_length() -> dt.timedelta:
    return _minutes("COSO_SCHEDULE_LEASE_MINUTES")


def retry_pause() -> dt.timedelta:
    return _minutes("COSO_SCHEDULE_RETRY_MINUTES")


def grace() -> dt.timedelta:
    return _minutes("COSO_SCHEDULE_GRACE_MINUTES")


def max_attempts() -> int:
    return max(1, int(settings.COSO_SCHEDULE_ATTEMPTS))


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --------------------------------------------------------------------------------------------
# Claims


def _take_lease(name: str, now: dt.datetime) -> bool:
    """Take the job's lease if it is free or expired (call inside a transaction)."""
    JobLease.objects.get_or_create(job=name)
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    taken = JobLease.objects.filter(free, job=name).update(
        holder=holder(), lease_until=now + lease_length()
    )
    return taken == 1


def _release(name: str, run: JobRun) -> None:
    JobLease.objects.filter(job=name, run=run).update(run=None, holder="", lease_until=None)


def _fail_orphans(name: str, now: dt.datetime) -> int:
    """Runs still marked running while their lease is ours: their process died."""
    return JobRun.objects.filter(job=name, outcome=JobOutcome.RUNNING).update(
        outcome=JobOutcome.FAILED, finished_at=now, error=DIED
    )


def reap(job: Job, now: dt.datetime) -> int:
    """Record failed the runs of `job` whose process died (lease expired); how many."""
    if not JobRun.objects.filter(job=job.name, outcome=JobOutcome.RUNNING).exists():
        return 0
    lease = JobLease.objects.filter(job=job.name).first()
    if lease is not None and lease.lease_until is not None and lease.lease_until > now:
        return 0  # someone is working on it
    with transaction.atomic():
        if not _take_lease(job.name, now):
            return 0
        count = _fail_orphans(job.name, now)
        JobLease.objects.filter(job=job.name).update(holder="", lease_until=None, run=None)
    if count:
        logger.error("Việc %s: %s", job.name, DIED)
    return count


def claim(
    job: Job, slot: dt.datetime, attempt: int, *, now: dt.datetime, requested_by: str = ""
) -> JobRun | None:
    """The new run of `job` for (slot, attempt), or None when another process has it (the slot's
    attempt is already claimed, or the job is running elsewhere)."""
    try:
        with transaction.atomic():
            if not _take_lease(job.name, now):
                return None
            _fail_orphans(job.name, now)
            run = JobRun.objects.create(
                job=job.name,
                slot=slot,
                attempt=attempt,
                requested_by=requested_by,
                outcome=JobOutcome.RUNNING,
                started_at=now,
                host=socket.gethostname()[:255],
                pid=os.getpid(),
            )
            JobLease.objects.filter(job=job.name).update(run=run)
    except IntegrityError:
        return None  # another scheduler inserted this attempt first
    return run


def claim_queued(job: Job, queued: JobRun, *, now: dt.datetime) -> JobRun | None:
    """Turn a run asked for from the page into a running one, if no one else did."""
    with transaction.atomic():
        if not _take_lease(job.name, now):
            return None
        _fail_orphans(job.name, now)
        taken = JobRun.objects.filter(pk=queued.pk, outcome=JobOutcome.QUEUED).update(
            outcome=JobOutcome.RUNNING,
            started_at=now,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
        )
        if not taken:
            transaction.set_rollback(True)
            return None
        JobLease.objects.filter(job=job.name).update(run_id=queued.pk)
    queued.refresh_from_db()
    return queued


def due(job: Job, now: dt.datetime) -> tuple[dt.datetime, int] | None:
    """(slot, attempt) of `job` to run now: the latest slot's first attempt, or its retry once
    the pause after a failure is over; None when there is nothing to do."""
    slot = job.schedule.latest(now)
    if slot is None:
        return None
    last = JobRun.objects.filter(job=job.name, slot=slot).order_by("-attempt").first()
    return _next_attempt(slot, last, now)


def _next_attempt(
    slot: dt.datetime, last: JobRun | None, now: dt.datetime
) -> tuple[dt.datetime, int] | None:
    """`due` once the slot's latest attempt (`last`) is read."""
    if last is None:
        return slot, 1
    if last.outcome != JobOutcome.FAILED or last.attempt >= max_attempts():
        return None
    if last.finished_at is not None and now < last.finished_at + retry_pause():
        return None
    return slot, last.attempt + 1


# --------------------------------------------------------------------------------------------
# Running


class _Heartbeat:
    """Renews the lease while the job works, from a thread of its own (its own connection)."""

    def __init__(self, name: str, run: JobRun) -> None:
        self.name = name
        self.run = run
        self.every = max(1.0, lease_length().total_seconds() / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"coso-lease-{name}", daemon=True)
        self._used_database = False

    def start(self) -> None:
        self._thread.start()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self._used_database = True
                try:
                    JobLease.objects.filter(job=self.name, run=self.run).update(
                        lease_until=timezone.now() + lease_length()
                    )
                except DatabaseError as exc:  # busy: the next beat tries again
                    logger.warning("Không gia hạn được việc %s: %s", self.name, exc)
        finally:
            if self._used_database:
                connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def describe_error(exc: BaseException) -> str:
    """The message first (what the pages show), then the traceback (for whoever fixes it)."""
    headline = str(exc) if isinstance(exc, CosoError) else f"{type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    return f"{headline}\n\n{trace}"[-8000:]


def execute(job: Job, run: JobRun) -> JobRun:
    """Run `job` for the claimed `run` (its day: the slot's local date) and record how it went."""
    day = timezone.localtime(run.slot).date()
    beat = _Heartbeat(job.name, run)
    beat.start()
    try:
        summary = job.run(day)
    except Exception as exc:
        _finish(run, JobOutcome.FAILED, error=describe_error(exc))
        logger.error(
            "Việc %s (%s, lần %s) lỗi / failed: %s", job.name, day, run.attempt, run.error_line
        )
    except BaseException:
        _finish(run, JobOutcome.FAILED, error=INTERRUPTED)
        raise
    else:
        _finish(run, JobOutcome.OK, summary=str(summary or "")[:500])
    finally:
        beat.stop()
        _release(job.name, run)
    return run


def _finish(run: JobRun, outcome: str, *, summary: str = "", error: str = "") -> None:
    run.outcome = outcome
    run.finished_at = timezone.now()
    run.summary = summary
    run.error = error
    run.save(update_fields=["outcome", "finished_at", "summary", "error"])


def tick(jobs: Sequence[Job]) -> list[JobRun]:
    """One pass of a scheduler: each job whose slot (or retry, or request from the page) is due
    and not claimed elsewhere runs here, one after the other; the runs made."""
    made = []
    for job in jobs:
        now = timezone.now()  # each job when reached: the one before may have run long
        reap(job, now)
        queued = (
            JobRun.objects.filter(job=job.name, outcome=JobOutcome.QUEUED)
            .order_by("started_at")
            .first()
        )
        if queued is not None:
            run = claim_queued(job, queued, now=now)
            if run is not None:
                made.append(execute(job, run))
                now = timezone.now()
        if job.schedule.off:
            continue
        step = due(job, now)
        if step is None:
            continue
        run = claim(job, *step, now=now)
        if run is not None:
            made.append(execute(job, run))
    return made


def run_now(job: Job, *, requested_by: str) -> JobRun | None:
    """Run `job` here and now through the same claim (None: it is running elsewhere)."""
    now = timezone.now()
    run = claim(job, now, 1, now=now, requested_by=requested_by)
    return execute(job, run) if run is not None else None


def request_run(job: Job, *, requested_by: str) -> JobRun | None:
    """Ask the schedulers to run `job` at their next tick (the page's "run now"); None when a
    request is already waiting."""
    if JobRun.objects.filter(job=job.name, outcome=JobOutcome.QUEUED).exists():
        return None
    now = timezone.now()
    return JobRun.objects.create(
        job=job.name,
        slot=now,
        attempt=1,
        requested_by=requested_by,
        outcome=JobOutcome.QUEUED,
        started_at=now,
    )


# --------------------------------------------------------------------------------------------
# What the list, the page and the home page show


class State:
    OK = "ok"
    RUNNING = "running"
    FAILED = "failed"
    MISSED = "missed"
    NEVER = "never"  # no slot due yet (a job added today)
    OFF = "off"


@dataclasses.dataclass
class JobStatus:
    job: Job
    schedule: Schedule | None  # None: the setting is invalid (error says why)
    state: str
    last: JobRun | None  # the latest run that started
    last_ok: JobRun | None
    next_at: dt.datetime | None
    due_slot: dt.datetime | None  # the latest slot that should be done by now
    error: str  # the last failure's message (first line), or why the job is missed
    queued: bool = False
    due_now: bool = False  # the latest slot or its retry waits for the next tick

    @property
    def problem(self) -> bool:
        return self.state in (State.FAILED, State.MISSED)


def job_status(job: Job, now: dt.datetime | None = None) -> JobStatus:
    return statuses([job], now)[0]


def statuses(jobs: Sequence[Job], now: dt.datetime | None = None) -> list[JobStatus]:
    """Each job's state, from one query whatever the number of jobs (the administrator's home
    asked four a job: 40 queries, 40 ms on PostgreSQL under load)."""
    now = now or timezone.now()
    runs: dict[str, list[JobRun]] = {job.name: [] for job in jobs}
    for run in _runs_read_by_statuses(jobs, now):
        runs[run.job].append(run)
    return [_status(job, now, runs[job.name]) for job in jobs]


def _runs_read_by_statuses(jobs: Sequence[Job], now: dt.datetime) -> list[JobRun]:
    """For each job, the runs its status reads: the latest one started, the latest success, a
    request waiting, and the latest attempt at its latest slot. Each is one row found by the
    (job, started_at) index or the claim constraint; the newest of the rows read is then the
    newest of all, as `_status` needs."""
    wanted = Q(pk__in=[])
    for job in jobs:
        runs = JobRun.objects.filter(job=job.name)
        started = runs.exclude(outcome=JobOutcome.QUEUED).order_by("-started_at", "-pk")
        firsts = [started, started.filter(outcome=JobOutcome.OK)]
        firsts.append(runs.filter(outcome=JobOutcome.QUEUED).order_by("pk"))
        slot = _latest_slot(job, now)
        if slot is not None:
            firsts.append(runs.filter(slot=slot).order_by("-attempt"))
        for rows in firsts:
            wanted |= Q(pk=Subquery(rows.values("pk")[:1]))
    return list(JobRun.objects.filter(wanted))


def _latest_slot(job: Job, now: dt.datetime) -> dt.datetime | None:
    try:
        schedule = job.schedule
    except CosoError:
        return None
    return None if schedule.off else schedule.latest(now)


def _newest(runs: Sequence[JobRun]) -> JobRun | None:
    return max(runs, key=lambda run: (run.started_at, run.pk), default=None)


def _status(job: Job, now: dt.datetime, runs: Sequence[JobRun]) -> JobStatus:
    started = [run for run in runs if run.outcome != JobOutcome.QUEUED]
    last = _newest(started)
    last_ok = _newest([run for run in started if run.outcome == JobOutcome.OK])
    queued = len(started) < len(runs)
    try:
        schedule = job.schedule
    except CosoError as exc:
        return JobStatus(job, None, State.FAILED, last, last_ok, None, None, str(exc), queued)
    due_slot = schedule.latest(now - grace())
    next_at = schedule.next(now)
    latest_slot = schedule.latest(now)
    due_now = False
    if not schedule.off and latest_slot is not None:
        at_slot = [run for run in runs if run.slot == latest_slot]
        last_at_slot = max(at_slot, key=lambda run: run.attempt, default=None)
        due_now = _next_attempt(latest_slot, last_at_slot, now) is not None
    if due_now:
        next_at = now  # the latest slot (or its retry) is due: the next tick takes it
    elif (
        next_at is not None
        and last is not None
        and last.outcome == JobOutcome.FAILED
        and last.finished_at is not None
        and last.slot == latest_slot
        and last.attempt < max_attempts()
    ):
        next_at = min(next_at, last.finished_at + retry_pause())
    if schedule.off:
        state, error = State.OFF, ""
    elif last is not None and last.outcome == JobOutcome.RUNNING:
        state, error = State.RUNNING, ""
    elif last is not None and last.outcome == JobOutcome.FAILED:
        state, error = State.FAILED, last.error_line
    elif due_slot is None:
        state, error = State.NEVER, ""
    elif last_ok is None or (last_ok.slot < due_slot and last_ok.started_at < due_slot):
        state = State.MISSED
        error = (
            f"Chưa chạy xong lần theo lịch {timezone.localtime(due_slot):%H:%M %d/%m/%Y} / "
            f"the run due at {timezone.localtime(due_slot):%Y-%m-%d %H:%M} has not succeeded"
        )
    else:
        state, error = State.OK, ""
    return JobStatus(job, schedule, state, last, last_ok, next_at, due_slot, error, queued, due_now)


def problems(jobs: Sequence[Job], now: dt.datetime | None = None) -> list[JobStatus]:
    """The jobs that failed, or missed their last slot (after the grace period)."""
    return [s for s in statuses(jobs, now) if s.problem]


def history(name: str | None = None, *, limit: int = 50) -> list[JobRun]:
    runs = JobRun.objects.all()
    if name:
        runs = runs.filter(job=name)
    return list(runs.order_by("-started_at", "-pk")[:limit])


def last_success(name: str) -> JobRun | None:
    """The latest successful run of the job `name` (the snapshots catch up from its day)."""
    return (
        JobRun.objects.filter(job=name, outcome=JobOutcome.OK)
        .order_by("-started_at", "-pk")
        .first()
    )


def prune_history(older_than_days: int) -> int:
    """Delete finished runs older than that many days (the last run of each job is kept)."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    keep = set()
    for name in JobRun.objects.values_list("job", flat=True).distinct():
        latest = JobRun.objects.filter(job=name).order_by("-started_at", "-pk").first()
        if latest is not None:
            keep.add(latest.pk)
    old = JobRun.objects.filter(
        started_at__lt=cutoff, outcome__in=[JobOutcome.OK, JobOutcome.FAILED]
    ).exclude(pk__in=keep)
    deleted, _ = old.delete()
    return deleted


# --------------------------------------------------------------------------------------------
# The scheduler process


def run_forever(
    jobs: Callable[[], Sequence[Job]],
    *,
    stopping: threading.Event,
    every: float | None = None,
    on_run: Callable[[JobRun], None] | None = None,
) -> None:
    """Tick every `every` seconds (COSO_SCHEDULE_TICK_SECONDS) until `stopping` is set. A busy
    or unreachable database delays the work; it does not stop the scheduler."""
    pause = float(every if every is not None else settings.COSO_SCHEDULE_TICK_SECONDS)
    while not stopping.is_set():
        try:
            for run in tick(jobs()):
                if on_run is not None:
                    on_run(run)
        except DatabaseError as exc:
            logger.warning("Lịch chạy: cơ sở dữ liệu chưa sẵn sàng / database unavailable: %s", exc)
        finally:
            connection.close()  # a fresh connection each pass: no stale one after a restart
        stopping.wait(pause)


__all__ = [
    "Job",
    "JobStatus",
    "Schedule",
    "State",
    "claim",
    "due",
    "execute",
    "find_job",
    "history",
    "job_status",
    "last_success",
    "problems",
    "prune_history",
    "request_run",
    "run_forever",
    "run_now",
    "statuses",
    "tick",
]
