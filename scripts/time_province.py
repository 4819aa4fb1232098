"""Time the province figures in the process (median of N after a warm-up): `coso stats 44`,
its parts, the province's tree and, with --pages, the province officer's pages.

DATABASE_URL=sqlite:////path.sqlite3 .venv/bin/python scripts/time_province.py [--pages]
Only reads, except --pages, which creates the bench accounts (never on a shared dataset).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
django.setup()

from django.db import connection  # noqa: E402

from coso.core.dates import today  # noqa: E402
from coso.stats import queries as q  # noqa: E402
from coso.units.models import Unit  # noqa: E402
from coso.units.queries import span_on, subtree_range  # noqa: E402

REPEATS = 5


def _get(client: Any, url: str) -> Any:
    from django.conf import settings

    response = client.get(url, secure=bool(getattr(settings, "SECURE_SSL_REDIRECT", False)))
    assert response.status_code == 200, (url, response.status_code)
    return response


def timed(label: str, fn: Callable[[], Any]) -> Any:
    result = fn()
    times = []
    queries: list[tuple[float, str]] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql))

    with connection.execute_wrapper(count):
        fn()
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:<55} {statistics.median(times):9.1f} ms  {len(queries):3d} q")
    if os.environ.get("SHOW_QUERIES"):
        for ms, sql in sorted(queries, reverse=True)[:5]:
            print(f"      {ms:8.1f} ms  {sql[:150]}")
    return result


def main() -> None:
    code = os.environ.get("UNIT", "44")
    unit = Unit.objects.get(code=code)
    for day in (today(), dt.date(2024, 12, 31), dt.date(2010, 6, 30)):
        span = span_on(unit, day)
        lo, hi = subtree_range(span.path)
        print(f"-- {code} on {day}")
        timed("stats_as_of", lambda unit=unit, day=day: q.stats_as_of(unit, day))
        if span.depth == q.SUBTREE_DEPTH:

            def live(unit: Any = unit, span: Any = span, day: Any = day) -> Any:
                members, kinds, categories = q._subtree_figures(unit.pk, span.unit_id and day)
                return q._finish(unit, span, day, members, deltas=(kinds, categories))

            timed("stats_as_of with live participants/outside (before)", live)
        if hasattr(q, "_outside"):
            timed(
                "  outside (side plan, live)",
                lambda lo=lo, hi=hi, day=day: q._outside(lo, hi, day, "side"),
            )
            timed(
                "  participants (members plan, live)",
                lambda lo=lo, hi=hi, day=day: q._participants(lo, hi, day, "members"),
            )
        timed(
            "tree depth 1 (subtree_member_counts)",
            lambda day=day: q.subtree_member_counts(unit, day, 1),
        )
    if "--pages" in sys.argv:
        from coso.demo.bench_accounts import ensure_bench_accounts
        from coso.demo.bench_pages import login

        accounts = {a.level: a for a in ensure_bench_accounts("bench-Pass-123")}
        print(list(accounts))
        for key, account in accounts.items():
            if "province" not in str(key):
                continue
            client = login(account, "bench-Pass-123")
            for url in (f"/units/{code}/", "/tree/", f"/api/v1/units/{code}/stats", "/"):
                timed(f"GET {url} ({key})", lambda url=url, client=client: _get(client, url))


main()
