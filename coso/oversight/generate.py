"""Violation cases and discipline decisions for the synthetic national dataset (`coso generate`),
written in bulk in a realistic proportion: about 0.2 % of the members in the Party get a case
each year over the last three years, most ending in a reprimand or a warning by their branch
(no effect on membership), some closed without discipline, the recent ones still open.

Deterministic for a seed. Members are drawn by id (chunks of a bounded size), not by a list
that grows with the tree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max

from coso.members.models import IN_PARTY, Member
from coso.oversight.models import (
    CaseSource,
    CaseStatus,
    DisciplineDecision,
    ViolationCase,
    ViolationItem,
)
from coso.oversight.regulation37 import install_catalogues

CHUNK = 5_000
SOURCES = [
    (CaseSource.INSPECTION, 40),
    (CaseSource.SUPERVISION, 15),
    (CaseSource.PETITION, 20),
    (CaseSource.SELF_REPORT, 15),
    (CaseSource.PRESS, 5),
    (CaseSource.OTHER, 5),
]


def _pick(rng: np.random.Generator, table: list[tuple[Any, int]], n: int) -> list[Any]:
    weights = np.array([w for _v, w in table], dtype=float)
    idx = rng.choice(len(table), size=n, p=weights / weights.sum())
    return [table[i][0] for i in idx]


def generate_cases(
    *, day: dt.date, seed: int, per_year: float = 0.002, years: int = 3
) -> dict[str, int]:
    """Write the cases and decisions; returns how many of each."""
    install_catalogues()
    rng = np.random.default_rng(seed * 7919 + 37)
    top = Member.objects.aggregate(top=Max("pk"))["top"] or 0
    if not top:
        return {"cases": 0, "decisions": 0}
    wanted = round(Member.objects.filter(status__in=IN_PARTY).count() * per_year * years)
    # Draw more ids than needed: some are ended members (skipped), each id at most once.
    drawn = rng.choice(top, size=min(top, wanted * 2 + 10), replace=False) + 1
    items = list(ViolationItem.objects.filter(catalogue__code="37-QĐ/TW").order_by("order"))
    span = years * 365
    made_cases = made_decisions = 0
    with transaction.atomic():
        for start in range(0, len(drawn), CHUNK):
            if made_cases >= wanted:
                break
            ids = sorted(int(i) for i in drawn[start : start + CHUNK])
            rows = list(
                Member.objects.filter(pk__in=ids, status__in=IN_PARTY, home_unit__isnull=False)
                .order_by("pk")
                .values_list("pk", "home_unit_id")[: wanted - made_cases]
            )
            n = len(rows)
            if not n:
                continue
            ago = rng.integers(30, span, size=n)
            delay = rng.integers(5, 90, size=n)
            sources = _pick(rng, SOURCES, n)
            outcome = rng.random(size=n)
            form_draw = rng.random(size=n)
            decide_after = rng.integers(15, 120, size=n)
            item_of = rng.integers(0, len(items), size=n) if items else None
            cases = []
            for i, (member_id, unit_id) in enumerate(rows):
                opened = day - dt.timedelta(days=int(ago[i]))
                violated = opened - dt.timedelta(days=int(delay[i]))
                decided = min(day, opened + dt.timedelta(days=int(decide_after[i])))
                recent = (day - opened).days < 60
                status = (
                    CaseStatus.OPEN
                    if recent and outcome[i] < 0.6
                    else CaseStatus.CLOSED
                    if outcome[i] > 0.85
                    else CaseStatus.DECIDED
                )
                cases.append(
                    ViolationCase(
                        member_id=member_id,
                        handling_unit_id=unit_id,
                        source=sources[i],
                        title="Vi phạm (dữ liệu tổng hợp)",
                        facts="Dữ liệu sinh tự động cho kiểm thử quy mô toàn quốc.",
                        violated_on=violated,
                        opened_on=opened,
                        status=status,
                        closed_on=None if status == CaseStatus.OPEN else decided,
                        conclusion="Không đến mức kỷ luật." if status == CaseStatus.CLOSED else "",
                    )
                )
            created = ViolationCase.objects.bulk_create(cases, batch_size=1000)
            if items and item_of is not None:
                through = ViolationCase.items.through
                through.objects.bulk_create(
                    [
                        through(violationcase_id=c.pk, violationitem_id=items[int(item_of[i])].pk)
                        for i, c in enumerate(created)
                    ],
                    batch_size=1000,
                )
            decisions = []
            for i, case in enumerate(created):
                if case.status != CaseStatus.DECIDED or case.closed_on is None:
                    continue
                form, years_limit = ("warning", 10) if form_draw[i] < 0.35 else ("reprimand", 5)
                decisions.append(
                    DisciplineDecision(
                        case_id=case.pk,
                        member_id=case.member_id,
                        form=form,
                        body_id=case.handling_unit_id,
                        decided_on=case.closed_on,
                        limitation_years=years_limit,
                        limitation_from=case.violated_on,
                        limitation_ends=case.violated_on.replace(
                            year=case.violated_on.year + years_limit,
                            day=min(case.violated_on.day, 28),
                        ),
                    )
                )
            DisciplineDecision.objects.bulk_create(decisions, batch_size=1000)
            made_cases += len(created)
            made_decisions += len(decisions)
    return {"cases": made_cases, "decisions": made_decisions}
