"""The demo's cases and decisions (coso.oversight.demo), on a small commune with the demo's
code: the handful of cases, each decision in force with its effect and audit entry, the appeal
upheld, the open and closed cases; a merged commune is followed to the one it joined.
(tests/demo loads the whole demo and checks that the seed's figures stay as they were.)"""

from __future__ import annotations

import datetime as dt

from coso.audit.models import AuditEntry
from coso.core.dates import today
from coso.members.models import Member, Position
from coso.members.operations import admit_member, assign_position, recognize_member
from coso.oversight.demo import load_oversight
from coso.oversight.models import (
    Appeal,
    CaseStatus,
    DisciplineDecision,
    InspectionPlan,
    ViolationCase,
)
from coso.units.operations import create_unit, merge_units

START = dt.date(2018, 1, 8)


def _commune() -> None:
    province = create_unit(code="44", name="Đảng bộ tỉnh", kind="province", parent=None, on=START)
    old = create_unit(
        code="19111", name="Đảng bộ Hoàn Lão", kind="commune", parent=province, on=START
    )
    new = create_unit(code="NEW", name="Đảng bộ xã mới", kind="commune", parent=province, on=START)
    for n in range(1, 4):
        branch = create_unit(code=f"CB{n}", name=f"Chi bộ {n}", kind="branch", parent=old, on=START)
        for i in range(4):
            member = admit_member(
                member_id=f"D-{n}-{i}",
                full_name=f"Nguyễn Văn {n}{i}",
                gender="male",
                birth_date=dt.date(1980, 1, 1),
                branch=branch,
                admitted_on=dt.date(2019, 3, 1),
            )
            recognize_member(member, decided_on=dt.date(2020, 3, 5))
        assign_position(
            Member.objects.get(member_id=f"D-{n}-0"), branch, "secretary", on=dt.date(2021, 1, 4)
        )
    merge_units(old, into=new, on=dt.date(2025, 7, 1))


def test_the_demo_cases_follow_the_rules() -> None:
    _commune()
    report = load_oversight("19111", seed=3)
    assert (report.cases, report.decisions, report.appeals, report.plans) == (5, 3, 1, 1)
    forms = sorted(DisciplineDecision.objects.values_list("form", flat=True))
    assert forms == ["removal_from_post", "reprimand", "warning"]
    removed = DisciplineDecision.objects.get(form="removal_from_post")
    assert removed.position.valid_to == removed.decided_on <= today()
    assert removed.body.code == "NEW" and removed.decision.number.endswith("-QĐ/ĐU")
    assert not Position.objects.filter(pk=removed.position_id, valid_to__gt=today()).exists()
    assert Appeal.objects.get().outcome == "upheld"
    statuses = sorted(ViolationCase.objects.values_list("status", flat=True))
    assert statuses.count(CaseStatus.DECIDED) == 3
    assert CaseStatus.OPEN in statuses and CaseStatus.CLOSED in statuses
    assert InspectionPlan.objects.get().result
    assert (
        AuditEntry.objects.filter(action__in=["reprimand", "warning", "removal_from_post"]).count()
        == 3
    )
    assert all(not d.statute_expired for d in DisciplineDecision.objects.all())
