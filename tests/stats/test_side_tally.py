"""The participants and "outside" figures of the units right below a root, counted from
SidePiece, equal the figures counted live from the side tables and the spans, after every kind
of write (admission, transfers, temporary transfers, participations, posts and external roles
added and ended, leaving the Party, moves, merges, dissolutions, retypes, renames, a
reorganization plan applied set-wise or row by row); and the rows kept by the writers equal a
set-wise rebuild."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.errors import CosoError, RowErrors
from coso.core.rules import rule
from coso.members.models import Member, Participation, Position
from coso.members.operations import (
    add_external_role,
    add_participation,
    assign_position,
    end_external_role,
    end_participation,
    end_position,
    end_temporary_transfer,
    receive_member,
    record_leaving,
    start_temporary_transfer,
    transfer_out,
)
from coso.stats import tally
from coso.stats.models import SidePiece
from coso.stats.queries import stats_as_of, stats_from_spans
from coso.stats.tally import SUBTREE_DEPTH, rebuild_side, refresh_side_rows
from coso.units import plans
from coso.units.models import UnitSpan
from coso.units.operations import merge_units, move_unit, retype_unit
from tests.members.helpers import admit, make_tree, official
from tests.units import test_reorg_properties as reorg
from tests.units import test_setwise as setwise

from .helpers import D

D0 = dt.date(2000, 1, 1)
OUTCOMES: Counter[str] = Counter()


def _pieces() -> Counter[tuple[Any, ...]]:
    return Counter(
        SidePiece.objects.values_list(
            "unit_id", "what", "member_id", "other_id", "kind", "role", "valid_from", "valid_to"
        )
    )


def check(days: list[dt.date]) -> None:
    """The rows equal a rebuild; every tallied unit's figures equal the live ones each day."""
    kept = _pieces()
    rebuild_side()
    assert _pieces() == kept
    for day in sorted(set(days)):
        for span in UnitSpan.objects.filter(
            valid_from__lte=day, valid_to__gt=day, depth=SUBTREE_DEPTH
        ).select_related("unit"):
            fast, live = stats_as_of(span.unit, day), stats_from_spans(span.unit, day)
            assert (fast["participants"], fast["outside"]) == (
                live["participants"],
                live["outside"],
            ), (span.unit.code, day)


def _side_ops(data: st.DataObject, day: dt.date, label: str) -> None:
    """A few random participations, posts and external roles added or ended on `day`, through
    the operations (refused ones are skipped)."""
    live = list(
        UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related("unit")
    )
    members = list(Member.objects.filter(status__in=["official", "probationary"]).order_by("pk"))
    if not live or not members:
        return
    for j in range(data.draw(st.integers(0, 4), label=f"{label} side ops")):
        member = data.draw(st.sampled_from(members), label=f"{label} member {j}")
        unit = data.draw(st.sampled_from(live), label=f"{label} unit {j}").unit
        op = data.draw(
            st.sampled_from(["participate", "post", "role", "end", "temporary", "back"]),
            label=f"{label} op {j}",
        )
        try:
            with transaction.atomic():
                if op == "participate":
                    add_participation(member, unit, "activity", on=day)
                elif op == "post":
                    assign_position(member, unit, "committee_member", on=day)
                elif op == "role":
                    add_external_role(member, title="Đại biểu HĐND", unit=unit, on=day)
                elif op == "temporary":
                    start_temporary_transfer(member, on=day, host_unit=unit)
                elif op == "back":
                    end_temporary_transfer(member, on=day)
                else:
                    rows: list[Any] = [
                        *Participation.objects.filter(member=member, valid_to__gt=day),
                        *Position.objects.filter(member=member, valid_to__gt=day),
                        *member.external_roles.filter(valid_to__gt=day),
                    ]
                    if rows:
                        row = data.draw(st.sampled_from(rows), label=f"{label} ended {j}")
                        end = {
                            Participation: end_participation,
                            Position: end_position,
                        }.get(type(row), end_external_role)
                        end(row, on=day)
        except CosoError:
            pass


settings_ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@settings_
@given(data=st.data())
def test_side_tallies_follow_random_reorganizations_and_side_rows(data: st.DataObject) -> None:
    """Moves and merges carry members and the units they take part in between the units right
    below the root (the districts here), on any day, with side rows added and ended between."""
    with transaction.atomic():
        reorg.build(data)
        day = reorg.START
        seen = [day]
        _side_ops(data, day, "start")
        for i in range(data.draw(st.integers(1, 6), label="steps")):
            day += dt.timedelta(days=data.draw(st.integers(0, 3), label=f"gap {i}") * 30)
            live = list(
                UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
                .select_related("unit")
                .order_by("unit__code")
            )
            if not live:
                break
            try:
                with transaction.atomic():
                    reorg.step(data, i, day, live)
            except CosoError:
                pass
            _side_ops(data, day, f"step {i}")
            seen += [day, day - dt.timedelta(days=1)]
        check([*seen, day + dt.timedelta(days=400)])
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), engine=st.sampled_from(["sets", "rows"]), rebuild=st.booleans())
def test_side_tallies_follow_a_reorganization_plan(
    data: st.DataObject,
    engine: str,
    rebuild: bool,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A plan applied by either engine; with `rebuild`, as one that changes too many units to
    find the members concerned one unit at a time (the whole table is recounted)."""
    if rebuild:
        monkeypatch.setattr(tally, "SIDE_REBUILD_UNITS", 0)
    with transaction.atomic():
        codes = setwise.build(data)
        refresh_side_rows(Member.objects.values_list("pk", flat=True))  # posts written directly
        on = setwise.START + dt.timedelta(days=30)
        for i in range(3):
            _side_ops(data, setwise.START + dt.timedelta(days=10 + i), f"before {i}")
        path = tmp_path_factory.mktemp("plan") / "plan.csv"
        rows = _plan_rows(data, on) if data.draw(st.booleans(), label="moves") else []
        rows = rows or setwise.plan_rows(data, codes, on)
        path.write_text(
            "op,unit,into,name,kind,category\n" + "\n".join(",".join(r) for r in rows) + "\n",
            encoding="utf-8",
        )
        try:
            with transaction.atomic():
                plans.apply_plan(
                    Path(path), on=on, decision_number="12-QĐ/TU", progress=False, engine=engine
                )
            OUTCOMES["applied"] += 1
        except RowErrors:  # a refused plan writes nothing; still checked
            OUTCOMES["refused"] += 1
        check([on - dt.timedelta(days=1), on, on + dt.timedelta(days=1)])
        transaction.set_rollback(True)


def _plan_rows(data: st.DataObject, on: dt.date) -> list[list[str]]:
    """Moves and merges of units below the districts, to fitting units (often across the
    districts, the tallied units here)."""
    kinds = dict(UnitSpan.objects.filter(valid_to__gt=on).values_list("unit__code", "kind"))
    allowed = rule("unit_kinds.allowed_children", on)
    movable = sorted(c for c, k in kinds.items() if k not in ("province", "district"))
    rows = []
    for i in range(data.draw(st.integers(1, 4), label="plan rows") if movable else 0):
        op = data.draw(st.sampled_from(["move", "merge"]), label=f"plan op {i}")
        code = data.draw(st.sampled_from(movable), label=f"plan unit {i}")
        targets = sorted(
            c
            for c, k in kinds.items()
            if c != code
            and (kinds[code] in allowed.get(k, []) if op == "move" else k == kinds[code])
        )
        if targets:
            rows.append(
                [op, code, data.draw(st.sampled_from(targets), label=f"into {i}"), "", "", ""]
            )
    return rows


@pytest.mark.django_db
def test_every_member_write_keeps_the_side_tallies() -> None:
    """One member of district H takes part, holds posts and roles across two provinces' worth of
    units (H and K right below the root), and is transferred, then leaves."""
    t = make_tree()
    k = make_tree_k(t)
    days: list[dt.date] = []

    def step(day: dt.date) -> None:
        days.extend([day, day - dt.timedelta(days=1)])
        check([day])

    guard = official(k["KB"], D(2010, 1, 1))
    host = official(t["B1"], D(2010, 1, 1))
    step(D(2011, 6, 1))
    p1 = add_participation(guard, t["B1"], "activity", on=D(2012, 1, 1))
    step(D(2012, 1, 1))
    p2 = add_participation(guard, t["B2"], "residence", on=D(2012, 2, 1))
    add_participation(host, k["KB"], "activity", on=D(2012, 2, 1))
    step(D(2012, 2, 1))
    post = assign_position(guard, t["X"], "committee_member", on=D(2012, 3, 1))
    assign_position(guard, k["KX"], "secretary", on=D(2012, 3, 1))  # at home: not outside
    role = add_external_role(guard, title="Đại biểu HĐND xã", unit=t["X"], on=D(2012, 4, 1))
    step(D(2012, 4, 1))
    assert stats_as_of(k["K"], D(2012, 4, 1))["outside"] == {
        "external_roles": 1,
        "participations": {"members": 1, "units": 2},
        "positions": {"grassroots_committee.committee_member": 1},
    }
    assert stats_as_of(t["H"], D(2012, 4, 1))["participants"] == 1
    end_participation(p1, on=D(2013, 1, 1))
    end_position(post, on=D(2013, 1, 1))
    end_external_role(role, on=D(2013, 2, 1))
    step(D(2013, 2, 1))
    # A unit taking part in is moved under the member's own province: no longer outside.
    move_unit(t["B2"], parent=k["KX"], on=D(2014, 1, 1))
    step(D(2014, 1, 1))
    assert stats_as_of(k["K"], D(2014, 1, 1))["outside"] == {}
    assert stats_as_of(k["K"], D(2013, 12, 31))["outside"] == {
        "participations": {"members": 1, "units": 1}
    }
    end_participation(p2, on=D(2014, 6, 1))
    # Transferred to district H: the post in K is now outside (as the host's participation).
    transfer_out(guard, on=D(2015, 1, 1))
    step(D(2015, 1, 1))
    receive_member(guard, on=D(2015, 2, 1), branch=t["B1"])
    step(D(2015, 2, 1))
    assert stats_as_of(t["H"], D(2015, 2, 1))["outside"] == {
        "participations": {"members": 1, "units": 1},
        "positions": {"grassroots_committee.secretary": 1},
    }
    start_temporary_transfer(host, on=D(2016, 1, 1), host_unit=k["KB"])
    step(D(2016, 1, 1))
    retype_unit(k["KX"], kind="commune", on=D(2016, 6, 1))  # the kind of the post outside
    step(D(2016, 6, 1))
    assert stats_as_of(t["H"], D(2016, 6, 1))["outside"]["positions"] == {"commune.secretary": 1}
    end_temporary_transfer(host, on=D(2017, 1, 1))
    step(D(2017, 1, 1))
    newcomer = admit(k["KB"], D(2018, 1, 1))
    add_participation(newcomer, t["B1"], "activity", on=D(2018, 2, 1))
    step(D(2018, 2, 1))
    record_leaving(guard, on=D(2019, 1, 1))
    step(D(2019, 1, 1))
    # H merged into K (after H's unit created in 2030): all of H now lies under K.
    merge_units(t["H"], into=k["K"], on=D(2031, 1, 1))
    step(D(2031, 1, 1))
    assert stats_as_of(k["K"], D(2031, 1, 1))["outside"] == {}
    assert stats_as_of(k["K"], D(2031, 1, 1))["participants"] == 2  # host in KB, newcomer in B1
    check([*days, D(2032, 1, 1)])


def make_tree_k(t: dict[str, Any]) -> dict[str, Any]:
    from coso.units.operations import create_unit

    k: dict[str, Any] = {}
    k["K"] = create_unit(code="K", name="Huyện K", kind="district", parent=t["P"], on=D0)
    k["KX"] = create_unit(
        code="KX", name="Đảng bộ KX", kind="grassroots_committee", parent=k["K"], on=D0
    )
    k["KB"] = create_unit(code="KB", name="Chi bộ KB", kind="branch", parent=k["KX"], on=D0)
    return k
