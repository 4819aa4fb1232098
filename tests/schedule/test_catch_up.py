"""After missed days, the latest slot runs once (no pile of runs), and the snapshots catch up
from the day of their last successful run, however long ago."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from coso.core.models import JobOutcome, JobRun
from coso.core.schedule import Schedule, find_job, tick
from coso.members.models import Member
from coso.members.operations import receive_member, transfer_out
from coso.web.jobs import registered_jobs
from tests.cast import Cast
from tests.schedule.helpers import Counter, ahead, job, vn


def test_after_missed_days_the_latest_slot_runs_once(db: Any) -> None:
    first = ahead(5)
    counter = Counter()
    jobs = [job("daily", counter, "00:05"), job("often", Counter(), "every 15")]
    with time_machine.travel(vn(first, 0, 6), tick=False):
        assert [r.job for r in tick(jobs)] == ["daily", "often"]
    back = first + dt.timedelta(days=4)  # the servers were down three whole days
    with time_machine.travel(vn(back, 9, 40), tick=False):
        made = tick(jobs)
        assert [(r.job, r.slot) for r in made] == [
            ("daily", vn(back, 0, 5)),
            ("often", vn(back, 9, 30)),
        ]
        assert tick(jobs) == []  # and not again
    assert counter.days == [first, back]
    assert JobRun.objects.filter(job="daily").count() == 2


def test_schedules_in_vietnam_time() -> None:
    daily = Schedule.parse("00:05")
    now = dt.datetime(2026, 3, 1, 17, 4, tzinfo=dt.UTC)  # 00:04 on 2 March in Vietnam
    assert daily.latest(now) == vn(dt.date(2026, 3, 1), 0, 5)
    assert daily.next(now) == vn(dt.date(2026, 3, 2), 0, 5)
    often = Schedule.parse("every 45")
    assert often.latest(vn(dt.date(2026, 3, 2), 23, 59)) == vn(dt.date(2026, 3, 2), 23, 15)
    assert often.next(vn(dt.date(2026, 3, 2), 23, 59)) == vn(dt.date(2026, 3, 3), 0, 0)
    assert Schedule.parse("off").off and Schedule.parse("off").latest(now) is None


def test_snapshots_catch_up_from_their_last_successful_run(cast: Cast) -> None:
    jobs = [find_job(registered_jobs(), "snapshots")]
    member = cast.members["c2"]  # homed in BC2
    last_run = ahead(5)
    effective = last_run + dt.timedelta(days=2)
    with time_machine.travel(vn(last_run, 0, 6), tick=False):
        tick(jobs)
        # Recorded today, effective two days later; then no scheduler for twelve days.
        transfer_out(member, on=effective, to_unit=cast.B2)
        receive_member(member, on=effective, branch=cast.B2)
        assert Member.objects.get(pk=member.pk).home_unit == cast.BC2
    with time_machine.travel(vn(last_run + dt.timedelta(days=12), 8, 0), tick=False):
        (run,) = tick(jobs)  # a fixed 7-day window would start after the effective day
    assert run.outcome == JobOutcome.OK
    assert f"từ sau ngày {last_run:%d/%m/%Y}" in run.summary
    assert Member.objects.get(pk=member.pk).home_unit == cast.B2
