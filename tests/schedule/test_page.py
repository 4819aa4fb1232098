"""The administrator's page of scheduled work: only administrators see it (everyone else in the
cast gets 404, anonymous visitors the login page); "run now" queues the job and the next tick
of a scheduler runs it, in the name of the administrator who asked."""

from __future__ import annotations

from typing import Any

import time_machine
from django.urls import reverse

import coso.web.jobs
from coso.core.models import JobOutcome, JobRun
from coso.core.schedule import tick
from tests.cast import ROLES, Cast
from tests.schedule.helpers import Counter, ahead, job, vn


def test_only_administrators_see_the_page_and_run_jobs(cast: Cast, monkeypatch: Any) -> None:
    counter = Counter()
    the_job = job("count", counter)
    monkeypatch.setattr(coso.web.jobs, "JOBS", [the_job])
    page = reverse("web:schedule")
    run = reverse("web:schedule_run", args=["count"])
    for who in ROLES:
        client = cast.client(who)
        got = (client.get(page).status_code, client.post(run).status_code)
        if who == "admin":
            assert got == (200, 302)
        elif who == "anonymous":
            assert got == (302, 302)
            assert client.get(page)["Location"].startswith(reverse("login"))
        else:
            assert got == (404, 404), who
    # Only the administrator's request was queued (and a second click adds nothing).
    assert cast.client("admin").post(run).status_code == 302
    queued = JobRun.objects.get(job="count")
    assert (queued.outcome, queued.requested_by) == (JobOutcome.QUEUED, "cast.admin")
    assert counter.days == []  # the page never runs a job in the request

    with time_machine.travel(vn(ahead(3), 10, 0), tick=False):
        made = tick([the_job])
    assert (made[0].requested_by, made[0].outcome) == ("cast.admin", JobOutcome.OK)
    assert len(counter.days) == 2  # the request, then the day's slot (due since 00:05)

    response = cast.client("admin").get(page)
    body = response.content.decode()
    assert 'data-job="count"' in body and "lần 1 xong" in body
    assert "cast.admin" in body  # who asked, in the history
    assert cast.client("admin").post(reverse("web:schedule_run", args=["nope"])).status_code == 404
    assert cast.client("admin").get(page, {"job": "nope"}).status_code == 404


def test_the_page_lists_coso_jobs(cast: Cast) -> None:
    body = cast.client("admin").get(reverse("web:schedule")).content.decode()
    for name in (
        "snapshots",
        "warnings",
        "backup",
        "prune_imports",
        "calendar_tokens",
        "reminders",
    ):
        assert f'data-job="{name}"' in body
    # The navigation links it for administrators only.
    assert reverse("web:schedule") in body
    home = cast.client("officer").get(reverse("web:home")).content.decode()
    assert reverse("web:schedule") not in home
