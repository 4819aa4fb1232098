"""`coso generate` adds households, responsibilities, visits and petitions in the seed's
proportions, and the outreach reads answer on it in a bounded number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from coso.core.dates import today
from coso.demo.generate import ROOT_CODE, generate_dataset
from coso.members.models import MemberSpan
from coso.outreach import tally
from coso.outreach.models import Petition, PetitionStep
from coso.outreach.queries import (
    _coverage_everywhere,
    household_coverage,
    households_in,
    overdue_view,
    petitions_in,
)
from coso.units.models import Unit, UnitSpan


def test_generate_writes_outreach_in_proportion(
    db: Any, django_assert_max_num_queries: Any
) -> None:
    result = generate_dataset(members=600, seed=5, progress=False)
    day = today()
    residential = UnitSpan.objects.filter(
        Q(tags__contains=";village;") | Q(tags__contains=";residential;"),
        valid_from__lte=day,
        valid_to__gt=day,
    ).values("unit_id")
    looking_after = {
        m
        for m in MemberSpan.objects.filter(
            unit__in=residential, valid_from__lte=day, valid_to__gt=day
        ).values_list("member_id", flat=True)
        if m % 5 == 0
    }
    assert looking_after, "the dataset has members in village or residential branches"
    assert result["outreach"]["households"] == 5 * len(looking_after)
    assert result["outreach"]["responsibilities"] == 4 * len(looking_after)
    communes = UnitSpan.objects.filter(kind="commune", valid_from__lte=day, valid_to__gt=day)
    assert Petition.objects.count() == 24 * communes.count() == PetitionStep.objects.count()
    root = Unit.objects.get(code=ROOT_CODE)
    with django_assert_max_num_queries(6):  # the root's own counts: no span of the tree read
        coverage = household_coverage(root, day)
    assert coverage["responsible_members"] == len(looking_after)
    assert coverage["households"] == 5 * len(looking_after)
    assert coverage["without_member"] == len(looking_after)
    assert 0 < coverage["visited_this_quarter"] < coverage["households"]
    # Read from the tally the generator rebuilt, equal to the live count.
    assert tally.read(day) is not None
    assert coverage == _coverage_everywhere(root, day)
    with django_assert_max_num_queries(4):
        view = overdue_view(root, day)
    opened = Petition.objects.filter(status="open").count()
    assert view.total.open == opened
    assert view.total.overdue == Petition.objects.filter(status="open", due_on__lt=day).count() > 0
    # The only root covers everything: its lists need no semi-join over the tree.
    assert households_in(root, day).count() == coverage["households"]
    assert petitions_in(root).count() == Petition.objects.count()
    assert Petition.objects.filter(category="land").count() > Petition.objects.count() / 2
