"""Read-only timing on a shared national dataset (no migration, nothing written to it): the
province figures and scope checks before and after the "outside" branch.

DATABASE_URL=sqlite:////work/national/national.sqlite3 .venv/bin/python \
    scripts/time_national_outside.py [UNIT_CODE]

"Before" runs the live queries the branch replaces (through Django, reads only). "After" for
the side tallies builds SidePiece's rows with the migration's own SELECT into a scratch database
ATTACHed to a read-only connection (the dataset is opened with mode=ro), then times the read
`stats_as_of` does. Scope checks are timed with a Scope built in memory (no account written).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
django.setup()

from django.db import connection  # noqa: E402

from coso.accounts.models import RoleKind  # noqa: E402
from coso.authority.scope import Action, Scope, _Reach  # noqa: E402
from coso.core.dates import today  # noqa: E402
from coso.stats import queries as q  # noqa: E402
from coso.stats import tally  # noqa: E402
from coso.units.models import Unit, UnitSpan  # noqa: E402
from coso.units.queries import children_on, span_on, subtree_range, tree_as_of  # noqa: E402

REPEATS = 5
SCRATCH = "/tmp/side_national.sqlite3"


def timed(label: str, fn: Callable[[], Any]) -> Any:
    result = fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:<62} {statistics.median(times):9.1f} ms", flush=True)
    return result


def main() -> None:
    code = sys.argv[1] if len(sys.argv) > 1 else "44"
    unit = Unit.objects.get(code=code)
    days = [today(), dt.date(2024, 12, 31), dt.date(2010, 6, 30)]
    db = connection.settings_dict["NAME"]
    print(f"dataset {db}, unit {code}, load {os.getloadavg()}")

    # -- side tallies -------------------------------------------------------------------------
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    if os.path.exists(SCRATCH):
        os.remove(SCRATCH)
    ro.execute(f"ATTACH DATABASE '{SCRATCH}' AS side")
    ro.execute(
        "CREATE TABLE side.stats_sidepiece (id INTEGER PRIMARY KEY, unit_id INTEGER, "
        "what TEXT, member_id INTEGER, other_id INTEGER, kind TEXT, role TEXT, "
        "valid_from DATE, valid_to DATE)"
    )
    sql = tally._side_sql("member_id >= 0").replace(
        "INSERT INTO stats_sidepiece", "INSERT INTO side.stats_sidepiece"
    )
    start, cpu = time.perf_counter(), time.process_time()
    ro.execute(sql)
    ro.commit()
    print(
        f"SidePiece rebuild (the migration's statement): {time.perf_counter() - start:.1f} s "
        f"wall, {time.process_time() - cpu:.1f} s CPU"
    )
    start = time.perf_counter()
    ro.execute(
        "CREATE INDEX side.sidepiece_count_cover ON stats_sidepiece (unit_id, valid_from, "
        "valid_to, what, kind, role, member_id, other_id)"
    )
    ro.execute("CREATE INDEX side.sidepiece_member ON stats_sidepiece (member_id)")
    ro.execute("CREATE INDEX side.sidepiece_other ON stats_sidepiece (other_id)")
    ro.execute("ANALYZE side")
    print(f"  indexes {time.perf_counter() - start:.1f} s")
    print(
        "  rows by kind:",
        ro.execute("SELECT what, COUNT(*) FROM side.stats_sidepiece GROUP BY what").fetchall(),
    )
    read = (
        "SELECT what, kind, role, COUNT(*), COUNT(DISTINCT member_id), COUNT(DISTINCT other_id) "
        "FROM side.stats_sidepiece WHERE unit_id = ? AND valid_from <= ? AND valid_to > ? "
        "GROUP BY what, kind, role"
    )
    for day in days:
        span = span_on(unit, day)
        lo, hi = subtree_range(span.path)
        print(f"-- {code} on {day}")
        timed(
            "before: outside (side plan, live)",
            lambda lo=lo, hi=hi, day=day: q._outside(lo, hi, day, "side"),
        )
        timed(
            "before: participants (members plan, live)",
            lambda lo=lo, hi=hi, day=day: q._participants(lo, hi, day, "members"),
        )
        rows = timed(
            "after: participants + outside from SidePiece",
            lambda day=day: ro.execute(
                read, (unit.pk, day.isoformat(), day.isoformat())
            ).fetchall(),
        )
        print("     ", rows[:6])
        timed(
            "member and unit figures (SubtreeDelta)",
            lambda day=day: q._subtree_figures(unit.pk, day),
        )

    # -- scope checks -------------------------------------------------------------------------
    scope = Scope(None)
    for path, start_d, end_d in UnitSpan.objects.filter(unit=unit).values_list(
        "path", "valid_from", "valid_to"
    ):
        scope.reaches.append(_Reach(RoleKind.ORG_OFFICER, path, start_d, end_d))
    scope.role_units[RoleKind.ORG_OFFICER] = [unit]
    day = today()
    print(f"-- scope of an officer of {code}, today")
    timed(
        "before: unit by code (units() semi-join)",
        lambda: scope.units(Action.VIEW).filter(code=code).first(),
    )
    timed("after: unit by code (code index + one probe)", lambda: scope.unit_by_code(code))
    root = UnitSpan.objects.get(parent__isnull=True, valid_to__gt=day, valid_from__lte=day).unit
    timed(
        "before: parent visible (units() semi-join)",
        lambda: scope.units(Action.VIEW).filter(pk=root.pk).exists(),
    )
    timed("after: parent visible (can)", lambda: scope.can(Action.VIEW, root))
    timed(
        "before: children on the page (units() semi-join)",
        lambda: _children_before(unit, day, scope),
    )
    timed(
        "after: children on the page (span_filter)",
        lambda: children_on(unit, day, scope.span_filter(Action.VIEW)),
    )
    timed(
        "after: tree of the province, depth 1 (span_filter)",
        lambda: tree_as_of(unit, day, depth=1, visible=scope.span_filter(Action.VIEW)),
    )
    timed(
        "  of which per-commune counts (subtree_member_counts)",
        lambda: q.subtree_member_counts(unit, day, 1),
    )


def _children_before(unit: Unit, day: dt.date, scope: Scope) -> list[UnitSpan]:
    children = UnitSpan.objects.filter(
        parent=unit, valid_from__lte=day, valid_to__gt=day, unit__in=scope.units(Action.VIEW)
    )
    return list(children.select_related("unit"))


if not os.environ.get("WRITER_COSTS"):
    main()


def writer_costs() -> None:
    """What a writer's refresh reads on the national dataset for one day (reads only)."""
    db = connection.settings_dict["NAME"]
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ro.execute(f"ATTACH DATABASE '{SCRATCH}' AS side")
    for day in (dt.date(2024, 3, 15), dt.date(2025, 7, 1), today()):
        changed, concerned = tally._side_members_sql(1)
        d = day.isoformat()
        changed, concerned = changed.replace("%s", "?"), concerned.replace("%s", "?")
        start = time.perf_counter()
        n = ro.execute(changed, [d, d]).fetchone()[0]
        count_ms = (time.perf_counter() - start) * 1000
        if n > tally.SIDE_REBUILD_UNITS:
            print(f"refresh for {d}: {n} units changed: whole table recounted ({count_ms:.1f} ms)")
            continue
        start = time.perf_counter()
        members = ro.execute(concerned, [d] * 4 + [d, d] + [d] * 6).fetchall()
        print(
            f"refresh for {d}: {n} units changed ({count_ms:.1f} ms), {len(members)} members "
            f"to recount found in {(time.perf_counter() - start) * 1000:.1f} ms"
        )


if os.environ.get("WRITER_COSTS"):
    writer_costs()
