"""`coso generate` extends the registry with directives cascaded to every branch and the last
two years' classifications, and the root's tallies answer what the live counts answer."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from coso.core.dates import today
from coso.demo.generate import generate_dataset
from coso.followup.models import Directive, Implementation, Step, TallyStamp
from coso.followup.queries import tracking
from coso.quality.models import Classification, LevelTallyStamp
from coso.quality.queries import classification_summary
from coso.units.models import HOME_KINDS, Unit, UnitSpan


def test_extras_cascade_to_every_branch_and_classify_two_years() -> None:
    generate_dataset(members=2000, seed=3, progress=False)
    out = StringIO()
    call_command("generate", extras_only=True, quiet=True, stdout=out)
    assert "Văn bản: 2 văn bản" in out.getvalue()
    day = today()
    branches = UnitSpan.objects.filter(
        parent__isnull=False, kind__in=HOME_KINDS, valid_from__lte=day, valid_to__gt=day
    ).count()
    for directive in Directive.objects.all():
        assert Implementation.objects.filter(directive=directive).count() == branches
        assert TallyStamp.objects.filter(directive=directive).exists()
    steps = Step.objects.count()
    done = Step.objects.filter(done_on__isnull=False).count()
    assert 0.3 * steps < done < 0.95 * steps  # reported as branches would: some never
    years = sorted(set(Classification.objects.values_list("year", flat=True)))
    assert years == [day.year - 2, day.year - 1]
    assert Classification.objects.filter(member__isnull=False, year=day.year - 1).count() > 1000
    # The root's figures from the tallies equal the live ones.
    root = Unit.objects.get(code="TW")
    directive = Directive.objects.order_by("pk").first()
    from_tally = tracking(directive, root)
    TallyStamp.objects.all().delete()
    live = tracking(directive, root)
    assert [(r.code, r.units, r.overdue_units) for r in from_tally.rows] == [
        (r.code, r.units, r.overdue_units) for r in live.rows
    ]
    assert from_tally.total.steps["study"].counts == live.total.steps["study"].counts
    for year in years:
        assert LevelTallyStamp.objects.filter(year=year).exists()
        summed = classification_summary(root, year)
        LevelTallyStamp.objects.filter(year=year).delete()
        assert classification_summary(root, year) == summed
        assert summed["members"]["good"] > 0
    # Run again: nothing added twice.
    call_command("generate", extras_only=True, quiet=True, stdout=StringIO())
    assert Directive.objects.count() == 2
    assert sorted(set(Classification.objects.values_list("year", flat=True))) == years
