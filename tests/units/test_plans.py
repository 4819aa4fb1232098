"""Reorganization plans: applied in order, all or nothing, every bad row reported; the CLI."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from coso.cli import main as coso_main
from coso.core.errors import RowErrors
from coso.core.models import Decision
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.stats.models import DailyDelta
from coso.units.models import Unit, UnitEvent, UnitSpan
from coso.units.plans import apply_plan
from tests.units.tree import (
    TOTAL,
    build_tree,
    check_paths,
    members_under,
    open_members,
    tally,
    tree_on,
)

ON = dt.date(2025, 7, 1)
BEFORE = ON - dt.timedelta(days=1)

GOOD_PLAN = """op,unit,into,name,kind,category
create,X1,P,Đảng bộ xã Mới,commune,commune
move,C1,X1,,,
merge,C2,C1,,,
rename,P,,Đảng bộ tỉnh Mới,,
retype,C1,,,commune,
retag,B1,,,,village;border
merge,B2,B1,,,
dissolve,C3,,,,
"""


@pytest.fixture
def u() -> dict[str, Unit]:
    return build_tree()


def write(tmp_path: Path, text: str, name: str = "plan.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fingerprint() -> tuple[object, ...]:
    """Everything a plan could write."""
    return (
        sorted(Unit.objects.values_list("code", "valid_from", "valid_to")),
        sorted(
            UnitSpan.objects.values_list(
                "unit_id", "valid_from", "valid_to", "name", "kind", "path", "tags"
            )
        ),
        sorted(
            MemberSpan.objects.values_list(
                "member_id", "unit_id", "group_id", "valid_from", "valid_to"
            )
        ),
        sorted(Member.objects.values_list("pk", "home_unit_id")),
        UnitEvent.objects.count(),
        MemberEvent.objects.count(),
        Decision.objects.count(),
        sorted(DailyDelta.objects.values_list("day", "metric", "delta")),
    )


def test_plan_applies_every_row_in_order(u, tmp_path):
    past = tree_on(BEFORE)
    report = apply_plan(
        write(tmp_path, GOOD_PLAN),
        on=ON,
        decision_number="1234-QĐ/TU",
        decision_date=dt.date(2025, 6, 20),
        progress=False,
    )
    assert (report.created, report.renamed, report.retyped, report.retagged) == (1, 1, 1, 1)
    # The explicit move plus B3 following C2 into C1.
    assert report.moved == 2
    assert (report.merged, report.ended, report.members_rehomed) == (2, 3, 3)
    assert len(report.lines) == 8
    assert report.lines[2].startswith("dòng 4: sáp nhập C2 «Đơn vị C2» vào C1 «Đơn vị C1»")
    summary = report.summary()
    assert "Thành lập: 1 đơn vị" in summary and "theo tổ chức: 3" in summary
    assert "1234-QĐ/TU ngày 20/06/2025" in summary

    now = tree_on(ON)
    assert now["C1"][2] == "X1" and now["B3"][2] == "C1" and now["X1"][1] == "commune"
    assert now["P"][0] == "Đảng bộ tỉnh Mới" and now["C1"][1] == "commune"
    assert now["B1"][3] == ";border;village;" and now["B1"][4] == 8
    assert not {"C2", "C3", "B2"} & set(now)
    assert members_under("X1", ON) == 14 and members_under("P", ON) == TOTAL
    assert tree_on(BEFORE) == past
    assert open_members() == TOTAL
    check_paths(ON)
    # The tally, refreshed once at the end of the plan, agrees with the spans.
    assert tally("members.total", ON) == TOTAL
    assert (tally("units.commune", ON), tally("units.grassroots_committee", ON)) == (2, 0)
    assert (tally("units.branch", ON), tally("units.grassroots_branch", ON)) == (2, 1)
    assert tally("branch_categories.village", ON) == tally("branch_categories.residential", ON) == 1
    assert tally("units.grassroots_committee", BEFORE) == 3
    events = UnitEvent.objects.filter(effective_on=ON)
    assert len({(e.batch, e.decision_id) for e in events}) == 1
    decision = events[0].decision
    assert (decision.number, decision.signed_on) == ("1234-QĐ/TU", dt.date(2025, 6, 20))
    assert MemberEvent.objects.filter(decision=decision).count() == 3


def test_dry_run_reports_the_same_and_changes_nothing(u, tmp_path):
    path = write(tmp_path, GOOD_PLAN)
    before = fingerprint()
    preview = apply_plan(path, on=ON, decision_number="1-QĐ", dry_run=True, progress=False)
    assert fingerprint() == before
    assert preview.dry_run and "Chạy thử" in preview.summary()
    real = apply_plan(path, on=ON, decision_number="1-QĐ", progress=False)
    assert fingerprint() != before
    assert (preview.created, preview.moved, preview.merged, preview.ended) == (
        real.created,
        real.moved,
        real.merged,
        real.ended,
    )
    assert preview.members_rehomed == real.members_rehomed == 3
    assert preview.lines == real.lines


@pytest.mark.parametrize("engine", ["sets", "rows"])
def test_a_dry_run_does_not_recount_what_it_throws_away(u, tmp_path, engine):
    """The tallies derived from the writes (DailyDelta, the subtrees', home warnings, activity)
    are recounted by an applied plan only: a dry run is rolled back, so it would recount them
    for nothing (at national size that recount was half of the dry run's time)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    derived = ("stats_dailydelta", "stats_subtreedelta", "web_homewarning")
    path = write(tmp_path, GOOD_PLAN)
    with CaptureQueriesContext(connection) as dry:
        apply_plan(path, on=ON, decision_number="1-QĐ", dry_run=True, progress=False, engine=engine)
    assert not [q["sql"] for q in dry.captured_queries if any(t in q["sql"] for t in derived)]
    with CaptureQueriesContext(connection) as real:
        apply_plan(path, on=ON, decision_number="1-QĐ", progress=False, engine=engine)
    written = [q["sql"] for q in real.captured_queries if "stats_dailydelta" in q["sql"]]
    assert any(sql.lstrip().upper().startswith(("INSERT", "DELETE")) for sql in written)
    assert tally("members.total", ON) == TOTAL


def test_bad_plan_reports_every_bad_row_and_writes_nothing(u, tmp_path):
    plan = write(
        tmp_path,
        "op,unit,into,name,kind,category\n"
        "create,N1,P,Xã mới,commune,\n"  # fine, and used by line 8
        "rename,NOPE,,Tên,,\n"  # unknown unit
        "create,N2,GHOST,Chi bộ,branch,\n"  # unknown parent
        "create,N3,P,Chi bộ,branch,\n"  # branch not allowed under a province
        "dissolve,D1,,,,\n"  # not empty
        "explode,B1,,,,\n"  # bad op
        "move,C3,N1,,,\n"  # fine (N1 was created on line 2)
        "merge,C1,C1,,,\n",  # into itself
    )
    before = fingerprint()
    with pytest.raises(RowErrors) as caught:
        apply_plan(plan, on=ON, decision_number="9-QĐ", progress=False)
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [
        (3, "unit"),
        (4, "into"),
        (5, "kind"),
        (6, "unit"),
        (7, "op"),
        (9, "into"),
    ]
    assert all(e.file == "plan.csv" for e in errors)
    assert "NOPE" in errors[0].reason and "GHOST" in errors[1].reason
    # The kinds in words, never their codes (issue 13, point 13).
    assert "Chi bộ trực thuộc" in errors[2].reason and "Đảng bộ tỉnh" in errors[2].reason
    assert "branch" not in errors[2].reason and "province" not in errors[2].reason
    assert "còn 2 đơn vị trực thuộc" in errors[3].reason
    assert "explode" in errors[4].reason
    assert "plan.csv, dòng 6, cột «unit»" in str(caught.value)
    assert fingerprint() == before


def test_missing_column_is_named(u, tmp_path):
    plan = write(tmp_path, "op,unit,name\nmove,C3,\nrename,B1,Mới\n")
    with pytest.raises(RowErrors) as caught:
        apply_plan(plan, on=ON, decision_number="", progress=False)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "into")]
    assert "thiếu cột" in caught.value.errors[0].reason
    assert not UnitEvent.objects.filter(effective_on=ON).exists()


def test_unknown_column_and_empty_plan_are_refused(u, tmp_path):
    with pytest.raises(RowErrors, match="note"):
        apply_plan(write(tmp_path, "op,unit,note\ndissolve,C3,x\n"), on=ON, decision_number="")
    with pytest.raises(RowErrors, match="không có thao tác"):
        apply_plan(write(tmp_path, "op,unit\n"), on=ON, decision_number="")


def test_xlsx_plan(u, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Op", "Unit", "Into", "Name", "Kind", "Category"])
    sheet.append(["merge", "B2", "B1", None, None, None])
    sheet.append(["dissolve", "C3", None, None, None, None])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    report = apply_plan(path, on=ON, decision_number="2-QĐ", progress=False)
    assert (report.merged, report.ended, report.members_rehomed) == (1, 2, 3)
    assert members_under("B1", ON) == 8


@pytest.fixture
def keep_connection(monkeypatch):
    """`coso` closes connections when a command ends, which would end the test's transaction."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_command_prints_the_summary(u, tmp_path, capsys, keep_connection):

    out, err = StringIO(), StringIO()
    call_command(
        "reorg_apply",
        str(write(tmp_path, GOOD_PLAN)),
        on="01/07/2025",
        decision="77-QĐ/TU",
        decision_date="2025-06-30",
        dry_run=True,
        stdout=out,
        stderr=err,
    )
    assert "dòng 2: thành lập X1" in out.getvalue()
    assert "Chạy thử phương án «plan.csv» (8 thao tác), hiệu lực ngày 01/07/2025" in out.getvalue()
    assert "77-QĐ/TU ngày 30/06/2025" in out.getvalue()
    assert not Unit.objects.filter(code="X1").exists()
    assert (
        coso_main(
            [
                "coso",
                "reorg",
                "apply",
                str(tmp_path / "plan.csv"),
                "--on",
                "2025-07-01",
                "--decision",
                "77-QĐ/TU",
            ]
        )
        == 0
    )
    assert "Đã áp dụng phương án" in capsys.readouterr().out
    assert Unit.objects.filter(code="X1").exists()


def test_command_errors_go_to_stderr_with_status_1(u, tmp_path, capsys, keep_connection):
    plan = write(tmp_path, "op,unit,into,name,kind,category\nrename,NOPE,,A,,\ndissolve,B1,,,,\n")

    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "reorg_apply", str(plan), on="2025-07-01", decision="x", stderr=err, stdout=StringIO()
        )
    assert caught.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("plan.csv, dòng 2, cột «unit»: không có đơn vị mã «NOPE»")
    assert lines[1].startswith("plan.csv, dòng 3, cột «unit»: Không thể giải thể «B1»")
    status = coso_main(
        ["coso", "reorg", "apply", str(plan), "--on", "2025-07-01", "--decision", "x"]
    )
    assert status == 1
    assert "NOPE" in capsys.readouterr().err
    with pytest.raises(CommandError, match="ngày không hợp lệ"):
        call_command("reorg_apply", str(plan), on="31/02/2025", decision="x")


def test_command_help_is_in_plain_words(capsys):
    assert coso_main(["coso", "reorg", "apply", "--help"]) == 0
    text = capsys.readouterr().out
    assert "phương án" in text and "reorganization plan" in text and "--dry-run" in text
