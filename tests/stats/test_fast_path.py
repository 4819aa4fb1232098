"""The root's figures from DailyDelta equal the figures counted from the spans, on random data."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.dates import FAR_FUTURE
from coso.members.models import ExternalRole, Participation, Position
from coso.stats.models import DailyDelta
from coso.stats.queries import stats_as_of, stats_from_spans
from coso.stats.tally import rebuild_all, refresh_days, refresh_side_rows
from coso.units.models import Unit, UnitSpan, format_tags

from .helpers import D, member, unit

START, END = D(2015, 1, 1), D(2026, 1, 1)
TAGS = ["residential", "village", "agency", "border"]
CHILD_KINDS = {
    "province": ["district", "grassroots_committee", "grassroots_branch"],
    "district": ["grassroots_committee", "grassroots_branch"],
    "grassroots_committee": ["branch"],
}


def _date_after(data: st.DataObject, after: dt.date) -> dt.date:
    return data.draw(st.dates(min_value=min(after, END), max_value=END))


def _build(data: st.DataObject) -> tuple[Unit, list[dt.date]]:
    """A random registry under one root, and the days on which units end."""
    root = unit("R", "province", None, on=START)
    units: list[tuple[Unit, str, dt.date]] = [(root, "province", START)]
    for i in range(data.draw(st.integers(1, 8))):
        parent, parent_kind, parent_start = data.draw(
            st.sampled_from([u for u in units if u[1] in CHILD_KINDS])
        )
        kind = data.draw(st.sampled_from(CHILD_KINDS[parent_kind]))
        on = _date_after(data, parent_start)
        tags = data.draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))
        units.append((unit(f"U{i}", kind, parent, on=on, tags=tags), kind, on))
    homes = [(u, on) for u, kind, on in units if kind in ("branch", "grassroots_branch")]
    if not homes:
        return root, []
    # Some branches end (dissolved): their members leave first, posts held there stay open.
    ends: dict[int, dt.date] = {}
    for u, unit_start in data.draw(st.lists(st.sampled_from(homes), max_size=2, unique=True)):
        if unit_start < END:
            ends[u.pk] = data.draw(
                st.dates(min_value=unit_start + dt.timedelta(days=1), max_value=END)
            )

    for _ in range(data.draw(st.integers(0, 12))):
        u, unit_start = data.draw(st.sampled_from(homes))
        limit = ends.get(u.pk, FAR_FUTURE)
        a = _date_after(data, unit_start)
        b = data.draw(st.one_of(st.just(FAR_FUTURE), st.dates(min_value=a, max_value=END)))
        if b <= a:
            b = FAR_FUTURE
        b = min(b, limit)
        if b <= a:
            continue
        spans: list = [(u, a, b, data.draw(st.sampled_from(["probationary", "official"])))]
        later = [(v, s) for v, s in homes if s <= b and v.pk not in ends]
        if b != FAR_FUTURE and later and data.draw(st.booleans()):  # a second period
            v, _ = data.draw(st.sampled_from(later))
            spans.append((v, b, FAR_FUTURE, "official"))
        m = member(spans, exempt=data.draw(st.booleans()), in_transit=data.draw(st.booleans()))
        if data.draw(st.booleans()):
            where, where_start = data.draw(st.sampled_from([(x[0], x[2]) for x in units]))
            p_from = _date_after(data, max(a, where_start))
            Participation.objects.create(member=m, unit=where, kind="activity", valid_from=p_from)
            Position.objects.create(
                member=m, unit=where, role="committee_member", valid_from=p_from
            )
            if data.draw(st.booleans()):
                ExternalRole.objects.create(member=m, title="Đại biểu HĐND", valid_from=p_from)
            refresh_side_rows([m.pk])  # written directly, as a loader would

    for pk, end in ends.items():
        Unit.objects.filter(pk=pk).update(valid_to=end)
        UnitSpan.objects.filter(unit_id=pk).update(valid_to=end)
        refresh_days([end])
    homes = [(u, s) for u, s in homes if u.pk not in ends]

    # Retag some branches on a date: the old span closes, a new one opens (as operations do).
    for u, unit_start in (
        data.draw(st.lists(st.sampled_from(homes), max_size=2, unique=True)) if homes else []
    ):
        old = UnitSpan.objects.filter(unit=u, valid_to=FAR_FUTURE).get()
        on = _date_after(data, unit_start)
        if on <= old.valid_from:
            continue
        UnitSpan.objects.filter(pk=old.pk).update(valid_to=on)
        old.pk = None
        old.valid_from, old.valid_to = on, FAR_FUTURE
        old.tags = format_tags(data.draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)))
        old.save()
        refresh_days([on])
    return root, sorted(ends.values())


def test_root_fast_path_equals_spans_on_random_data() -> None:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        with transaction.atomic():
            root, ends = _build(data)
            incremental = set(DailyDelta.objects.values_list("day", "metric", "delta"))
            rebuild_all()
            assert set(DailyDelta.objects.values_list("day", "metric", "delta")) == incremental
            days = data.draw(st.lists(st.dates(min_value=START, max_value=END), max_size=6))
            for day in [START, END, *ends, *days]:
                assert stats_as_of(root, day) == stats_from_spans(root, day), day
                # Both ways of finding participation and "outside" figures agree, for any unit.
                for span in UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day):
                    by_members = stats_from_spans(span.unit, day, plan="members")
                    assert stats_from_spans(span.unit, day, plan="side") == by_members

            transaction.set_rollback(True)

    check()
