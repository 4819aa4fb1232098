"""`coso generate` gives the same dataset for the same seed whichever database it writes.

PostgreSQL is loaded with COPY by worker processes on connections of their own, SQLite with
INSERT … SELECT from scratch files; the rows, `DailyDelta` and the statistics must not depend
on which. The test generates here (the database the suite runs on) and in another process into
a fresh SQLite file, and compares the two. On a SQLite run it still checks that a second
process, on a file of its own, writes exactly the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from coso.core.dates import today
from coso.demo import generate
from coso.demo.generate import REFORM_DAY, ROOT_CODE, generate_dataset, row_counts
from coso.stats.queries import stats_as_of
from coso.units.models import Unit

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 600
SEED = 5

# Ids the database assigns (spans, events, participations) depend on the order in which the
# workers' chunks arrive, so those rows are compared by their content.
TABLES = {
    "units_unit": "SELECT id, code, valid_from, valid_to FROM units_unit ORDER BY id",
    "units_unitspan": "SELECT id, unit_id, valid_from, valid_to, name, kind, parent_id, path, "
    "depth, tags, event_id FROM units_unitspan ORDER BY id",
    "units_unitevent": "SELECT id, kind, unit_id, other_id, effective_on, batch "
    "FROM units_unitevent ORDER BY id",
    "members_member": "SELECT id, member_id, card_no, full_name, sort_key, search_name, gender, "
    "birth_date, national_id, ethnicity, religion, hometown, residence, education, occupation, "
    "status, home_unit_id, exempt, in_transit, first_admitted_on, admitted_on, probation_from, "
    "official_on, ended_on, readmissions FROM members_member ORDER BY id",
    "members_memberspan": "SELECT member_id, unit_id, group_id, status, exempt, in_transit, "
    "valid_from, valid_to FROM members_memberspan ORDER BY member_id, valid_from",
    "members_memberevent": "SELECT member_id, kind, effective_on, decided_on, unit_id, "
    "other_unit_id FROM members_memberevent ORDER BY member_id, effective_on, kind",
    "members_participation": "SELECT member_id, unit_id, kind, valid_from, valid_to, note "
    "FROM members_participation ORDER BY member_id, valid_from",
    "stats_dailydelta": "SELECT day, metric, delta FROM stats_dailydelta ORDER BY day, metric",
}
DAYS = (dt.date(1985, 6, 1), dt.date(2024, 12, 31), REFORM_DAY)


def _plain(value: Any) -> Any:
    """One form for what the two drivers return differently (dates, booleans)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def fingerprint() -> dict[str, Any]:
    """Row counts, a digest of every generated table and the statistics at the root."""
    digests = {}
    with connection.cursor() as cur:
        for table, sql in TABLES.items():
            cur.execute(sql)
            rows = [[_plain(v) for v in row] for row in cur.fetchall()]
            digests[table] = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    root = Unit.objects.get(code=ROOT_CODE)
    stats = {
        day.isoformat(): json.loads(json.dumps(stats_as_of(root, day), default=str))
        for day in (*DAYS, today())
    }
    return {"rows": row_counts(), "digests": digests, "stats": stats}


ELSEWHERE = f"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
django.setup()
from coso.demo import generate
from tests.generate.test_same_dataset import fingerprint
generate.FORCE_PARALLEL = True
generate.generate_dataset(members={MEMBERS}, seed={SEED}, progress=False)
print(json.dumps(fingerprint()))
"""


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_dataset_on_either_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate, "FORCE_PARALLEL", True)
    assert generate._can_fan_out(MEMBERS)  # the bulk path of each database, workers included
    generate_dataset(members=MEMBERS, seed=SEED, progress=False)
    here = fingerprint()

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}"}
    # `init`: the tables and the rule sets (the precomputed warnings read the meeting rules).
    for args in (["manage.py", "init"], ["-c", ELSEWHERE]):
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    there = json.loads(done.stdout.strip().splitlines()[-1])

    assert here["rows"] == there["rows"]
    assert here["rows"]["members_member"] == round(MEMBERS * (1 + generate.ENDED_SHARE))
    assert here["digests"] == there["digests"]
    assert here["stats"] == there["stats"]
    assert here["stats"][today().isoformat()]["members"]["total"] == MEMBERS
