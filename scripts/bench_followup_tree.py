"""A synthetic national tree for the follow-through roll-ups (docs/PERFORMANCE.md, "Directives").

Into an EMPTY database after `coso migrate` and `coso init` (never the demo's or a real one):
    DATABASE_URL=sqlite:////tmp/nat.sqlite3 coso migrate && DATABASE_URL=... coso init
    DATABASE_URL=sqlite:////tmp/nat.sqlite3 .venv/bin/python manage.py shell < scripts/bench_followup_tree.py
One root, 34 provinces, 98 communes each, 75 branches each (249,900 branches), one directive
cascaded to every branch with four steps (999,600), then the tracking, reminders and timeliness
reads timed for the root, a province and a commune.
"""

import datetime as dt
import random
import time

from django.db import connection, transaction

from coso.core.dates import today

D0 = dt.date(2020, 1, 1)
FAR = dt.date(9999, 12, 31)
day = today()
P, C, B = 34, 98, 75


def run():
    cur = connection.cursor()
    units = []
    spans = []
    uid = 0

    def add(kind, parent, ppath, depth):
        nonlocal uid
        uid += 1
        path = f"{ppath}{uid}/"
        units.append((uid, f"U{uid}", D0, FAR))
        spans.append((uid, D0, FAR, f"Đơn vị {uid}", kind, parent, path, depth, ""))
        return uid, path

    r, rp = add("central", None, "/", 0)
    for _p in range(P):
        pu, pp = add("province", r, rp, 1)
        for _c in range(C):
            cu, cp = add("commune", pu, pp, 2)
            for _b in range(B):
                add("branch", cu, cp, 3)
    t = time.time()
    with transaction.atomic():
        cur.executemany(
            "INSERT INTO units_unit (id, code, valid_from, valid_to) VALUES (%s,%s,%s,%s)", units
        )
        cur.executemany(
            "INSERT INTO units_unitspan (unit_id, valid_from, valid_to, name, kind, parent_id, path, depth, tags) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            spans,
        )
        cur.execute(
            "INSERT INTO followup_directive (id, owner_id, kind, number, issued_on, issuer, title, summary, recorded_at) VALUES (1, 1, 'directive', '1-CT/TW', %s, 'BBT', 't', '', %s)",
            [day - dt.timedelta(days=200), day],
        )
        branches = [s[0] for s in spans if s[4] == "branch"]
        on = day - dt.timedelta(days=200)
        cur.executemany(
            "INSERT INTO followup_implementation (id, directive_id, unit_id, cascaded_on, batch) VALUES (%s,1,%s,%s,'b')",
            [(i + 1, u, on) for i, u in enumerate(branches)],
        )
        rng = random.Random(1)
        steps = []
        for i in range(len(branches)):
            for kind, seq, due in (
                ("study", 0, on + dt.timedelta(30)),
                ("plan", 0, on + dt.timedelta(45)),
                ("report", 1, on + dt.timedelta(182)),
                ("report", 2, on + dt.timedelta(365)),
            ):
                x = rng.random()
                done = (
                    None
                    if x < 0.2 or due > day
                    else (due - dt.timedelta(3) if x < 0.7 else due + dt.timedelta(10))
                )
                if done and done > day:
                    done = None
                steps.append((i + 1, kind, seq, due, done, ""))
        cur.executemany(
            "INSERT INTO followup_step (implementation_id, kind, seq, due, done_on, note) VALUES (%s,%s,%s,%s,%s,%s)",
            steps,
        )
    cur.execute("ANALYZE")
    print(
        "loaded",
        len(units),
        "units",
        len(branches),
        "records",
        len(steps),
        "steps",
        f"{time.time() - t:.0f}s",
    )
    from coso.followup.models import Directive
    from coso.followup.queries import directive_timeliness, reminders, tracking
    from coso.units.models import Unit

    d = Directive.objects.get(pk=1)
    for code in ["U1", "U2", "U3"]:
        u = Unit.objects.get(code=code)
        for _ in range(2):
            t = time.time()
            rep = tracking(d, u)
            a = time.time() - t
        t = time.time()
        reminders(u)
        b = time.time() - t
        t = time.time()
        directive_timeliness(u, day - dt.timedelta(365), day)
        c = time.time() - t
        print(
            code,
            "rows",
            len(rep.rows),
            "records",
            rep.total.units,
            f"tracking {a * 1000:.0f}ms reminders {b * 1000:.0f}ms timeliness {c * 1000:.0f}ms",
        )


run()
