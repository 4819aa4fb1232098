"""Time the member search (`/members/?q=…`: the count and one page) as each level sees it.

Opens the database READ-ONLY (SQLite URI mode=ro, no journal-mode change), builds each reader's
scope from a unit's spans (no accounts needed) and times, for every case, the list as the page
asks for it (`MemberList`: the bounded count, then page 1, then page 2) and, with `--old`, the
plain query as it was before (exact count, the first 25 sorted from every match; the root
officer's scope as the semi-join over every unit).

    .venv/bin/python scripts/time_member_search.py --database /work/national/national.sqlite3 --old
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = [
    ("admin", "nguyen van an", None),
    ("root", "nguyen van an", None),
    ("admin", "", None),
    ("root", "", None),
    ("admin", "", "TW"),
    ("admin", "", "44"),
    ("province", "hung", None),
    ("province", "", None),
    ("province", "nguyen van an", None),
    ("admin", "hung", None),
    ("admin", "vinh", None),
    ("admin", "tran thi yen", None),
    ("commune", "hung", None),
    ("commune", "", None),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--old", action="store_true", help="also time the query as it was")
    parser.add_argument("--only", default="", help="comma-separated case numbers (from 1)")
    parser.add_argument("--cap", type=int, default=0, help="the count's cap (default COUNT_CAP)")
    parser.add_argument(
        "--skip-new", action="store_true", help="only the old query (a database before 0005)"
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"sqlite:///{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    from django.conf import settings

    db = settings.DATABASES["default"]
    db["NAME"] = f"file:{args.database}?mode=ro"
    db["OPTIONS"] = {
        "init_command": (
            "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=2147483648; "
            "PRAGMA query_only=1;"
        )
    }
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coso.accounts.models import RoleKind
    from coso.authority.scope import Action, Scope, _Reach
    from coso.members import queries
    from coso.members.queries import find_members, search_members

    if args.cap:
        queries.COUNT_CAP = args.cap
    from coso.units.models import Unit, UnitSpan

    def scope_for(who: str, *, old: bool) -> Scope:
        scope = Scope(None)
        if who == "admin":
            scope.is_admin = True
            return scope
        code, kind = {
            "root": ("TW", RoleKind.ORG_OFFICER),
            "province": ("44", RoleKind.ORG_OFFICER),
            "commune": ("19111", RoleKind.COMMITTEE_MEMBER),
        }[who]
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise LookupError(code)
        for path, start, end in UnitSpan.objects.filter(unit=unit).values_list(
            "path", "valid_from", "valid_to"
        ):
            scope.reaches.append(_Reach(kind, path, start, end))
        if old:
            scope._covers = {a: False for a in Action}
        return scope

    def timed(fn):  # type: ignore[no-untyped-def]
        times, queries, result = [], 0, None
        for _ in range(args.repeats):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                result = fn()
                times.append((time.perf_counter() - t0) * 1000)
            queries = len(captured.captured_queries)
        return statistics.median(times), max(times), queries, result

    only = {int(x) for x in args.only.split(",") if x}
    print(f"load average {os.getloadavg()}")
    for number, (who, text, unit_code) in enumerate(CASES, 1):
        if only and number not in only:
            continue
        label = f"{number:2d} {who:8s} q={text!r:17s} unit={unit_code or '-':5s}"
        try:
            unit = Unit.objects.get(code=unit_code) if unit_code else None
            scope = scope_for(who, old=False)
        except (LookupError, Unit.DoesNotExist):
            print(f"{label} (no such unit here)")
            continue
        visible = scope.members(Action.VIEW)

        def new_page(a: int, b: int, visible=visible, text=text, unit=unit):  # type: ignore[no-untyped-def]
            listed = find_members(visible, text=text, unit=unit)
            return listed.count(), listed.exact, [m.pk for m in listed[a:b]]

        ids: list[int] | None = None
        if not args.skip_new:
            c = timed(lambda: new_page(0, 0)[0])
            p1 = timed(lambda: new_page(0, 25))
            p2 = timed(lambda: new_page(25, 50))
            count, exact, ids = p1[3]
            print(
                f"{label} new: {count}{'' if exact else '+'} matches; count {c[0]:.0f} ms, "
                f"count+page 1 {p1[0]:.0f} ms (max {p1[1]:.0f}, {p1[2]} queries), "
                f"count+page 2 {p2[0]:.0f} ms ({p2[2]} queries)",
                flush=True,
            )
        if args.old or args.skip_new:
            old_scope = scope_for(who, old=True)
            old = search_members(old_scope.members(Action.VIEW), text=text, unit=unit)
            oc = timed(lambda old=old: old.count())
            op = timed(lambda old=old: [m.pk for m in old[:25]])
            same = "-" if ids is None else "same" if op[3] == ids else "DIFFERENT"
            print(
                f"{label} old: {oc[3]} matches; count {oc[0]:.0f} ms, page 1 {op[0]:.0f} ms; "
                f"page 1 {same}",
                flush=True,
            )


if __name__ == "__main__":
    main()
