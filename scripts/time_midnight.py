"""Time the home page between midnight and the nightly `warnings` job, as each bench account.

On DATABASE_URL (a generated dataset: `coso generate`): rolls the stored warnings over to today
(`refresh_warnings`, what the 00:15 job does), creates the bench accounts, then travels to
00:05 of tomorrow (time-machine) and asks `/` as each account, so that the stored rows are
judged on "yesterday" and the page reads them with its note (coso.core.dates.judged_on). Prints
p50 / p95 / max and the query count per account, and checks that the note is on the page (a
live computation at the centre takes 17–23 s at national size: a missing note is a failure).

    DATABASE_URL=sqlite:////work/national/national.sqlite3 \
        .venv/bin/python scripts/time_midnight.py --repeats 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-refresh", action="store_true", help="rows already judged today")
    parser.add_argument(
        "--now", action="store_true", help="ask now instead (rows judged today: the baseline)"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    import django

    django.setup()
    import time_machine
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from coso.core.dates import today
    from coso.demo.bench_accounts import ensure_bench_accounts
    from coso.web.warnings import refresh_warnings, stored_day

    settings.ALLOWED_HOSTS = ["*"]
    day = today()
    if not args.no_refresh:
        started = time.perf_counter()
        refresh_warnings(day)
        print(f"refresh_warnings({day}): {time.perf_counter() - started:.1f} s")
    print(f"stored day: {stored_day()}")
    accounts = ensure_bench_accounts("bench-midnight")
    tomorrow = day + dt.timedelta(days=1)
    moment = timezone.make_aware(dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, 5))
    settings.DEBUG = True  # to count the queries
    failed = False
    with time_machine.travel(timezone.now() if args.now else moment, tick=not args.now):
        print(f"asked on {today()}, rows judged on {stored_day()}")
        print(f"{'account':16} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'queries':>7}  note")
        for account in accounts:
            client = Client()
            client.force_login(_user(account.username))
            times, queries, note = [], 0, False
            for _ in range(args.repeats + 1):  # the first is a warm-up, not counted
                reset_queries()
                started = time.perf_counter()
                page = client.get("/")
                times.append((time.perf_counter() - started) * 1000)
                queries = len(connection.queries)
                assert page.status_code == 200, (account.username, page.status_code)
                note = f'data-judged-on="{day:%Y-%m-%d}"' in page.content.decode()
            times = sorted(times[1:])
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            expected = not args.now and account.level in ("central", "province", "commune")
            failed |= expected and not note
            print(
                f"{account.username:16} {statistics.median(times):7.0f} {p95:7.0f} "
                f"{times[-1]:7.0f} {queries:7d}  {'yes' if note else 'no'}"
            )
    sys.exit(1 if failed else 0)


def _user(username: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


if __name__ == "__main__":
    main()
