"""The tracking view rolled up the tree, its xlsx, the reminders and the timeliness figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from coso.core.dates import today
from coso.core.errors import CosoError
from coso.core.spreadsheet import read_xlsx
from coso.followup import operations as ops
from coso.followup.queries import directive_timeliness, reminders, tracking
from coso.followup.reports import export_tracking_xlsx, headers
from coso.meetings.models import Meeting
from coso.units.operations import create_unit
from tests.followup.helpers import TERMS, cascade_day, cascaded, step_of


def _report(directive, code, day, **kw):
    step = step_of(directive, code, **kw)
    ops.report_step(step, done_on=day)
    return step


def _scenario(cast):
    """B studied on time, B2 late, BC2 never (overdue); B made its plan late."""
    directive = cascaded(cast)
    on = cascade_day()
    _report(directive, "B", on + dt.timedelta(days=10), kind="study")
    _report(directive, "B2", on + dt.timedelta(days=40), kind="study")
    _report(directive, "B", on + dt.timedelta(days=50), kind="plan")
    return directive


def test_roll_up_counts_per_child_with_overdue_units_first(cast):
    directive = _scenario(cast)
    report = tracking(directive, cast.P)
    assert [r.code for r in report.rows] == ["C2", "C"]  # C2's one branch has overdue steps
    c2, c = report.rows
    assert (c.units, c2.units) == (2, 1)
    assert c.steps["study"].counts == {"done": 1, "late": 1, "overdue": 0, "pending": 0}
    assert c.steps["plan"].counts == {"done": 0, "late": 1, "overdue": 1, "pending": 0}
    assert c.steps["report"].counts == {"done": 0, "late": 0, "overdue": 0, "pending": 4}
    assert c.overdue_units == 1  # B2 (its plan); B has done both due steps
    assert c2.steps["study"].counts["overdue"] == 1 and c2.overdue_units == 1
    assert report.total.units == 3 and report.total.overdue_units == 2
    assert report.total.steps["study"].counts == {"done": 1, "late": 1, "overdue": 1, "pending": 0}
    assert report.total.steps["study"].percent("done") == 33
    # Drill-down: the commune's rows are its branches; the branch shows its own record.
    inner = tracking(directive, cast.C)
    assert [r.code for r in inner.rows] == ["B2", "B"]
    branch = tracking(directive, cast.B)
    assert branch.rows[0].own and branch.total.units == 1
    assert [s.kind for s in branch.records[0].steps.all()][:2] == ["study", "plan"]


def test_a_units_own_record_is_counted_apart_from_its_children(cast):
    directive = cascaded(cast, kinds=("branch", "commune"))
    report = tracking(directive, cast.C)
    assert report.rows[0].own and report.rows[0].code == "C" and report.rows[0].units == 1
    assert report.total.units == 3  # C itself, B, B2


def test_tracking_query_count_does_not_grow_with_the_tree(cast, django_assert_max_num_queries):
    directive = cascaded(cast)
    with django_assert_max_num_queries(8):
        small = tracking(directive, cast.P)
    for n in range(12):
        commune = create_unit(
            code=f"X{n}", name=f"Xã {n}", kind="commune", parent=cast.P, on=cascade_day()
        )
        for m in range(3):
            create_unit(
                code=f"X{n}-{m}",
                name=f"Chi bộ {m}",
                kind="branch",
                parent=commune,
                on=cascade_day(),
            )
    ops.cascade_directive(directive, cast.P, ["branch"], cascade_day(), TERMS, skip_existing=True)
    with django_assert_max_num_queries(8):
        big = tracking(directive, cast.P)
    assert small.total.units == 3 and big.total.units == 3 + 36
    assert len(big.rows) == 14


def test_a_day_the_unit_did_not_exist_is_refused(cast):
    directive = cascaded(cast)
    with pytest.raises(CosoError, match="không tồn tại"):
        tracking(directive, cast.P, day=dt.date(2019, 1, 1))


def test_xlsx_reads_back_with_the_roll_up_and_keeps_formulas_out(cast):
    odd = create_unit(
        code="XF",
        name='=HYPERLINK("http://evil.example","x")',
        kind="commune",
        parent=cast.P,
        on=cascade_day() - dt.timedelta(days=1),
    )
    create_unit(code="XF1", name="Chi bộ XF1", kind="branch", parent=odd, on=cascade_day())
    directive = _scenario(cast)
    data = export_tracking_xlsx(tracking(directive, cast.P))
    rows = read_xlsx(data)["Theo dõi thực hiện"]
    assert rows[2] == headers()
    by_code = {r[0]: r for r in rows[3:]}
    assert by_code["C"][2:4] == [2, 1]
    # study: done, late, overdue, pending, completion %
    assert by_code["C"][4:9] == [1, 1, 0, 0, 100]
    assert by_code["P"][1] == "Tổng cộng" and by_code["P"][2] == 4
    assert by_code["XF"][1] == '=HYPERLINK("http://evil.example","x")'
    sheet = load_workbook(io.BytesIO(data)).active
    cell = next(r[1] for r in sheet.iter_rows(min_row=4) if r[0].value == "XF")
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula


def test_reminders_count_overdue_and_due_soon_steps_of_the_subtree(cast):
    directive = cascaded(cast)  # study and plan overdue for all three branches
    soon = ops.register_directive(
        owner=cast.P,
        kind="plan",
        number="5-KH/TU",
        issued_on=today() - dt.timedelta(days=30),
        issuer="Tỉnh ủy",
        title="Kế hoạch",
    )
    # Due in 5 days (study) and 10 days (plan): within the rule set's 14.
    ops.cascade_directive(
        soon, cast.C, ["branch"], today() - dt.timedelta(days=25), ops.Terms(30, 35, 6, 1)
    )
    province = reminders(cast.P)
    assert province is not None and province.horizon == 14
    assert (province.overdue, province.soon) == (6, 4)
    assert province.items[0].state == "overdue"
    branch = reminders(cast.B)
    assert (branch.overdue, branch.soon) == (2, 2)
    assert {r.unit_code for r in branch.items} == {"B"}
    ops.report_step(step_of(directive, "B", "study"), done_on=today())
    assert reminders(cast.B).overdue == 1
    assert reminders(cast.units["QB"]).total == 0


def test_directive_timeliness_counts_the_steps_due_in_the_period(cast):
    _scenario(cast)
    on = cascade_day()
    figures = directive_timeliness(cast.P, on, today() + dt.timedelta(days=1))
    assert figures == {"due": 6, "on_time": 1, "late": 2, "overdue": 3, "pending": 0}
    assert directive_timeliness(cast.C, on, today() + dt.timedelta(days=1))["overdue"] == 1
    whole_year = directive_timeliness(cast.B, on, on + dt.timedelta(days=400))
    assert whole_year == {"due": 4, "on_time": 1, "late": 1, "overdue": 0, "pending": 2}


def test_a_study_session_links_to_a_held_meeting_of_the_unit(cast):
    directive = cascaded(cast)
    step = step_of(directive, "B", "study")
    held = Meeting.objects.create(
        unit=cast.B,
        kind="thematic",
        form="in_person",
        on=cascade_day() + dt.timedelta(days=5),
        status="held",
    )
    other = Meeting.objects.create(
        unit=cast.units["B2"], kind="thematic", form="in_person", on=cascade_day(), status="held"
    )
    with pytest.raises(CosoError, match="không phải của đơn vị này"):
        ops.report_step(step, done_on=None, meeting=other)
    with pytest.raises(CosoError, match="chỉ buổi học tập"):
        ops.report_step(step_of(directive, "B", "plan"), done_on=today(), meeting=held)
    with pytest.raises(CosoError, match="trước ngày triển khai"):
        ops.report_step(step, done_on=cascade_day() - dt.timedelta(days=1))
    saved = ops.report_step(step, done_on=None, meeting=held)
    assert saved.done_on == held.on and saved.meeting_id == held.pk
    assert saved.state_on(today()) == "done"


def test_reminder_counts_stop_at_the_cap(cast, monkeypatch):
    from coso.followup import queries

    cascaded(cast)  # six overdue steps under P
    monkeypatch.setattr(queries, "REMINDER_CAP", 4)
    capped = reminders(cast.P)
    assert capped.overdue == 5 and capped.overdue_capped and not capped.soon_capped
    home = cast.client("officer").get("/").content.decode()
    assert "hơn 4 bước quá hạn" in home
