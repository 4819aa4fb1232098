"""The set-wise plan engine writes exactly what the row-by-row engine writes.

Each example builds a small random tree with members in branches and party groups, posts and
participations, then a random plan (every operation, valid or not, same-day corrections when the
plan falls on the day the tree was built). The plan is applied once row by row
(`engine="rows"`, the operations themselves: the reference) and once set-wise, each time inside
a savepoint that is then rolled back, and everything written is compared by code: units, spans
(paths as codes, the event each span points to), events and their details, member spans,
member events, the members' home unit, posts, participations, `DailyDelta` and the report. When
the reference refuses a row, the set-wise engine must have handed over to it (same errors).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.errors import RowErrors
from coso.core.models import Decision
from coso.core.rules import rule
from coso.members.models import Member, MemberEvent, MemberSpan, Participation, Position
from coso.stats.models import DailyDelta
from coso.units import plans, setwise
from coso.units.models import Unit, UnitEvent, UnitSpan
from coso.units.operations import create_unit
from tests.units.tree import add_members

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
OPS = ["create", "move", "merge", "merge", "dissolve", "rename", "retype", "retag"]
OUTCOMES: Counter[str] = Counter()


def build(data: st.DataObject) -> list[str]:
    """A random tree under a province; returns the codes of its units."""
    codes = iter(range(1, 10_000))
    made = ["P"]
    root = create_unit(code="P", name="Tỉnh", kind="province", parent=None, on=START)

    def unit(kind: str, parent: Unit, name: str, **kw: Any) -> Unit:
        u = create_unit(code=f"U{next(codes)}", name=name, kind=kind, parent=parent, on=START, **kw)
        made.append(u.code)
        return u

    for _ in range(data.draw(st.integers(1, 2))):
        district = unit("district", root, "Huyện")
        for _ in range(data.draw(st.integers(1, 3))):
            kind = data.draw(st.sampled_from(["grassroots_committee", "commune"]))
            committee = unit(kind, district, "Đảng bộ")
            for _ in range(data.draw(st.integers(0, 3))):
                tags = data.draw(st.sets(st.sampled_from(TAGS), max_size=2))
                branch = unit("branch", committee, "Chi bộ", tags=tags)
                people = add_members(branch, data.draw(st.integers(0, 3)), on=START)
                if people and data.draw(st.booleans()):
                    group = unit("group", branch, "Tổ")
                    people += add_members(branch, 1, on=START, group=group)
                    Position.objects.create(
                        member=people[-1], unit=group, role="group_leader", valid_from=START
                    )
                if people and data.draw(st.booleans()):
                    # One secretary per committee (a database constraint); the others sit on it.
                    taken = Position.objects.filter(unit=committee, role="secretary").exists()
                    Position.objects.create(
                        member=people[0],
                        unit=committee,
                        role="committee_member" if taken else "secretary",
                        valid_from=START,
                    )
                if people and data.draw(st.booleans()):
                    Participation.objects.create(
                        member=people[0], unit=branch, kind="activity", valid_from=START
                    )
        if data.draw(st.booleans()):
            lone = unit("grassroots_branch", district, "Chi bộ cơ sở")
            add_members(lone, data.draw(st.integers(0, 3)), on=START)
    return made


def plan_rows(data: st.DataObject, codes: list[str], on: dt.date) -> list[list[str]]:
    """Random rows; half the moves and merges go to a unit of a fitting kind (as built)."""
    rows = []
    pool = list(codes)
    kinds = dict(UnitSpan.objects.values_list("unit__code", "kind"))
    allowed = rule("unit_kinds.allowed_children", on)
    for i in range(data.draw(st.integers(1, 10), label="rows")):
        op = data.draw(st.sampled_from(OPS), label=f"op {i}")
        code = data.draw(st.sampled_from(pool), label=f"unit {i}")
        fitting = (
            [
                c
                for c in codes
                if (
                    kinds[code] in allowed.get(kinds[c], [])
                    if op == "move"
                    else kinds[c] == kinds[code]
                )
            ]
            if code in kinds
            else []
        )
        use_fitting = fitting and data.draw(st.booleans(), label=f"fitting {i}")
        other = data.draw(st.sampled_from(fitting if use_fitting else pool), label=f"into {i}")
        kind = data.draw(st.sampled_from(KINDS), label=f"kind {i}")
        tags = ";".join(sorted(data.draw(st.sets(st.sampled_from(TAGS)), label=f"tags {i}")))
        if op == "create":
            new = f"N{i}"
            pool.append(new)
            rows.append(["create", new, other, f"Mới {i}", kind, tags])
        elif op in ("move", "merge"):
            rows.append([op, code, other, "", "", ""])
        elif op == "rename":
            name = data.draw(st.sampled_from(["Tên A", "Tên B", "Chi bộ"]), label=f"name {i}")
            rows.append(["rename", code, "", name, "", ""])
        elif op == "retype":
            rows.append(["retype", code, "", "", kind, ""])
        elif op == "retag":
            rows.append(["retag", code, "", "", "", tags])
        else:
            rows.append(["dissolve", code, "", "", "", ""])
    return rows


def snapshot() -> dict[str, Any]:
    """Everything a plan writes, with ids replaced by codes."""
    code = dict(Unit.objects.values_list("pk", "code"))

    def c(pk: int | None) -> str | None:
        return code[pk] if pk is not None else None

    # Decisions by what they say: PostgreSQL does not reuse an id after a rollback.
    said = {d.pk: (d.number, d.signed_on, d.issuer, d.title) for d in Decision.objects.all()}

    def d(pk: int | None) -> Any:
        return said.get(pk) if pk is not None else None

    events = {
        e.pk: (e.kind, c(e.unit_id), c(e.other_id), e.effective_on, d(e.decision_id), e.details)
        for e in UnitEvent.objects.all()
    }

    def path(p: str) -> str:
        return "/".join(c(int(i)) or "" for i in p.strip("/").split("/"))

    return {
        "units": sorted(Unit.objects.values_list("code", "valid_from", "valid_to")),
        "spans": sorted(
            (
                c(s.unit_id),
                s.valid_from,
                s.valid_to,
                s.name,
                s.kind,
                c(s.parent_id),
                path(s.path),
                s.depth,
                s.tags,
                repr(events.get(s.event_id)),
            )
            for s in UnitSpan.objects.all()
        ),
        "events": sorted(repr(e) for e in events.values()),
        "member_spans": sorted(
            (
                m.member_id,
                c(m.unit_id),
                c(m.group_id),
                m.status,
                m.exempt,
                m.in_transit,
                m.valid_from,
                m.valid_to,
            )
            for m in MemberSpan.objects.all()
        ),
        "member_events": sorted(
            repr((e.kind, e.member_id, c(e.unit_id), c(e.other_unit_id), e.details))
            + repr((e.effective_on, e.decided_on, d(e.decision_id), events.get(e.unit_event_id)))
            for e in MemberEvent.objects.all()
        ),
        "homes": sorted((m.pk, c(m.home_unit_id)) for m in Member.objects.all()),
        "positions": sorted(
            (p.member_id, c(p.unit_id), p.role, p.valid_from, p.valid_to, d(p.decision_id))
            for p in Position.objects.all()
        ),
        "participations": sorted(
            (p.member_id, c(p.unit_id), p.kind, p.valid_from, p.valid_to)
            for p in Participation.objects.all()
        ),
        "tally": sorted(DailyDelta.objects.values_list("day", "metric", "delta")),
    }


def apply(path: Path, on: dt.date, engine: str) -> tuple[Any, dict[str, Any] | None]:
    """The report (or the errors) and the snapshot, rolled back afterwards."""
    with transaction.atomic():
        try:
            report = plans.apply_plan(
                path, on=on, decision_number="12-QĐ/TU", progress=False, engine=engine
            )
        except RowErrors as exc:
            return [str(e) for e in exc.errors], None
        seen = snapshot()
        transaction.set_rollback(True)
    return (report.summary(), report.lines), seen


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_setwise_plan_writes_what_the_operations_write(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any
) -> None:
    with transaction.atomic():
        codes = build(data)
        on = data.draw(st.sampled_from([START, START + dt.timedelta(days=30)]), label="on")
        rows = plan_rows(data, codes, on)
        path = tmp_path_factory.mktemp("plan") / "plan.csv"
        path.write_text(
            "op,unit,into,name,kind,category\n" + "\n".join(",".join(r) for r in rows) + "\n",
            encoding="utf-8",
        )
        reference, expected = apply(path, on, "rows")
        handed_over: list[bool] = []
        row_engine = plans._apply_rows

        def spy(*args: Any, **kwargs: Any) -> None:
            handed_over.append(True)
            row_engine(*args, **kwargs)

        monkeypatch.setattr(plans, "_apply_rows", spy)
        # The members a move or merge carries counted unit by unit, or in one pass over every
        # unit's (a plan over most of the country): the same counts either way.
        monkeypatch.setattr(
            setwise, "COUNT_ALL_ABOVE", data.draw(st.sampled_from([0, 20_000]), label="count all")
        )
        result, seen = apply(path, on, "sets")
        monkeypatch.undo()
        assert result == reference
        if expected is None:
            OUTCOMES["refused"] += 1
            assert handed_over  # the refusals come from the operations
        else:
            OUTCOMES["applied"] += 1
            assert not handed_over  # applied set-wise, not by the fallback
            for key, value in expected.items():
                assert seen is not None and seen[key] == value, key
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("count_all_above", [0, 20_000])
def test_members_carried_are_counted_alike_unit_by_unit_or_in_one_pass(
    count_all_above: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan over most of the country counts every unit's members in one pass (past
    COUNT_ALL_ABOVE units); the moves' and merges' details and lines are the same as the
    operations write."""
    on = START + dt.timedelta(days=30)
    province = create_unit(code="P", name="Tỉnh", kind="province", parent=None, on=START)
    district = create_unit(code="D", name="Huyện", kind="district", parent=province, on=START)
    create_unit(code="D2", name="Huyện 2", kind="district", parent=province, on=START)
    for i in range(2):
        committee = create_unit(
            code=f"C{i}", name="Đảng bộ", kind="commune", parent=district, on=START
        )
        for j in range(2):
            branch = create_unit(
                code=f"B{i}{j}", name="Chi bộ", kind="branch", parent=committee, on=START
            )
            add_members(branch, 2 + i + j, on=START)
    path = tmp_path / "plan.csv"
    path.write_text(
        "op,unit,into,name,kind,category\nmove,C0,D2,,,\nmerge,C1,C0,,,\nmerge,B00,B01,,,\n",
        encoding="utf-8",
    )
    reference, expected = apply(path, on, "rows")
    monkeypatch.setattr(setwise, "COUNT_ALL_ABOVE", count_all_above)
    result, seen = apply(path, on, "sets")
    assert expected is not None and seen is not None
    assert result == reference
    assert seen["events"] == expected["events"]
    assert "(3 đơn vị, 5 đảng viên)" in " ".join(reference[1])  # C0 and its two branches
