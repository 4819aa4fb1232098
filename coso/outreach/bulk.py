"""Outreach rows for the synthetic national dataset (`coso generate`), written set-wise.

Proportions follow the seed's border guard (377 members for 1,741 households, 4.6 each): one
member in five at home in a village or residential-area branch on the day looks after four
households of that branch, and a fifth household there has nobody yet; three in five of those
looked after were visited this quarter. Every commune-level committee received 24 petitions in
the year up to the day, mostly about land, eight in ten resolved once their deadline passed.

Deterministic (values derive from ids, no random numbers), one INSERT … SELECT per table on
SQLite and PostgreSQL alike; household ids are `member id × 5 + n` so that responsibilities
need no join.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from coso.outreach import tally as coverage
from coso.outreach.models import Household, HouseholdResponsibility, Petition, PetitionStep, Visit
from coso.outreach.queries import quarter_start

PETITIONS_PER_COMMUNE = 24
HOUSEHOLDS_FROM = dt.date(2020, 1, 1)
RESPONSIBLE_FROM = dt.date(2021, 1, 4)


def _date(param_sql: str = "%s") -> str:
    return f"CAST({param_sql} AS DATE)" if connection.vendor == "postgresql" else param_sql


def _count(cur: Any, table: str) -> int:
    cur.execute(f"SELECT COUNT(*) FROM {table}")
    return int(cur.fetchone()[0])


@transaction.atomic
def generate_outreach(day: dt.date, *, tally: bool = True) -> dict[str, int]:
    """Households, responsibilities, visits and petitions for the registry as it stands on `day`
    (an empty outreach), and the coverage tally unless `tally` is False (the generator rebuilds
    it once the rows' indexes are built again)."""
    now = timezone.now()
    far = dt.date(9999, 12, 31)
    k = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(5))
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO outreach_household (id, code, head_name, address, area_id, area_name, "
            "size, poor, near_poor, policy_family, valid_from, valid_to, recorded_at) "
            "SELECT ms.member_id * 5 + k.n + 1, 'HGD-' || (ms.member_id * 5 + k.n + 1), "
            "'Chủ hộ ' || (ms.member_id * 5 + k.n + 1), substr(us.name, 1, 300), us.unit_id, "
            "substr(us.name, 1, 200), 1 + (ms.member_id + k.n) %% 6, "
            "(ms.member_id * 7 + k.n) %% 100 < 5, "
            "(ms.member_id * 7 + k.n) %% 100 >= 5 AND (ms.member_id * 7 + k.n) %% 100 < 10, "
            "(ms.member_id * 11 + k.n) %% 100 < 8, "
            f"{_date()}, {_date()}, %s "
            "FROM members_memberspan ms "
            "JOIN units_unitspan us ON us.unit_id = ms.unit_id "
            "AND us.valid_from <= %s AND us.valid_to > %s "
            f"CROSS JOIN ({k}) k "
            "WHERE ms.valid_from <= %s AND ms.valid_to > %s AND ms.member_id %% 5 = 0 "
            "AND (us.tags LIKE %s OR us.tags LIKE %s)",
            [HOUSEHOLDS_FROM, far, now, day, day, day, day, "%;village;%", "%;residential;%"],
        )
        cur.execute(
            "INSERT INTO outreach_householdresponsibility (household_id, member_id, valid_from, "
            f"valid_to, note) SELECT h.id, (h.id - 1) / 5, {_date()}, {_date()}, '' "
            "FROM outreach_household h WHERE (h.id - 1) %% 5 < 4",
            [RESPONSIBLE_FROM, far],
        )
        q = quarter_start(day)
        visits = [min(day, q + dt.timedelta(days=d)) for d in (3, 25, 50)]
        cur.execute(
            'INSERT INTO outreach_visit (household_id, member_id, "on", note, recorded_at) '
            f"SELECT r.household_id, r.member_id, CASE r.household_id %% 3 WHEN 0 THEN {_date()} "
            f"WHEN 1 THEN {_date()} ELSE {_date()} END, '', %s "
            "FROM outreach_householdresponsibility r WHERE r.household_id %% 5 < 3",
            [*visits, now],
        )
        rows = []
        params: list[Any] = []
        for i in range(PETITIONS_PER_COMMUNE):
            received = day - dt.timedelta(days=365 - 15 * i)
            due = received + dt.timedelta(days=30)
            rows.append(
                f"SELECT {i} AS i, {_date()} AS received, {_date()} AS due, "
                f"{_date()} AS done, {1 if due < day else 0} AS past"
            )
            params += [received, due, received + dt.timedelta(days=26)]
        cur.execute(
            "INSERT INTO outreach_petition (kind, category, received_on, petitioner_name, "
            "petitioner_contact, summary, place, place_unit_id, subject_member_id, "
            "handling_unit_id, handler_id, due_on, status, resolved_on, resolution, "
            "satisfaction, escalations, recorded_by_id, recorded_at) "
            "SELECT CASE WHEN (us.unit_id + d.i) %% 10 < 5 THEN 'complaint' "
            "WHEN (us.unit_id + d.i) %% 10 = 9 THEN 'denunciation' ELSE 'petition' END, "
            "CASE WHEN (us.unit_id + d.i) %% 10 < 6 THEN 'land' "
            "WHEN (us.unit_id + d.i) %% 10 = 6 THEN 'environment' "
            "WHEN (us.unit_id + d.i) %% 10 = 7 THEN 'policy' "
            "WHEN (us.unit_id + d.i) %% 10 = 8 THEN 'conduct' ELSE 'other' END, "
            "d.received, 'Công dân ' || us.unit_id || '-' || d.i, '', "
            "'Đơn thư (dữ liệu tổng hợp)', substr(us.name, 1, 300), NULL, NULL, us.unit_id, "
            "NULL, d.due, "
            "CASE WHEN d.past = 1 AND (us.unit_id * 3 + d.i) %% 10 < 8 THEN 'resolved' "
            "ELSE 'open' END, "
            "CASE WHEN d.past = 1 AND (us.unit_id * 3 + d.i) %% 10 < 8 THEN d.done END, "
            "CASE WHEN d.past = 1 AND (us.unit_id * 3 + d.i) %% 10 < 8 THEN 'Đã trả lời' "
            "ELSE '' END, "
            "CASE WHEN d.past = 1 AND (us.unit_id * 3 + d.i) %% 10 < 8 THEN 'satisfied' "
            "ELSE '' END, 0, NULL, %s "
            f"FROM units_unitspan us CROSS JOIN ({' UNION ALL '.join(rows)}) d "
            "WHERE us.kind = 'commune' AND us.valid_from <= %s AND us.valid_to > %s",
            [now, *params, day, day],
        )
        cur.execute(
            'INSERT INTO outreach_petitionstep (petition_id, kind, "on", text, unit_id, '
            "from_unit_id, due_on, recorded_by_id, recorded_at) "
            "SELECT p.id, 'intake', p.received_on, '', p.handling_unit_id, NULL, p.due_on, NULL, "
            "p.recorded_at FROM outreach_petition p"
        )
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Household, HouseholdResponsibility, Visit, Petition, PetitionStep]
            ):
                cur.execute(sql)
        if tally:
            coverage.rebuild()  # the coverage figures (root and units)
        return {
            "households": _count(cur, "outreach_household"),
            "responsibilities": _count(cur, "outreach_householdresponsibility"),
            "visits": _count(cur, "outreach_visit"),
            "petitions": _count(cur, "outreach_petition"),
        }
