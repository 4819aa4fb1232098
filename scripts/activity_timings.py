"""Time the activity report's reads for the API and the xlsx (docs/PERFORMANCE.md, "Activity
report: API and xlsx at national size"). Reads only: nothing is written.

    DATABASE_URL=sqlite:////tmp/activity.sqlite3 .venv/bin/python scripts/activity_timings.py TW,44 --live
    # a national file strictly read-only: a settings module that sets
    # DATABASES["default"]["NAME"] = "file:/path/national.sqlite3?mode=ro&immutable=1" and drops
    # the journal_mode PRAGMA from OPTIONS["init_command"]; then DJANGO_SETTINGS_MODULE=that
    .venv/bin/python scripts/activity_timings.py TW,44,19111 --deep

--live also times the former live computation (minutes at the centre); --deep, pages of
warnings far into the first unit's list."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    django.setup()


def timed(label: str, fn: Callable[[], Any]) -> Any:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    out = None
    for _ in range(1 if label.startswith("old") else 3):
        with CaptureQueriesContext(connection) as q:
            started = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - started)
    median = sorted(times)[len(times) // 2]
    runs = ", ".join(f"{x * 1000:.0f}" for x in times)
    print(f"  {label:48s} {median * 1000:9.0f} ms {len(q):4d} queries (runs: {runs})")
    return out


def time_unit(unit: Any, day: dt.date, start: dt.date, end: dt.date, live: bool) -> None:
    from coso.meetings.activity import SubtreeWarnings
    from coso.meetings.reports import activity_answer, export_report_xlsx, meeting_report
    from coso.meetings.warnings import activity_warnings

    a = timed(
        "new: API report (activity_answer, 200/50)",
        lambda: activity_answer(unit, start, end, on=day, listed=200, shown=50),
    )
    print(
        "     precomputed",
        a.precomputed,
        "warnings",
        a.warnings_total,
        "branches warned",
        a.warned_total,
    )

    def page(lo: int, hi: int) -> Any:
        found = SubtreeWarnings(unit, start, end, day)
        return len(found), found[lo:hi]

    timed("new: API warnings page 1 (len + [0:50])", lambda: page(0, 50))
    timed("new: API warnings page 100 ([4950:5000])", lambda: page(4950, 5000))

    def xlsx() -> bytes:
        answer = activity_answer(unit, start, end, on=day, listed=1000, shown=500)
        return export_report_xlsx(answer.report, answer)

    print("     xlsx bytes", len(timed("new: xlsx (activity_answer 1000/500 + write)", xlsx)))
    if live:
        year_ago = day + dt.timedelta(1) - dt.timedelta(366)
        timed(
            "old: API report (meeting_report, 366 days)",
            lambda: meeting_report(unit, year_ago, day + dt.timedelta(1)),
        )
        timed(
            "old: API warnings (activity_warnings, 366 d)",
            lambda: activity_warnings(unit, year_ago, day + dt.timedelta(1)),
        )
        timed(
            "old: xlsx (meeting_report this year + write)",
            lambda: export_report_xlsx(meeting_report(unit, start, end, on=day)),
        )


def main() -> None:
    _setup()
    # Only once Django is set up (the app registry).
    from coso.core.dates import today
    from coso.meetings.activity import SubtreeWarnings, _state, is_current, report_window
    from coso.units.models import Unit

    day = today()
    print("judged", _state(), "today", day, "current", is_current(day))
    codes = sys.argv[1].split(",")
    start, end = report_window(day)
    for code in codes:
        print(code)
        time_unit(Unit.objects.get(code=code), day, start, end, "--live" in sys.argv)
    if "--deep" in sys.argv:
        unit = Unit.objects.get(code=codes[0])
        for offset in (100_000, 1_000_000):
            timed(
                f"new: warnings page at offset {offset:,}",
                lambda offset=offset: SubtreeWarnings(unit, start, end, day)[offset : offset + 50],
            )


if __name__ == "__main__":
    main()
