"""Shared builders for the follow-through tests, on the cast's tree (tests/cast.py):

P province ── C commune ── B branch (G group), B2 branch
           └─ C2 commune ── BC2 branch
Q province ── QC commune ── QB branch
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.core.dates import today
from coso.followup import operations as ops
from coso.followup.models import Directive, Implementation, Step

TERMS = ops.Terms(study_days=30, plan_days=45, report_every_months=6, reports=2)
# Cascaded 60 days ago: the study session (30 days) and the plan (45) are due already, the two
# progress reports (6 and 12 months) are not.
AGO = 60


def cascade_day() -> dt.date:
    return today() - dt.timedelta(days=AGO)


def register(cast: Any, number: str = "21-NQ/TW", owner: Any = None) -> Directive:
    return ops.register_directive(
        owner=owner or cast.P,
        kind="resolution",
        number=number,
        issued_on=cascade_day() - dt.timedelta(days=10),
        issuer="Ban Chấp hành Trung ương",
        title="Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
        actor=cast.officer,
    )


def cascaded(
    cast: Any, number: str = "21-NQ/TW", kinds: tuple[str, ...] = ("branch",)
) -> Directive:
    directive = register(cast, number)
    ops.cascade_directive(directive, cast.P, kinds, cascade_day(), TERMS, actor=cast.officer)
    return directive


def step_of(directive: Directive, code: str, kind: str, seq: int = 0) -> Step:
    return Step.objects.get(
        implementation__directive=directive, implementation__unit__code=code, kind=kind, seq=seq
    )


def record_of(directive: Directive, code: str) -> Implementation:
    return Implementation.objects.get(directive=directive, unit__code=code)


def matrix_directive(cast: Any) -> tuple[int, int, int]:
    """For the API matrix: a resolution registered at P (issued 16/06/2022), with a PDF file,
    cascaded to P's branches on 10/05/2024; its id, the id of B's study step and the file's.
    The file goes under settings.VAR_DIR (callers point it to a folder of their own)."""
    directive = ops.register_directive(
        owner=cast.P,
        kind="resolution",
        number="21-NQ/TW",
        issued_on=dt.date(2022, 6, 16),
        issuer="Ban Chấp hành Trung ương",
        title="Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
    )
    attachment = ops.attach_file(directive, name="21-NQ-TW.pdf", data=b"%PDF-1.4\n%%EOF\n")
    ops.cascade_directive(directive, cast.P, ["branch"], dt.date(2024, 5, 10), TERMS)
    return directive.pk, step_of(directive, "B", "study").pk, attachment.pk
