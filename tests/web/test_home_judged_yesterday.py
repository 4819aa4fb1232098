"""Between midnight and the nightly job (00:15) the stored warnings are judged on yesterday. The
home page then reads yesterday's rows and says so, instead of computing every check live over
the whole scope (17–23 s at the centre at national scale); rows older than that are not shown
as current, and once the day has rolled over the note goes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coso.web import warnings
from coso.web.warnings import refresh_warnings
from tests.cast import Cast

DAY = dt.date(2026, 6, 10)


def _at(day: dt.date, hour: int, minute: int = 0) -> Any:
    moment = dt.datetime(day.year, day.month, day.day, hour, minute)
    return time_machine.travel(timezone.make_aware(moment), tick=False)


class _Live:
    """The live checks of the home page, counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        for name in ("probation_warnings", "small_branch_warnings", "no_secretary_warnings"):
            monkeypatch.setattr(warnings, name, self._counted(getattr(warnings, name)))
        monkeypatch.setattr(warnings, "branches_under", self._counted(warnings.branches_under))

    def _counted(self, check: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return check(*args, **kwargs)

        return counted


def _home(cast: Cast, who: str) -> str:
    page = cast.client(who).get("/")
    assert page.status_code == 200
    return page.content.decode()


def test_after_midnight_the_home_reads_yesterdays_rows_and_says_so(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _at(DAY, 10):
        refresh_warnings(DAY)
        judged_today = _home(cast, "officer")
    assert "data-judged-on" not in judged_today
    assert 'data-alert="no_secretary"' in judged_today  # the cast's branches have no secretary
    live = _Live(monkeypatch)
    with _at(DAY + dt.timedelta(days=1), 0, 5):  # before the 00:15 job
        for who in ("officer", "admin", "committee"):
            page = _home(cast, who)
            # The warnings and the branch activity counts, both of the 10th, each saying so.
            assert page.count(f'data-judged-on="{DAY:%Y-%m-%d}"') == 2, who
            assert 'data-alert="no_secretary"' in page
        secretary = _home(cast, "secretary")  # a branch: its own activity, today, live
        assert secretary.count(f'data-judged-on="{DAY:%Y-%m-%d}"') == 1
    assert live.calls == 1  # the secretary's branch, and no check over a scope
    with _at(DAY + dt.timedelta(days=1), 0, 20):
        refresh_warnings(DAY + dt.timedelta(days=1))
        assert "data-judged-on" not in _home(cast, "officer")


def test_rows_older_than_yesterday_are_not_read_as_current(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _at(DAY, 10):
        refresh_warnings(DAY)
    live = _Live(monkeypatch)
    with _at(DAY + dt.timedelta(days=2), 9):
        page = _home(cast, "officer")
    assert "data-judged-on" not in page and 'data-alert="no_secretary"' in page
    assert live.calls >= 3  # computed live, as of today


def test_the_note_reads_in_english(cast: Cast) -> None:
    with _at(DAY, 10):
        refresh_warnings(DAY)
    with _at(DAY + dt.timedelta(days=1), 0, 5):
        client = cast.client("officer")
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        page = client.get("/").content.decode()
    assert "Figures as of 10/06/2026; today's warnings are being worked out." in page
