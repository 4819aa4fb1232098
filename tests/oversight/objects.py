"""Objects shared by the oversight tests and the API matrix (tests/api/matrix_api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.cast import Cast


def matrix_cases(cast: Cast) -> dict[str, Any]:
    """A case against CAST-B1 handled by commune C (`case_c`), and one against CAST-B2
    handled by branch B with a reprimand decided by B (`discipline_decision`) under a pending
    appeal (`appeal`)."""
    from coso.members.models import Member
    from coso.oversight import operations as ops

    b1 = Member.objects.get(member_id="CAST-B1")
    b2 = Member.objects.get(member_id="CAST-B2")
    day = dt.date(2024, 5, 10)
    above = ops.open_case(
        subject=b1,
        handling_unit=cast.C,
        source="inspection",
        title="Vi phạm quy định (ma trận)",
        facts="Nội dung",
        violated_on=day,
        opened_on=day,
    )
    own = ops.open_case(
        subject=b2,
        handling_unit=cast.B,
        source="self_report",
        title="Vi phạm khác (ma trận)",
        facts="Nội dung",
        violated_on=day,
        opened_on=day,
    )
    decision = ops.decide_discipline(
        own, form="reprimand", body=cast.B, on=day + dt.timedelta(days=10), decision=None
    )
    appeal = ops.lodge_appeal(decision, lodged_on=day + dt.timedelta(days=20), grounds="x")
    return {"case_c": above.pk, "discipline_decision": decision.pk, "appeal": appeal.pk}
