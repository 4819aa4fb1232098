"""Exactly once: two schedulers ticking at the same moment against one database run a job's
slot once; a "run now" never overlaps a run in progress; a run whose process died is taken
over once its lease expires."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine

from coso.core.models import JobLease, JobOutcome, JobRun
from coso.core.schedule import DIED, claim, execute, run_now, tick
from tests.schedule.helpers import Counter, ahead, in_thread, job, vn


@pytest.mark.parametrize("rounds", [3])
def test_two_schedulers_at_once_run_a_slot_once(shared_db: Any, rounds: int) -> None:
    day = ahead(10)
    counter = Counter(pause=0.3)  # long enough for the other scheduler to try its claim
    jobs = [job("count", counter)]
    start = threading.Barrier(2)
    made: list[list[JobRun]] = [[], []]
    errors: list[BaseException] = []

    def scheduler(index: int) -> None:
        from django.db import connection

        try:
            for n in range(rounds):  # the same slot, over and over, as a real loop would
                start.wait(timeout=30)
                with time_machine.travel(vn(day, 0, 6 + n), tick=True):
                    made[index] += tick(jobs)
        except BaseException as exc:
            errors.append(exc)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert counter.days == [day]  # one call, for that day
    assert len(made[0]) + len(made[1]) == 1
    runs = in_thread(lambda: list(JobRun.objects.filter(job="count").values("outcome", "slot")))
    assert runs == [{"outcome": JobOutcome.OK, "slot": vn(day, 0, 5)}]


def test_run_now_waits_for_the_run_in_progress(db: Any) -> None:
    day = ahead(10)
    counter = Counter()
    the_job = job("count", counter)
    with time_machine.travel(vn(day, 0, 6), tick=False):
        now = dt.datetime.now(dt.UTC)
        running = claim(the_job, vn(day, 0, 5), 1, now=now)
        assert running is not None
        assert run_now(the_job, requested_by="cli:test") is None  # the lease is held
        assert tick([the_job]) == []  # and the scheduler does not start it twice
        execute(the_job, running)
        assert counter.days == [day]
        again = run_now(the_job, requested_by="cli:test")  # free again
    assert again is not None and again.outcome == JobOutcome.OK
    assert again.requested_by == "cli:test" and counter.days == [day, day]


def test_a_run_whose_process_died_is_taken_over_after_its_lease(db: Any, settings: Any) -> None:
    settings.COSO_SCHEDULE_LEASE_MINUTES = 10
    settings.COSO_SCHEDULE_RETRY_MINUTES = 15
    day = ahead(10)
    counter = Counter()
    the_job = job("count", counter)
    with time_machine.travel(vn(day, 0, 6), tick=False):
        # A scheduler claimed the slot and died before finishing (no heartbeat, no record).
        dead = claim(the_job, vn(day, 0, 5), 1, now=dt.datetime.now(dt.UTC))
        assert dead is not None
    with time_machine.travel(vn(day, 0, 12), tick=False):
        assert tick([the_job]) == []  # the lease still holds: maybe it is only slow
    with time_machine.travel(vn(day, 0, 17), tick=False):
        assert tick([the_job]) == []  # lease expired: recorded failed, retried after the pause
        dead.refresh_from_db()
        assert dead.outcome == JobOutcome.FAILED and dead.error == DIED
    with time_machine.travel(vn(day, 0, 33), tick=False):
        (retry,) = tick([the_job])
    assert (retry.attempt, retry.outcome, counter.days) == (2, JobOutcome.OK, [day])
    assert JobLease.objects.get(job="count").lease_until is None  # released
