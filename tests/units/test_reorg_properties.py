"""Random sequences of reorganizations keep members, keep the tree acyclic, and never rewrite
the past.

Each example builds a small random tree with members, then applies random operations on
non-decreasing dates (the same day may repeat, exercising same-day corrections). After every
step, accepted or refused:
- every member is still counted exactly once, under a root, on the step's date;
- every span's path is its parent's path plus its own id (no cycle, parents exist);
- the answers recorded for earlier dates (tree, names, kinds, tags, member counts under every
  unit, the whole-registry tally) are unchanged.
A refused operation must leave the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.errors import CosoError
from coso.core.rules import rule
from coso.members.models import Member, MemberSpan
from coso.units.models import Unit, UnitEvent, UnitSpan
from coso.units.operations import (
    create_unit,
    dissolve_unit,
    merge_units,
    move_unit,
    rename_unit,
    retag_unit,
    retype_unit,
)
from tests.units.tree import add_members, check_paths, tally

START = dt.date(2000, 1, 1)
KINDS = [
    "commune",
    "grassroots_committee",
    "grassroots_branch",
    "partial_committee",
    "branch",
    "group",
]
TAGS = ["residential", "village", "agency", "border"]
OPS = ["create", "move", "merge", "dissolve", "rename", "retype", "retag"]
OUTCOMES: Counter[str] = Counter()


def answers(day: dt.date) -> dict[str, Any]:
    """The tree and every member count on `day`, computed naively from the rows."""
    spans = {
        s.unit_id: s
        for s in UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related(
            "unit", "parent"
        )
    }
    homes = list(
        MemberSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).values_list(
            "unit_id", "status"
        )
    )
    # Every member's home exists that day.
    assert all(unit_id in spans for unit_id, _ in homes)
    tree = {}
    for span in spans.values():
        under = sum(1 for unit_id, _ in homes if spans[unit_id].path.startswith(span.path))
        parent = span.parent.code if span.parent else None
        tree[span.unit.code] = (span.name, span.kind, parent, span.tags, under)
    return {"tree": tree, "members": len(homes), "tally": tally("members.total", day)}


def fingerprint() -> tuple[int, ...]:
    return (
        UnitSpan.objects.count(),
        MemberSpan.objects.count(),
        UnitEvent.objects.count(),
        Unit.objects.filter(valid_to__lt=dt.date(9999, 12, 31)).count(),
        hash(tuple(UnitSpan.objects.order_by("pk").values_list("valid_to", "path", "name"))),
        hash(tuple(MemberSpan.objects.order_by("pk").values_list("valid_to", "unit_id"))),
    )


def build(data: st.DataObject) -> int:
    """A random tree under a province; returns the number of members."""
    codes = iter(range(1, 10_000))
    members = 0
    root = create_unit(code="P", name="Tỉnh", kind="province", parent=None, on=START)
    for _ in range(data.draw(st.integers(1, 2))):
        district = create_unit(
            code=f"U{next(codes)}", name="Huyện", kind="district", parent=root, on=START
        )
        for _ in range(data.draw(st.integers(1, 2))):
            kind = data.draw(st.sampled_from(["grassroots_committee", "commune"]))
            committee = create_unit(
                code=f"U{next(codes)}", name="Đảng bộ", kind=kind, parent=district, on=START
            )
            for _ in range(data.draw(st.integers(0, 2))):
                branch = create_unit(
                    code=f"U{next(codes)}",
                    name="Chi bộ",
                    kind="branch",
                    parent=committee,
                    on=START,
                    tags=data.draw(st.sets(st.sampled_from(TAGS), max_size=2)),
                )
                n = data.draw(st.integers(0, 3))
                add_members(branch, n, on=START)
                members += n
                if n and data.draw(st.booleans()):
                    group = create_unit(
                        code=f"U{next(codes)}", name="Tổ", kind="group", parent=branch, on=START
                    )
                    add_members(branch, 1, on=START, group=group)
                    members += 1
        if data.draw(st.booleans()):
            lone = create_unit(
                code=f"U{next(codes)}",
                name="Chi bộ cơ sở",
                kind="grassroots_branch",
                parent=district,
                on=START,
            )
            n = data.draw(st.integers(0, 3))
            add_members(lone, n, on=START)
            members += n
    return members


def step(data: st.DataObject, i: int, day: dt.date, live: list[UnitSpan]) -> int:
    """One random operation on `day`; returns the members it added."""
    op = data.draw(st.sampled_from(OPS), label=f"op {i}")
    span = data.draw(st.sampled_from(live), label=f"unit {i}")
    unit = span.unit
    allowed = rule("unit_kinds.allowed_children", day)
    if op in ("move", "merge"):
        fitting = [
            s
            for s in live
            if (span.kind in allowed.get(s.kind, []) if op == "move" else s.kind == span.kind)
        ]
        pool = fitting if fitting and data.draw(st.booleans()) else live
        other = data.draw(st.sampled_from(pool), label=f"other {i}").unit
        if op == "move":
            move_unit(unit, parent=other, on=day)
        else:
            merge_units(unit, into=other, on=day)
        return 0
    if op == "create":
        kind = data.draw(st.sampled_from(KINDS), label=f"kind {i}")
        child = create_unit(code=f"N{i}", name=f"Mới {i}", kind=kind, parent=unit, on=day)
        if kind in ("branch", "grassroots_branch"):
            n = data.draw(st.integers(0, 2))
            add_members(child, n, on=day)
            return n
        return 0
    if op == "dissolve":
        dissolve_unit(unit, on=day)
    elif op == "rename":
        rename_unit(unit, name=f"Tên {i}", on=day)
    elif op == "retype":
        retype_unit(unit, kind=data.draw(st.sampled_from(KINDS), label=f"kind {i}"), on=day)
    else:
        retag_unit(unit, tags=data.draw(st.sets(st.sampled_from(TAGS))), on=day)
    return 0


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_reorganizations_conserve_members_and_the_past(data: st.DataObject) -> None:
    with transaction.atomic():
        run(data)
        transaction.set_rollback(True)


def run(data: st.DataObject) -> None:
    total = build(data)
    day = START
    recorded: dict[dt.date, dict[str, Any]] = {}
    for i in range(data.draw(st.integers(1, 10), label="steps")):
        day += dt.timedelta(days=data.draw(st.integers(0, 3), label=f"gap {i}") * 30)
        live = list(
            UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
            .select_related("unit")
            .order_by("unit__code")
        )
        if not live:  # every unit was dissolved or merged away: nothing left to reorganize
            break
        before = fingerprint()
        try:
            with transaction.atomic():
                total += step(data, i, day, live)
            OUTCOMES["done"] += 1
        except CosoError:
            OUTCOMES["refused"] += 1
            assert fingerprint() == before

        now = answers(day)
        assert now["members"] == now["tally"] == total
        assert MemberSpan.objects.filter(valid_to__gt=day).count() == total
        assert Member.objects.count() == total
        roots = [code for code, facts in now["tree"].items() if facts[2] is None]
        assert sum(now["tree"][code][4] for code in roots) == total
        check_paths(day)
        # Everything before `day` is final: later operations are dated `day` or after.
        for past, expected in recorded.items():
            assert answers(past) == expected, past
        eve = day - dt.timedelta(days=1)
        if eve not in recorded:
            recorded[eve] = answers(eve)
            check_paths(eve)
