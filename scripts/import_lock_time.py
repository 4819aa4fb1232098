"""How long does a members import keep other writers out? Measured from outside, on SQLite.

    cp var/coso.sqlite3 /tmp/lock.sqlite3
    DATABASE_URL=sqlite:////tmp/lock.sqlite3 .venv/bin/python scripts/import_lock_time.py \
        var/members-250k.csv

While the import runs in this process, a probe thread on its own connection tries
`BEGIN IMMEDIATE` (with no busy wait) every 20 ms and notes the longest stretch during which it
could not: that is the time any other write (a page's form, a token's "last used", the task
worker) would have had to wait. Use a copy of the database: the import is real.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path


def probe(path: str, stop: threading.Event, result: dict[str, float]) -> None:
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    blocked_since: float | None = None
    longest = 0.0
    while not stop.is_set():
        now = time.monotonic()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            if blocked_since is not None:
                longest = max(longest, now - blocked_since)
                blocked_since = None
        except sqlite3.OperationalError:
            if blocked_since is None:
                blocked_since = now
        time.sleep(0.02)
    if blocked_since is not None:
        longest = max(longest, time.monotonic() - blocked_since)
    result["longest"] = longest
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="a members file (scripts/members_csv.py)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    import django

    django.setup()
    from django.db import connection

    from coso.members.imports import import_members

    database = str(connection.settings_dict["NAME"])
    stop = threading.Event()
    result: dict[str, float] = {}
    thread = threading.Thread(target=probe, args=(database, stop, result))
    thread.start()
    started = time.monotonic()
    try:
        report = import_members(args.file, progress=False)
    finally:
        took = time.monotonic() - started
        stop.set()
        thread.join()
    print(f"database: {database}")
    print(f"import of {report.rows} rows: {took:.1f} s")
    print(f"longest time other writers were locked out: {result['longest']:.1f} s")


if __name__ == "__main__":
    main()
