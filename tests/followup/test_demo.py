"""The demo's directives (coso.followup.demo), on a small province with the demo's code: both
documents reach every branch once, and their steps are on time, late and overdue in turn.
(tests/demo loads the whole demo and checks that the seed's figures stay as they were.)"""

from __future__ import annotations

import datetime as dt

from coso.core.dates import today
from coso.followup.demo import load_directives
from coso.followup.models import Directive, Implementation, LocalTarget, Step
from coso.followup.queries import reminders, tracking
from coso.meetings.models import Meeting, Resolution
from coso.units.models import Unit
from coso.units.operations import create_unit

START = dt.date(2020, 1, 6)


def _province() -> Unit:
    province = create_unit(code="44", name="Đảng bộ tỉnh", kind="province", parent=None, on=START)
    commune = create_unit(
        code="19111", name="Đảng bộ xã Hoàn Lão", kind="commune", parent=province, on=START
    )
    for n in range(1, 41):
        create_unit(
            code=f"19111-CB{n:02d}", name=f"Chi bộ {n}", kind="branch", parent=commune, on=START
        )
    return province


def test_two_directives_reach_every_branch_with_realistic_lateness():
    province = _province()
    branch = Unit.objects.get(code="19111-CB01")
    meeting = Meeting.objects.create(
        unit=branch, kind="thematic", form="in_person", on=dt.date(2025, 9, 5), status="held"
    )
    Resolution.objects.create(
        meeting=meeting,
        unit=branch,
        year=today().year,
        number=1,
        title="Nghị quyết",
        votes_for=3,
        adopted_on=meeting.on,
    )
    report = load_directives(seed=2)
    assert report.directives == 2 and report.records == 80
    assert Implementation.objects.filter(directive__number="50-CT/TW").count() == 40
    old = tracking(Directive.objects.get(number="50-CT/TW"), province).total
    for kind in ("study", "plan", "report"):
        counts = old.steps[kind].counts
        assert counts["done"] and counts["late"], (kind, counts)
        assert counts["pending"] == 0
    assert old.steps["report"].counts["overdue"] > 0
    recent = tracking(Directive.objects.get(number="DEMO-15-KH/TU"), province).total
    assert recent.steps["plan"].counts["pending"] > 0  # due within the reminder window
    assert reminders(province).soon > 0 and reminders(province).overdue > 0
    # The only root counts by its records' units; below it, by the subtree: the same here.
    commune = reminders(Unit.objects.get(code="19111"))
    assert (commune.overdue, commune.soon) == (
        reminders(province).overdue,
        reminders(province).soon,
    )
    linked = Step.objects.filter(meeting=meeting)
    assert all(s.done_on == meeting.on for s in linked)
    assert LocalTarget.objects.filter(resolution__unit=branch).count() == 2
