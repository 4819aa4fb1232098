"""The unit picker's search (issue 13, point 3): a name typed without tones or a code, within a
scope given as path ranges, bounded, and its keys kept by every writer of unit spans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.authority.scope import Action, scope_of
from coso.core.dates import today
from coso.units import plans
from coso.units import queries as unit_queries
from coso.units.models import UnitSpan, search_keys
from coso.units.operations import create_unit, merge_units, move_unit, rename_unit
from coso.units.queries import pick_units, units_named
from tests.cast import START, Cast


def test_search_keys_fold_tones_and_drop_the_kind_words() -> None:
    assert search_keys("Chi bộ thôn Thống Nhất") == ("chibothonthongnhat", "thongnhat")
    assert search_keys("Đảng bộ xã Hoàn Lão") == ("dangboxahoanlao", "hoanlao")
    assert search_keys("Chi bộ Trường THCS Đồng Hới") == (
        "chibotruongthcsdonghoi",
        "truongthcsdonghoi",
    )
    # A name made only of kind words keeps its last word.
    assert search_keys("Chi bộ thôn") == ("chibothon", "thon")


def _villages(cast: Cast) -> dict[str, Any]:
    return {
        "TN": create_unit(
            code="TN", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.C, on=START
        ),
        "TN2": create_unit(
            code="TN2", name="Chi bộ thôn Thống Nhất 2", kind="branch", parent=cast.C2, on=START
        ),
        "QTN": create_unit(
            code="QTN", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.QC, on=START
        ),
    }


def _filler(cast: Cast, n: int) -> None:
    """`n` villages under C named otherwise ("Chi bộ thôn Số k"), written in bulk."""
    from coso.units.models import Unit

    parent = UnitSpan.objects.get(unit=cast.C)
    units = Unit.objects.bulk_create(Unit(code=f"F{k:05d}", valid_from=START) for k in range(n))
    spans = []
    for k, unit in enumerate(units):
        name = f"Chi bộ thôn Số {k}"
        search_name, search_key = search_keys(name)
        spans.append(
            UnitSpan(
                unit=unit,
                valid_from=START,
                name=name,
                kind="branch",
                parent=cast.C,
                path=f"{parent.path}{unit.pk}/",
                depth=parent.depth + 1,
                search_name=search_name,
                search_key=search_key,
            )
        )
    UnitSpan.objects.bulk_create(spans)


def _codes(text: str, user: Any, action: Action = Action.VIEW) -> list[str]:
    scope = scope_of(user)
    return [p.code for p in pick_units(text, today(), scope.spans_today(action))]


@pytest.mark.parametrize("small", [True, False], ids=["path-range", "name-index"])
def test_a_name_without_tones_finds_the_units_of_the_scope_only(
    cast: Cast, small: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    _villages(cast)
    if not small:
        monkeypatch.setattr(unit_queries, "SMALL_SCOPE", 0)
    assert _codes("chi bo thon thong nhat", cast.officer) == ["TN", "TN2"]
    assert _codes("Thống Nhất", cast.officer) == ["TN", "TN2"]
    assert _codes("thong nhat", cast.committee) == ["TN"]  # C's subtree only
    assert _codes("thong nhat", cast.outsider) == ["QTN"]  # never P's units
    assert _codes("thong nhat", cast.secretary) == []
    assert _codes("nothing like it", cast.officer) == []


def test_codes_first_then_names_and_parents_named(cast: Cast) -> None:
    _villages(cast)
    picked = pick_units("TN", today(), scope_of(cast.officer).spans_today(Action.VIEW))
    assert [p.code for p in picked] == ["TN", "TN2"]
    assert [p.parent_name for p in picked] == ["Đơn vị C", "Đơn vị C2"]
    # The administrator's scope is everything: no condition at all. Codes in any case.
    assert sorted(p.code for p in pick_units("tn", today(), None)) == ["TN", "TN2"]
    assert sorted(p.code for p in pick_units("thong", today(), None)) == ["QTN", "TN", "TN2"]


def test_the_scope_of_an_action_and_ended_units(cast: Cast) -> None:
    made = _villages(cast)
    # Only the units the user may do the field's act on: the officer of P manages its units,
    # a committee member of C none (C decides for them: see the forms' tests).
    assert _codes("thong", cast.officer, Action.MANAGE_UNITS) == ["TN", "TN2"]
    assert _codes("thong", cast.committee, Action.MANAGE_UNITS) == []
    assert _codes("thong", cast.committee, Action.DECIDE) == ["TN"]
    merge_units(made["TN2"], into=cast.BC2, on=dt.date(2024, 1, 1))
    assert _codes("thong", cast.officer) == ["TN"]  # merged away: not offered


def test_results_are_bounded_and_cost_a_fixed_number_of_queries(
    cast: Cast, django_assert_max_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(30):
        create_unit(
            code=f"V{i:02d}", name=f"Chi bộ thôn Vĩnh {i}", kind="branch", parent=cast.C2, on=START
        )
    visible = scope_of(cast.officer).spans_today(Action.VIEW)
    for small in (True, False):
        monkeypatch.setattr(unit_queries, "SMALL_SCOPE", 2000 if small else 0)
        with django_assert_max_num_queries(6):
            picked = pick_units("vinh", today(), visible)
        assert len(picked) == unit_queries.PICK_LIMIT
        with django_assert_max_num_queries(6):
            assert len(pick_units("V", today(), visible)) == unit_queries.PICK_LIMIT


def test_units_named_tells_unique_from_shared_names(cast: Cast) -> None:
    _villages(cast)
    everything = None
    assert len(units_named("chi bo thon thong nhat", today(), everything)) == 2
    officer = scope_of(cast.officer).spans_today(Action.VIEW)
    assert [s.unit.code for s in units_named("CHI BỘ THÔN THỐNG NHẤT", today(), officer)] == ["TN"]
    assert units_named("thong nhat", today(), officer) == []  # the whole name, not a part


def _all_keys_match() -> None:
    for span in UnitSpan.objects.all():
        assert (span.search_name, span.search_key) == search_keys(span.name), span


def test_every_writer_keeps_the_keys(cast: Cast, tmp_path: Path) -> None:
    made = _villages(cast)
    rename_unit(made["TN"], name="Chi bộ thôn Đoàn Kết", on=dt.date(2024, 1, 1))
    rename_unit(made["TN"], name="Chi bộ thôn Đoàn Kết Mới", on=dt.date(2024, 1, 1))  # in place
    move_unit(made["TN2"], parent=cast.C, on=dt.date(2024, 2, 1))
    plan = tmp_path / "pa.csv"
    plan.write_text(
        "op,unit,into,name,kind,category\n"
        "rename,QTN,,Chi bộ thôn Quyết Thắng,,\n"
        "create,NEW,C2,Chi bộ khu phố Hòa Bình,branch,\n"
        "move,B2,C2,,,\n",
        encoding="utf-8",
    )
    plans.apply_plan(plan, on=dt.date(2024, 3, 1), decision_number="1-QĐ", progress=False)
    _all_keys_match()
    assert _codes("doan ket", cast.officer) == ["TN"]
    assert _codes("hoa binh", cast.officer) == ["NEW"]
    assert _codes("quyet thang", cast.outsider) == ["QTN"]


def test_the_name_search_reads_the_name_indexes(cast: Cast) -> None:
    """At the centre (no scope condition) each name query is a range on its index, not a scan
    of every span (250,000 branches nationally)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _villages(cast)
    if connection.vendor == "postgresql":
        _filler(cast, 3000)
    with CaptureQueriesContext(connection) as captured:
        assert {p.code for p in pick_units("thong nhat", today(), None)} == {"TN", "TN2", "QTN"}
    named = [q["sql"] for q in captured.captured_queries if "search_" in q["sql"]]
    assert len(named) == 2
    with connection.cursor() as cursor:
        explain = "EXPLAIN QUERY PLAN "
        if connection.vendor == "postgresql":
            # PostgreSQL plans by cost: on the cast's twenty spans every plan is as cheap as
            # another (it drove from the units' primary key one run, from the date index
            # another). With 3,000 other villages and the tables' statistics read, as on a real
            # registry, reading the name range is the plan worth taking.
            cursor.execute("ANALYZE units_unit")
            cursor.execute("ANALYZE units_unitspan")
            explain = "EXPLAIN "
        for sql in named:
            cursor.execute(explain + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "unitspan_search_" in plan, plan


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=30))
def test_anything_typed_is_searched_without_error(text: str) -> None:
    assert len(pick_units(text, today(), None)) <= unit_queries.PICK_LIMIT
    assert len(units_named(text, today(), None)) <= 2
