"""A job that raises is recorded failed with its error, retried after a pause up to the limit,
and reported by `coso schedule` and on the administrator's home page until a run succeeds; a
slot with no run after the grace period is reported missed."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

import coso.web.jobs
from coso.core.models import JobOutcome, JobRun
from coso.core.schedule import State, job_status, request_run, statuses, tick
from tests.cast import Cast
from tests.schedule.helpers import Counter, ahead, job, vn


@pytest.fixture
def policy(settings: Any) -> Any:
    settings.COSO_SCHEDULE_ATTEMPTS = 3
    settings.COSO_SCHEDULE_RETRY_MINUTES = 15
    settings.COSO_SCHEDULE_GRACE_MINUTES = 60
    return settings


def _listing() -> str:
    out = io.StringIO()
    call_command("schedule", stdout=out)
    return out.getvalue()


def _home_text(cast: Cast, who: str) -> str:
    return str(cast.client(who).get(reverse("web:home")).content.decode())


def test_a_failing_job_is_recorded_retried_and_reported(
    cast: Cast, policy: Any, monkeypatch: Any
) -> None:
    day = ahead(20)
    counter = Counter(failures=2)
    the_job = job("flaky", counter)
    monkeypatch.setattr(coso.web.jobs, "JOBS", [the_job])

    with time_machine.travel(vn(day, 0, 6), tick=False):
        (first,) = tick([the_job])
        assert first.outcome == JobOutcome.FAILED and first.attempt == 1
        assert first.error_line == "RuntimeError: máy in hết giấy (lần 1)"
        assert "Traceback" in first.error  # the whole story, for whoever fixes it
        assert tick([the_job]) == []  # not before the pause
        listing = _listing()
        assert "flaky" in listing and "LỖI / FAILED" in listing
        assert "máy in hết giấy (lần 1)" in listing
        assert "00:21" in listing.split("lần tới / next run:")[1]  # the retry, 15 min later
        home = _home_text(cast, "admin")
        assert 'id="schedule-alerts"' in home and "máy in hết giấy (lần 1)" in home
        for who in ("officer", "committee", "secretary", "member", "outsider"):
            assert 'id="schedule-alerts"' not in _home_text(cast, who), who

    with time_machine.travel(vn(day, 0, 22), tick=False):
        (second,) = tick([the_job])
        assert (second.attempt, second.outcome) == (2, JobOutcome.FAILED)
    with time_machine.travel(vn(day, 0, 38), tick=False):
        (third,) = tick([the_job])
        assert (third.attempt, third.outcome) == (3, JobOutcome.OK)
        assert third.summary == "lần 3 xong"
        assert job_status(the_job).state == State.OK
        assert 'id="schedule-alerts"' not in _home_text(cast, "admin")
        history = io.StringIO()
        call_command("schedule", "history", "flaky", stdout=history)
    lines = history.getvalue().splitlines()
    assert len(lines) == 3 and "#3" in lines[0] and "máy in hết giấy (lần 1)" in lines[2]
    assert counter.days == [day, day, day]


def test_attempts_stop_at_the_limit_and_the_failure_stays_reported(
    cast: Cast, policy: Any, monkeypatch: Any
) -> None:
    day = ahead(20)
    counter = Counter(failures=99)
    the_job = job("broken", counter)
    monkeypatch.setattr(coso.web.jobs, "JOBS", [the_job])
    for minute in (6, 22, 38, 54):
        with time_machine.travel(vn(day, 0, minute), tick=False):
            tick([the_job])
    with time_machine.travel(vn(day, 9, 0), tick=False):
        assert tick([the_job]) == []
        status = job_status(the_job)
        assert status.state == State.FAILED and "lần 3" in status.error
        assert "máy in hết giấy (lần 3)" in _home_text(cast, "admin")
        with pytest.raises(CommandError, match="lần 4"):
            call_command("schedule", "run", "broken", stdout=io.StringIO())
    assert JobRun.objects.filter(job="broken", requested_by="").count() == 3
    assert len(counter.days) == 4  # three scheduled attempts and the one asked for


def test_a_slot_without_a_run_shows_missed_after_the_grace_period(
    cast: Cast, policy: Any, monkeypatch: Any
) -> None:
    day = ahead(20)
    the_job = job("quiet", Counter())
    monkeypatch.setattr(coso.web.jobs, "JOBS", [the_job])
    with time_machine.travel(vn(day - dt.timedelta(days=1), 0, 6), tick=False):
        tick([the_job])  # yesterday's run; then the schedulers stop
    with time_machine.travel(vn(day, 0, 50), tick=False):
        assert job_status(the_job).state == State.OK  # today's slot is within the grace
        assert 'id="schedule-alerts"' not in _home_text(cast, "admin")
    with time_machine.travel(vn(day, 1, 10), tick=False):
        status = job_status(the_job)
        assert status.state == State.MISSED and status.due_now
        home = _home_text(cast, "admin")
        assert 'data-state="missed"' in home and f"00:05 {day:%d/%m/%Y}" in home
        assert "BỎ LỠ / MISSED" in _listing()
        tick([the_job])  # a scheduler comes back: the slot runs, the warning goes
        assert job_status(the_job).state == State.OK
        assert 'id="schedule-alerts"' not in _home_text(cast, "admin")


def test_every_jobs_state_is_read_in_one_query(
    cast: Cast, policy: Any, django_assert_num_queries: Any
) -> None:
    """The administrator's home and the schedule page ask the state of every job: one query
    however many jobs there are, each state as a job asked alone would have it."""
    day = ahead(20)
    ok, failing, asked, quiet, off = (
        job("ok", Counter()),
        job("failing", Counter(failures=1)),
        job("asked", Counter()),
        job("quiet", Counter()),
        job("off", Counter(), when="off"),
    )
    jobs = [ok, failing, asked, quiet, off, job("bad", Counter(), when="25:99")]
    with time_machine.travel(vn(day - dt.timedelta(days=1), 0, 6), tick=False):
        tick([quiet])  # yesterday's run only: today's slot will be missed
    with time_machine.travel(vn(day, 0, 6), tick=False):
        tick([ok, failing, asked])
        request_run(asked, requested_by="cast.admin")
    with time_machine.travel(vn(day, 1, 10), tick=False):
        with django_assert_num_queries(1):
            together = statuses(jobs)
        assert [(s.job.name, s.state, s.queued, s.due_now) for s in together] == [
            ("ok", State.OK, False, False),
            ("failing", State.FAILED, False, True),  # its retry is due
            ("asked", State.OK, True, False),
            ("quiet", State.MISSED, False, True),
            ("off", State.OFF, False, False),
            ("bad", State.FAILED, False, False),
        ]
        for alone, status in zip(jobs, together, strict=True):
            assert job_status(alone) == status, alone.name
        assert together[1].last is not None and together[1].last_ok is None
        assert together[2].last_ok == JobRun.objects.get(job="asked", outcome=JobOutcome.OK)
