"""The whole 2025 reform through the engine: `coso generate --before-reform`, then the plan
built from converter_2025.json, applied by `coso reorg apply`, reaches the tree that
`coso generate` writes directly, applied set-wise, with every member kept."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from coso.core.dates import FAR_FUTURE
from coso.demo.generate import REFORM_DAY, ROOT_CODE, generate_dataset
from coso.demo.national_plan import DECISION
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.stats.queries import stats_as_of, stats_from_spans
from coso.units import plans
from coso.units.models import Unit, UnitSpan

MEMBERS = 2000
EVE = REFORM_DAY - dt.timedelta(days=1)


def tree_on(day: dt.date) -> dict[str, tuple[str, str, str | None, str]]:
    return {
        s.unit.code: (s.name, s.kind, s.parent.code if s.parent else None, s.tags)
        for s in UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related(
            "unit", "parent"
        )
    }


def members_on(day: dt.date) -> Counter[Any]:
    """Members by status and home unit valid on `day`."""
    return Counter(
        MemberSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).values_list(
            "status", "unit__code"
        )
    )


def test_before_reform_stops_on_the_eve_of_the_reform() -> None:
    generate_dataset(members=MEMBERS, seed=5, progress=False, before_reform=True)
    assert not UnitSpan.objects.filter(valid_from__gte=REFORM_DAY).exists()
    assert not UnitSpan.objects.filter(valid_to__lt=FAR_FUTURE).exists()
    assert not MemberEvent.objects.filter(effective_on__gte=REFORM_DAY).exists()
    assert not MemberSpan.objects.filter(valid_from__gte=REFORM_DAY).exists()
    assert MemberSpan.objects.filter(valid_from__lte=EVE, valid_to__gt=EVE).count() == MEMBERS
    assert Member.objects.filter(status__in=["probationary", "official"]).count() == MEMBERS
    assert UnitSpan.objects.filter(kind="district").count() >= 34


def test_the_plan_reaches_the_tree_generate_writes(tmp_path: Path, monkeypatch: Any) -> None:
    with transaction.atomic():
        generate_dataset(members=MEMBERS, seed=5, progress=False)
        expected = tree_on(REFORM_DAY)
        transaction.set_rollback(True)
    generate_dataset(members=MEMBERS, seed=5, progress=False, before_reform=True)
    before = members_on(REFORM_DAY)
    plan = tmp_path / "reform.csv"
    out = StringIO()
    call_command("reorg_national_plan", str(plan), stdout=out)
    assert "coso reorg apply" in out.getvalue()
    row_engine = plans._apply_rows
    monkeypatch.setattr(plans, "_apply_rows", lambda *a, **k: pytest.fail("handed over"))
    report = plans.apply_plan(
        plan,
        on=REFORM_DAY,
        decision_number=DECISION[0],
        decision_date=DECISION[1],
        progress=False,
    )
    monkeypatch.setattr(plans, "_apply_rows", row_engine)
    assert report.rows == len(plan.read_text(encoding="utf-8").splitlines()) - 1
    assert tree_on(REFORM_DAY) == expected
    assert tree_on(EVE) != expected
    # Every member stays, at the same home branch (branches move, none is merged).
    assert members_on(REFORM_DAY) == before
    assert report.members_rehomed == 0
    root = Unit.objects.get(code=ROOT_CODE)
    for day in (EVE, REFORM_DAY):
        assert stats_as_of(root, day) == stats_from_spans(root, day), day
    assert stats_as_of(root, REFORM_DAY)["members"]["total"] == MEMBERS
    assert stats_as_of(root, REFORM_DAY)["members"] == stats_as_of(root, EVE)["members"]
