"""The statements that read and rewrite the subtree tallies by (unit, day) keys search the index
once a key, whatever the number of keys: on SQLite, with the statistics of a national-size
table, a VALUES list of thousands of keys made the planner build a Bloom filter on the whole
`stats_subtreedelta` first (a scan of ten million rows per statement)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.stats.tally import _KEYS_CHUNK, _regrain, _take_day_rows

pytestmark = pytest.mark.django_db

# sqlite_stat1 as `coso generate`'s ANALYZE left it on the national dataset.
NATIONAL_STATS = [
    ("subtreedelta_sum_cover", "10380960 2001 2001 2 1 1"),
    ("subtreedelta_grain_day", "6606540 2001 91"),
]


@pytest.fixture
def national_statistics():
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # creates sqlite_stat1
        cur.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'stats_subtreedelta'")
        cur.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('stats_subtreedelta', %s, %s)",
            NATIONAL_STATS,
        )
        cur.execute("ANALYZE sqlite_schema")  # the planner rereads the statistics
    yield
    with connection.cursor() as cur:
        cur.execute("DELETE FROM sqlite_stat1")
        cur.execute("ANALYZE sqlite_schema")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner and its statistics")
def test_keyed_statements_search_the_index_for_each_key(national_statistics):
    start = dt.date(2000, 1, 1)
    keys = {(1 + i % 7, start + dt.timedelta(days=i)) for i in range(_KEYS_CHUNK)}
    with CaptureQueriesContext(connection) as ctx:
        _take_day_rows(keys)
        _regrain(keys)
    keyed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("WITH keys")]
    # the day rows taken (one DELETE … RETURNING), then a delete and an insert per grain
    assert len(keyed) >= 5
    with connection.cursor() as cur:
        for sql in keyed:
            cur.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = "\n".join(str(row[-1]) for row in cur.fetchall())
            assert "BLOOM FILTER" not in plan, (sql[:120], plan)
            assert "SEARCH t USING" in plan, (sql[:120], plan)
