"""Time the activity report's reads for the API and the xlsx (docs/PERFORMANCE.md, "Activity
report: API and xlsx at national size"). Reads only: nothing is written.

    DATABASE_URL=sqlite:////tmp/activity.sqlite3 .venv/bin/python scripts/activity_timings.py TW,44 --live
    # a national file strictly read-only: a settings module that sets
    # DATABASES["default"]["NAME"] = "file:/path/national.sqlite3?mode=ro&immutable=1" and drops
    # the journal_mode PRAGMA from OPTIONS["init_command"]; then DJANGO_SETTINGS_MODULE=that
    .venv/bin/python scripts/activity_timings.py TW,44,19111 --deep

--live also times the former live computation (minutes at the centre); --deep, pages of
warnings far into the first unit's list."""
import datetime as dt, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
django.setup()
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from coso.core.dates import today
from coso.meetings.activity import SubtreeWarnings, is_current, report_window, _state
from coso.meetings.reports import activity_answer, meeting_report, export_report_xlsx
from coso.meetings.warnings import activity_warnings
from coso.units.models import Unit

day = today()
print("judged", _state(), "today", day, "current", is_current(day))
codes = sys.argv[1].split(",")
live = "--live" in sys.argv
start, end = report_window(day)

def timed(label, fn):
    times = []
    for _ in range(1 if label.startswith("old") else 3):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    s = sorted(times)[len(times) // 2]
    print(f"  {label:48s} {s*1000:9.0f} ms {len(q):4d} queries (runs: {', '.join(f'{x*1000:.0f}' for x in times)})")
    return out

for code in codes:
    unit = Unit.objects.get(code=code)
    print(code)
    a = timed("new: API report (activity_answer, 200/50)", lambda: activity_answer(unit, start, end, on=day, listed=200, shown=50))
    print("     precomputed", a.precomputed, "warnings", a.warnings_total, "branches warned", a.warned_total)
    timed("new: API warnings page 1 (len + [0:50])", lambda: (lambda p: (len(p), p[0:50]))(SubtreeWarnings(unit, start, end, day)))
    timed("new: API warnings page 100 ([4950:5000])", lambda: (lambda p: (len(p), p[4950:5000]))(SubtreeWarnings(unit, start, end, day)))
    x = timed("new: xlsx (activity_answer 1000/500 + write)", lambda: export_report_xlsx((b := activity_answer(unit, start, end, on=day, listed=1000, shown=500)).report, b))
    print("     xlsx bytes", len(x))
    if live:
        timed("old: API report (meeting_report, 366 days)", lambda: meeting_report(unit, day + dt.timedelta(1) - dt.timedelta(366), day + dt.timedelta(1)))
        timed("old: API warnings (activity_warnings, 366 d)", lambda: activity_warnings(unit, day + dt.timedelta(1) - dt.timedelta(366), day + dt.timedelta(1)))
        timed("old: xlsx (meeting_report this year + write)", lambda: export_report_xlsx(meeting_report(unit, start, end, on=day)))
if "--deep" in sys.argv:
    unit = Unit.objects.get(code=codes[0])
    for off in (100_000, 1_000_000):
        timed(f"new: warnings page at offset {off:,}", lambda: SubtreeWarnings(unit, start, end, day)[off:off + 50])
