"""Time the whole 2025 reform through `coso reorg apply` and check that it conserves members.

Run on a database written by `coso generate --before-reform` (DATABASE_URL set):

    .venv/bin/python scripts/national_reform.py /work/national/<you>/reform.csv

It writes the plan (`coso reorg national-plan`), takes the registry's figures on 01/07/2025,
times `coso reorg apply --dry-run` and then `coso reorg apply` (the real command line, start-up
included, wall clock), takes the figures again and compares: every member valid on the day is
still at home in a unit that exists that day, the totals per status and the members under each
province are unchanged, and `coso stats TW` differs only in the unit kinds the plan changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

DAY = "2025-07-01"
DECISION = "294-QĐ/TW (dữ liệu tổng hợp)"
SIGNED = "2025-05-26"
COSO = str(Path(sys.executable).with_name("coso"))


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def run(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([COSO, *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"coso {args[0]} {args[1]} failed ({done.returncode})")
    return seconds, done.stdout


def figures() -> dict[str, Any]:
    """Members valid on DAY by status, by province (through their home unit's path), orphans."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    django.setup()
    from django.db import connection

    # Two scans rather than a join of 5 million spans: members by home unit, then the paths.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT unit_id, status, COUNT(*) FROM members_memberspan "
            "WHERE valid_from <= %s AND valid_to > %s GROUP BY unit_id, status",
            [DAY, DAY],
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT unit_id, path FROM units_unitspan WHERE valid_from <= %s AND valid_to > %s",
            [DAY, DAY],
        )
        paths = dict(cur.fetchall())
    status: Counter[str] = Counter()
    province: Counter[str] = Counter()
    orphans = 0
    for unit_id, state, n in rows:
        status[state] += n
        if unit_id not in paths:
            orphans += n
        else:
            province[paths[unit_id].split("/")[2]] += n
    return {"status": dict(status), "province": dict(province), "orphans": orphans}


def stats_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()[1:] if line.strip()]


def main() -> None:
    plan = sys.argv[1]
    _seconds, out = run("reorg", "national-plan", plan)
    print(out.strip())
    rows = len(Path(plan).read_text(encoding="utf-8").splitlines()) - 1
    before = figures()
    _s, stats_before = run("stats", "TW", "--as-of", DAY)
    apply = ["reorg", "apply", plan, "--on", DAY, "--decision", DECISION]
    apply += ["--decision-date", SIGNED]
    print(f"load average before the dry run: {load()}")
    dry, _out = run(*apply, "--dry-run", "-v", "0")
    print(f"dry run: {dry:.1f} s wall clock ({rows:,} rows); load average {load()}")
    real, real_out = run(*apply, "-v", "0")
    print(f"apply:   {real:.1f} s wall clock ({rows:,} rows); load average {load()}")
    print(f"dry run + apply: {dry + real:.1f} s")
    print(real_out.strip())
    after = figures()
    _s, stats_after = run("stats", "TW", "--as-of", DAY)
    print("members by status before:", before["status"])
    print("members by status after: ", after["status"])
    print(f"members in units that do not exist on {DAY}: {before['orphans']} → {after['orphans']}")
    same = before["status"] == after["status"] and before["province"] == after["province"]
    print(f"totals per status and per province equal: {same}")
    changed = sorted(set(stats_lines(stats_before)) ^ set(stats_lines(stats_after)))
    print("`coso stats TW` lines that differ (before ^ after):")
    for line in changed:
        print("  " + line)
    if not same or after["orphans"]:
        raise SystemExit("conservation check FAILED")


if __name__ == "__main__":
    main()
