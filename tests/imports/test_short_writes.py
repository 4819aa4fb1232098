"""Imports check before they write: the write transaction (the SQLite write lock) holds only the
inserts, and what changed in the database between the check and the write is caught."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from coso.core.errors import RowError, RowErrors
from coso.members import imports as member_imports
from coso.members.imports import import_members
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.units import imports as unit_imports
from coso.units.imports import import_units
from coso.units.models import Unit
from coso.units.operations import dissolve_unit

from .files import write_csv
from .test_members_import import GOOD, UNITS


@pytest.fixture
def units(tmp_path: Path) -> None:
    import_units(write_csv(tmp_path / "units.csv", UNITS), progress=False)


@contextmanager
def statements() -> Iterator[list[tuple[int, str]]]:
    """Every SQL statement run, with the depth of atomic blocks it ran in."""
    seen: list[tuple[int, str]] = []

    def record(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        seen.append((len(connection.atomic_blocks), sql))
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        yield seen


def test_members_are_checked_before_the_write_transaction(
    units: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = len(connection.atomic_blocks)  # the test's own transaction
    copy_rows = member_imports.copy_rows

    def copy(cursor: Any, table: str, *args: Any) -> None:
        # PostgreSQL writes the rows by COPY, which runs beside Django's statement wrappers.
        seen.append((len(connection.atomic_blocks), f"INSERT INTO {table} (COPY)"))
        copy_rows(cursor, table, *args)

    monkeypatch.setattr(member_imports, "copy_rows", copy)
    with statements() as seen:
        import_members(write_csv(tmp_path / "m.csv", GOOD), progress=False)
    assert Member.objects.count() == 5
    inside = [sql for depth, sql in seen if depth > outside]
    before = [sql for depth, sql in seen if depth == outside]
    # The duplicate checks and unit look-ups ran before the transaction...
    assert any('FROM "members_member"' in sql and "SELECT" in sql for sql in before)
    assert any('FROM "units_unitspan"' in sql for sql in before)
    # ...and inside it only the unit check again (two queries), the inserts and the figures.
    assert not any(sql.lstrip().startswith("SELECT") and "members_member" in sql for sql in inside)
    inserts = [sql for sql in inside if sql.lstrip().startswith("INSERT")]
    assert {sql.split()[2].strip('"') for sql in inserts} >= {
        "members_member",
        "members_memberspan",
        "members_memberevent",
        "members_nameword",
        "stats_dailydelta",
    }
    # The inserts (the name search's words and vocabulary too), then the figures kept in step:
    # DailyDelta and its month and year sums, the province tallies (SubtreeDelta) and the
    # precomputed warnings of the branches written into.
    assert len(inside) <= 46, inside


def test_a_branch_dissolved_between_check_and_write_refuses_the_file(
    units: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_writes = member_imports._plan_writes
    checks: list[int] = []

    def meanwhile(file: str, rows: list[Any]) -> Any:
        checks.append(1)
        if len(checks) == 1:  # another user ends branch GB while the file is being checked
            dissolve_unit(Unit.objects.get(code="GB"), on=dt.date(2025, 1, 1))
        return plan_writes(file, rows)

    monkeypatch.setattr(member_imports, "_plan_writes", meanwhile)
    with pytest.raises(RowErrors) as caught:
        import_members(write_csv(tmp_path / "m.csv", GOOD), progress=False)
    assert len(checks) == 1  # checked once, refused on the second check, nothing written
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [(4, "branch"), (5, "branch")]
    assert all("«GB» đã kết thúc ngày 01/01/2025" in e.reason for e in errors)
    assert Member.objects.count() == 0 and MemberSpan.objects.count() == 0


def test_a_member_id_taken_between_check_and_write_refuses_the_file(
    units: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_writes = member_imports._plan_writes
    other = write_csv(tmp_path / "other.csv", [GOOD[0], GOOD[3]])  # M3, by another user
    calls: list[int] = []

    def meanwhile(file: str, rows: list[Any]) -> Any:
        calls.append(1)
        if file == "m.csv" and len(calls) == 1:
            import_members(other, progress=False)
        return plan_writes(file, rows)

    monkeypatch.setattr(member_imports, "_plan_writes", meanwhile)
    with pytest.raises(RowErrors) as caught:
        import_members(write_csv(tmp_path / "m.csv", GOOD), progress=False)
    reasons = {(e.row, e.column): e.reason for e in caught.value.errors}
    assert reasons == {
        (4, "member_id"): "«M3» không dùng được",
        (4, "card_no"): "«K3» không dùng được",
    }
    # Only the other user's member is there: the file wrote nothing.
    assert list(Member.objects.values_list("member_id", flat=True)) == ["M3"]
    assert MemberEvent.objects.count() == 1


def test_errors_of_the_caller_refuse_the_file_with_its_own(units: None, tmp_path: Path) -> None:
    bad = [row[:] for row in GOOD]
    bad[2][3] = "?"  # M2's gender
    outside = RowError("m.csv", 1, "branch", "không có đơn vị mã «B1»")
    with pytest.raises(RowErrors) as caught:
        import_members(write_csv(tmp_path / "m.csv", bad), progress=False, refuse=[outside])
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "branch"), (3, "gender")]
    with pytest.raises(RowErrors) as only:
        import_members(write_csv(tmp_path / "m.csv", GOOD), progress=False, refuse=[outside])
    assert only.value.errors == [outside]
    assert Member.objects.count() == 0


def test_units_a_parent_changed_between_check_and_write_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_units(write_csv(tmp_path / "top.csv", UNITS[:3]), progress=False)  # P and C
    check = unit_imports._check
    calls: list[int] = []

    def meanwhile(*args: Any) -> Any:
        calls.append(1)
        checked = check(*args)
        if len(calls) == 1:  # C is dissolved while the file is being checked
            dissolve_unit(Unit.objects.get(code="C"), on=dt.date(2024, 1, 1))
        return checked

    monkeypatch.setattr(unit_imports, "_check", meanwhile)
    rows = [UNITS[0], ["B9", "Chi bộ thôn 9", "branch", "C", "2010-01-01", "village"]]
    with pytest.raises(RowErrors) as caught:
        import_units(write_csv(tmp_path / "u.csv", rows), progress=False)
    assert len(calls) == 2  # checked, changed under it, checked again and refused
    [error] = caught.value.errors
    assert error.column == "parent" and "đã kết thúc" in error.reason
    assert not Unit.objects.filter(code="B9").exists()


def test_units_import_writes_in_one_transaction_after_the_check(tmp_path: Path) -> None:
    outside = len(connection.atomic_blocks)
    with statements() as seen:
        import_units(write_csv(tmp_path / "u.csv", UNITS), progress=False)
    before = [sql for depth, sql in seen if depth == outside and "SAVEPOINT" not in sql]
    inside = [sql for depth, sql in seen if depth > outside]
    assert before and all(sql.lstrip().startswith("SELECT") for sql in before)
    assert any(sql.lstrip().startswith("INSERT") for sql in inside)
    assert Unit.objects.count() == len(UNITS) - 1
