"""`coso generate` adds violation cases and discipline decisions in a realistic proportion
(about 0.2 % of members a year over three years), deterministic for a seed, readable through
the same queries as the pages."""

from __future__ import annotations

from django.db.models import F

from coso.demo.generate import ROOT_CODE, generate_dataset
from coso.members.models import IN_PARTY, Member
from coso.oversight.models import CaseStatus, DisciplineDecision, ViolationCase
from coso.oversight.queries import cases_in_subtree
from coso.units.models import Unit


def test_generated_cases_are_in_proportion_and_consistent() -> None:
    result = generate_dataset(members=3000, seed=4, progress=False)
    in_party = Member.objects.filter(status__in=IN_PARTY).count()
    cases = ViolationCase.objects.count()
    assert result["oversight"]["cases"] == cases
    assert round(in_party * 0.002 * 3) - 2 <= cases <= round(in_party * 0.002 * 3)
    assert cases > 0
    decided = ViolationCase.objects.filter(status=CaseStatus.DECIDED).count()
    assert DisciplineDecision.objects.count() == decided == result["oversight"]["decisions"] > 0
    # Each case is handled by the member's home branch; each decision by that body.
    assert not ViolationCase.objects.exclude(handling_unit=F("member__home_unit")).exists()
    assert not DisciplineDecision.objects.exclude(body=F("case__handling_unit")).exists()
    assert set(DisciplineDecision.objects.values_list("form", flat=True)) <= {
        "reprimand",
        "warning",
    }
    listed = cases_in_subtree(Unit.objects.get(code=ROOT_CODE))
    assert listed.count == cases
