"""The root's tracking tally answers exactly what the live roll-up answers, through reports,
corrections, new units, a cascade to them and a reorganization."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.core.dates import today
from coso.followup import operations as ops
from coso.followup import tally
from coso.followup.models import Step, TallyStamp
from coso.followup.queries import tracking
from coso.units.operations import create_unit, move_unit
from coso.units.queries import span_on
from tests.followup.helpers import TERMS, cascade_day, cascaded, register, step_of


def _figures(report):
    def row(r):
        return (
            r.code,
            r.own,
            r.units,
            r.overdue_units,
            {k: dict(v.counts) for k, v in r.steps.items()},
        )

    return [row(r) for r in report.rows], row(report.total)


def _live(directive, unit, day=None):
    """The live roll-up: the same call with the tally's stamp out of the way."""
    stamp = TallyStamp.objects.filter(directive=directive).first()
    TallyStamp.objects.filter(directive=directive).delete()
    try:
        return tracking(directive, unit, day=day)
    finally:
        if stamp is not None:
            stamp.save()


def _assert_same(directive, unit, day=None):
    assert tally.usable(directive, span_on(unit, day or today()), day or today())
    assert _figures(tracking(directive, unit, day=day)) == _figures(_live(directive, unit, day))


def test_the_tally_matches_the_live_roll_up_through_reports_and_corrections(cast):
    directive = cascaded(cast, kinds=("branch", "commune", "province"))
    _assert_same(directive, cast.P)
    rng = random.Random(5)
    steps = list(Step.objects.filter(implementation__directive=directive))
    on = cascade_day()
    for _ in range(25):
        step = rng.choice(steps)
        day = on + dt.timedelta(days=rng.randint(0, 59))
        ops.report_step(step, done_on=day)  # first report or a correction (earlier or later)
        _assert_same(directive, cast.P)
    # Judged on other days: overdue and pending follow from the due dates.
    for ahead in (0, 30, 200, 400):
        _assert_same(directive, cast.P, today() + dt.timedelta(days=ahead))
    assert _figures(tracking(directive, cast.P))[1][2] == 6  # P, C, C2, B, B2, BC2


def test_the_root_reads_a_few_tally_rows(cast, django_assert_max_num_queries):
    directive = cascaded(cast)
    with django_assert_max_num_queries(8):
        report = tracking(directive, cast.P)
    assert report.total.units == 3


def test_new_units_and_a_cascade_to_them_are_counted(cast):
    directive = cascaded(cast)
    commune = create_unit(code="X", name="Xã X", kind="commune", parent=cast.P, on=cascade_day())
    create_unit(code="X-1", name="Chi bộ X-1", kind="branch", parent=commune, on=cascade_day())
    ops.cascade_directive(directive, cast.P, ["branch"], cascade_day(), TERMS, skip_existing=True)
    _assert_same(directive, cast.P)
    assert tracking(directive, cast.P).total.units == 4


def test_a_reorganization_drops_the_tally_until_rebuilt(cast):
    directive = cascaded(cast)
    ops.report_step(
        Step.objects.filter(
            implementation__directive=directive, implementation__unit__code="B2", kind="study"
        ).get(),
        done_on=cascade_day() + dt.timedelta(days=3),
    )
    move_unit(cast.B2, parent=cast.C2, on=today())  # B2 now under C2
    assert not TallyStamp.objects.filter(directive=directive).exists()
    live = tracking(directive, cast.P)  # computed live meanwhile
    c2 = next(r for r in live.rows if r.code == "C2")
    assert c2.units == 2 and c2.steps["study"].counts["done"] == 1
    assert "Đã đếm lại" in tally.rebuild_stale(today())
    _assert_same(directive, cast.P)


def test_a_reorganization_dated_ahead_turns_the_tally_off_from_its_day(cast):
    directive = cascaded(cast)
    ahead = today() + dt.timedelta(days=10)
    move_unit(cast.B2, parent=cast.C2, on=ahead)
    tally.rebuild_directive(directive)  # built on today's tree
    assert tally.usable(directive, span_on(cast.P, today()), today())
    assert not tally.usable(directive, span_on(cast.P, ahead), ahead)
    later = tracking(directive, cast.P, day=ahead)  # live on that day: B2 under C2
    assert next(r for r in later.rows if r.code == "C2").units == 2
    assert dataclasses.asdict(later.total)["units"] == 3


def _live_reminders(unit, day=None, limit=10):
    """The home page's reminders as read without the tallies."""
    from coso.followup.queries import reminders

    kept = list(TallyStamp.objects.all())
    TallyStamp.objects.all().delete()
    try:
        return reminders(unit, day, limit=limit)
    finally:
        for stamp in kept:
            stamp.save()


def test_home_reminders_of_a_root_and_its_children_come_from_the_tallies_exactly(cast):
    """The home page's reminder counts of P and of its communes read the tallies; they equal
    the live counts through reports, on several days, and fall back to live without a tally."""
    from coso.followup.queries import reminders

    first = cascaded(cast, kinds=("branch", "commune"))
    second = cascaded(cast, "22-NQ/TW", kinds=("branch",))
    horizon_days = [today(), today() + dt.timedelta(days=3), today() + dt.timedelta(days=200)]

    def same(unit, day):
        assert tally.reminder_tally(span_on(unit, day), day, 5, wanted=10) is not None
        got, want = reminders(unit, day), _live_reminders(unit, day)
        assert (got.overdue, got.soon) == (want.overdue, want.soon), (unit.code, day)
        assert [r.step.pk for r in got.items] == [r.step.pk for r in want.items]

    rng = random.Random(11)
    steps = list(Step.objects.filter(implementation__directive__in=[first, second]))
    for round_ in range(8):
        for unit in (cast.P, cast.C, cast.C2):
            for day in horizon_days:
                same(unit, day)
        step = rng.choice(steps)
        ops.report_step(step, done_on=cascade_day() + dt.timedelta(days=round_ * 5))
    assert reminders(cast.C, today()).overdue > 0
    # A directive with records and no tally for P: the live count answers.
    TallyStamp.objects.filter(directive=second).delete()
    assert tally.reminder_tally(span_on(cast.C, today()), today(), 5, wanted=10) is None
    # Below a child of the root (a branch): always live, read from the subtree's own records
    # (raw SQL driven from the subtree), equal to the definition in the ORM.
    assert tally.reminder_tally(span_on(cast.B, today()), today(), 5, wanted=10) is None
    from coso.followup.queries import REMINDER_CAP
    from coso.units.queries import subtree_spans

    for unit in (cast.B, cast.C):
        for day in horizon_days:
            got = reminders(unit, day)
            open_ = Step.objects.filter(
                implementation__unit__in=subtree_spans(span_on(unit, day), day).values("unit_id"),
                done_on__isnull=True,
                due__lt=day + dt.timedelta(days=got.horizon + 1),
            )
            overdue, soon = open_.filter(due__lt=day), open_.filter(due__gte=day)
            assert got.overdue == min(overdue.count(), REMINDER_CAP + 1)
            assert got.soon == min(soon.count(), REMINDER_CAP + 1)
            assert [r.step.pk for r in got.items] == list(
                open_.order_by("due", "pk").values_list("pk", flat=True)[:10]
            )
    assert reminders(cast.B, horizon_days[-1]).items


def test_a_child_of_the_root_finds_its_first_reminders_the_way_the_tallies_say_is_shorter(
    cast, django_assert_max_num_queries
):
    """A child of the root lists its first open steps by walking the due-date index only
    between the due dates the tallies give for them, and only when that walk should pass fewer
    steps than a read of its own records; with nothing open it reads no step at all (the walk
    of a province with nothing open passed every open step of the country: 2.1 s)."""
    from coso.followup.queries import reminders

    directive = cascaded(cast)  # B, B2 under C and BC2 under C2: study and plan overdue
    for kind in ("study", "plan"):
        ops.report_step(step_of(directive, "BC2", kind), done_on=today())

    def read(unit, limit):
        with CaptureQueriesContext(connection) as queries:
            got = reminders(unit, limit=limit)
        want = _live_reminders(unit, limit=limit)
        assert (got.overdue, got.soon) == (want.overdue, want.soon)
        assert [r.step.pk for r in got.items] == [r.step.pk for r in want.items]
        steps = [q["sql"] for q in queries if re.search(r"\bfollowup_step\b", q["sql"])]
        walks = [sql for sql in steps if 'ORDER BY "followup_step"."due"' in sql]
        below = [sql for sql in steps if "CROSS JOIN followup_step" in sql]
        return got, walks, below

    got, walks, below = read(cast.C2, 10)  # nothing open: nothing to walk to
    assert got.total == 0 and not got.items and not walks and not below
    # Four open steps under C, fewer than asked: a walk would pass every open step of the
    # root due between the first and the last of them (four here), and C has eight steps in
    # all: read from C's records.
    got, walks, below = read(cast.C, 10)
    assert len(got.items) == 4 and below and not walks
    # The first one only: half of the two due on the study's date, against eight: walked.
    got, walks, below = read(cast.C, 1)
    assert len(got.items) == 1 and walks and not below
    assert got.items[0].step == step_of(directive, "B", "study")
    with django_assert_max_num_queries(12):
        reminders(cast.C2)


def test_a_read_from_the_subtree_looks_only_at_the_directives_and_kinds_the_tallies_name(cast):
    """When the first reminders are read from the subtree's records (a province's: tens of
    thousands), only the records of the directives with steps not done in the due dates the
    tallies give, and only the steps of their kinds, are read; the reminders are the live
    ones all the same."""
    from coso.followup.queries import reminders

    for n in range(10):  # open steps elsewhere due on the same day make the walk the longer way
        create_unit(
            code=f"C2-{n}", name=f"Chi bộ C2-{n}", kind="branch", parent=cast.C2, on=cascade_day()
        )
    first = cascaded(cast)  # study due 30 days ago, plan 15 days ago
    later = register(cast, "22-NQ/TW")
    ops.cascade_directive(later, cast.P, ["branch"], today() - dt.timedelta(days=20), TERMS)
    for limit in (2, 4, 10):
        with CaptureQueriesContext(connection) as queries:
            got = reminders(cast.C, limit=limit)
        want = _live_reminders(cast.C, limit=limit)
        assert (got.overdue, got.soon) == (want.overdue, want.soon) == (4, 2)
        assert [r.step.pk for r in got.items] == [r.step.pk for r in want.items]
        below = [q["sql"] for q in queries if "CROSS JOIN followup_step" in q["sql"]]
        assert len(below) == 1, limit
        if limit == 2:  # B's and B2's study steps of the first directive
            assert f"i.directive_id IN ({first.pk})" in below[0]
            assert "s.kind IN ('study')" in below[0]
        if limit == 10:  # both directives, the study steps and the plans
            assert f"i.directive_id IN ({first.pk}, {later.pk})" in below[0]
            assert "s.kind IN ('plan', 'study')" in below[0]
