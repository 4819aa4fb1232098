"""Households, responsibilities (history, not overwrite), visits, the coverage figures of
`coso report households` (exact, and in a fixed number of queries), assignments and the
demo's loader on a small tree."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from coso.audit.models import AuditEntry
from coso.core.errors import CosoError
from coso.meetings.models import Invitation, Meeting
from coso.members.models import Member
from coso.outreach import tally
from coso.outreach.demo import load_households
from coso.outreach.models import HouseholdResponsibility
from coso.outreach.operations import (
    assign_cadre,
    assign_household,
    file_assignment_report,
    record_visit,
    register_household,
)
from coso.outreach.queries import _coverage_everywhere, assigned_attendance, household_coverage
from coso.units.operations import create_unit
from tests.cast import START, Cast, _member

D = dt.date(2024, 12, 31)


def _cli(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("report_households", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _household(cast: Cast, code: str, area: Any = None, on: dt.date = dt.date(2022, 1, 3)) -> Any:
    return register_household(
        code=code, head_name="Chủ hộ", address="Thôn", area=area or cast.B, on=on, size=3
    )


def test_coverage_counts_members_households_visits_and_gaps(cast: Cast) -> None:
    b1, b2, c2 = cast.members["b1"], cast.members["b2"], cast.members["c2"]
    h1, h2, _h3 = (_household(cast, f"H{i}") for i in (1, 2, 3))
    h4 = _household(cast, "H4", area=cast.BC2)
    assign_household(h1, b1, on=dt.date(2023, 1, 2))
    assign_household(h2, b1, on=dt.date(2023, 1, 2))
    assign_household(h4, b2, on=dt.date(2023, 1, 2))  # a member of B for a household of C2
    record_visit(h1, b1, on=dt.date(2024, 11, 5))  # this quarter
    record_visit(h2, b1, on=dt.date(2024, 9, 30))  # last quarter
    figures = _cli("B", "--as-of", "2024-12-31")
    # B's members look after h1, h2 (in B) and h4 (in C2); h3 in B has nobody.
    assert figures == {
        "responsible_members": 2,
        "households": 4,
        "visited_this_quarter": 1,
        "without_member": 1,
    }
    assert _cli("C2", "--as-of", "2024-12-31") == {
        "responsible_members": 0,
        "households": 1,  # h4, registered there
        "visited_this_quarter": 0,
        "without_member": 0,
    }
    # History: b1 hands h2 over to c2 on 1 Dec; the earlier responsibility is closed, not lost.
    assign_household(h2, c2, on=dt.date(2024, 12, 1))
    rows = list(HouseholdResponsibility.objects.filter(household=h2).order_by("valid_from"))
    assert [(r.member_id, r.valid_to) for r in rows] == [
        (b1.pk, dt.date(2024, 12, 1)),
        (c2.pk, dt.date(9999, 12, 31)),
    ]
    assert _cli("B", "--as-of", "2024-11-30")["households"] == 4
    assert _cli("B", "--as-of", "2024-12-31")["responsible_members"] == 2  # b1, b2
    assert _cli("C2", "--as-of", "2024-12-31")["responsible_members"] == 1  # c2 now
    assert AuditEntry.objects.filter(action="household_assign").count() == 4


def test_refusals_name_the_field(cast: Cast) -> None:
    h = _household(cast, "H1")
    with pytest.raises(CosoError, match="Số hộ: «H1» đã có"):
        _household(cast, "H1")
    with pytest.raises(CosoError, match="Hộ nghèo và hộ cận nghèo"):
        register_household(
            code="H9", head_name="X", address="Y", area=cast.B, on=START, poor=True, near_poor=True
        )
    with pytest.raises(CosoError, match=r"Đảng viên thăm hộ: .* không phụ trách hộ H1"):
        record_visit(h, cast.members["b1"], on=dt.date(2024, 1, 5))
    assign_household(h, cast.members["b1"], on=dt.date(2024, 1, 2))
    with pytest.raises(CosoError, match="đã có phân công từ 02/01/2024"):
        assign_household(h, cast.members["b2"], on=dt.date(2023, 6, 1))


def test_coverage_reads_in_four_queries_at_any_level(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        h = _household(cast, f"H{i}", area=cast.B if i % 2 else cast.BC2)
        assign_household(h, cast.members["b1"], on=dt.date(2023, 1, 2))
    live = {}
    for unit in (cast.P, cast.C, cast.B):
        # The unit's span, whether a root is the only one (P), then four counts.
        with django_assert_max_num_queries(6):
            live[unit.code] = household_coverage(unit, D)
    assert live[cast.P.code]["households"] == 12
    tally.rebuild()
    for unit in (cast.P, cast.C, cast.B):
        # The same from the tally: the span, only root?, built?, the units' sums, the others.
        with django_assert_max_num_queries(5):
            assert household_coverage(unit, D) == live[unit.code]


def test_assigned_cadre_attendance_and_reports(cast: Cast) -> None:
    b2x = cast.members["b2x"]
    assignment = assign_cadre(
        member=b2x, unit=cast.B, assigned_by=cast.C, on=dt.date(2024, 1, 2), area="Theo dõi"
    )
    held = Meeting.objects.create(
        unit=cast.B, kind="regular", form="in_person", on=dt.date(2024, 3, 5), status="held"
    )
    Meeting.objects.create(
        unit=cast.B, kind="regular", form="in_person", on=dt.date(2024, 4, 5), status="held"
    )
    Invitation.objects.create(meeting=held, member=b2x, role="guest", status="present")
    rows = assigned_attendance(assignment, until=dt.date(2024, 6, 30))
    assert [(r.on, r.status) for r in rows] == [
        (dt.date(2024, 3, 5), "present"),
        (dt.date(2024, 4, 5), ""),
    ]
    file_assignment_report(assignment, period_end=dt.date(2024, 6, 30), text="Ổn định")
    with pytest.raises(CosoError, match="Kỳ báo cáo: đã có báo cáo"):
        file_assignment_report(assignment, period_end=dt.date(2024, 6, 30), text="Lại")
    with pytest.raises(CosoError, match="không trực thuộc «B»"):
        assign_cadre(member=b2x, unit=cast.C, assigned_by=cast.B, on=dt.date(2024, 1, 2))


def test_demo_loader_makes_the_figures_it_is_asked_for(cast: Cast) -> None:
    """The demo's soldiers: `responsible` members of the posts for exactly `households`
    households of the villages they cover (the seed's 377 / 1,741 in tests/demo)."""
    post = create_unit(code="BP-1", name="Đồn 1", kind="grassroots_branch", parent=cast.Q, on=START)
    for i in range(9):
        _member(f"BP-{i}", f"Chiến sĩ {i}", post)
    Member.objects.filter(member_id__startswith="BP-").update(official_on=dt.date(2022, 3, 1))
    report = load_households(
        posts={"BP-1": ["C", "C2"]}, figures_day=D, responsible=7, households=33, seed=3
    )
    assert report.households == 33
    # The loader rebuilt the coverage tally of the whole registry (cast.P is not its only root).
    everywhere = _coverage_everywhere(cast.P, D)
    assert everywhere["households"] == 33 and everywhere["responsible_members"] == 7
    assert {"unit": "P", "as_of": D.isoformat(), **(tally.read(D) or {})} == everywhere
    figures = _cli("BP-1", "--as-of", "2024-12-31")
    assert figures["responsible_members"] == 7 and figures["households"] == 33
    assert 0 < figures["visited_this_quarter"] < 33  # about three quarters visit each quarter
    assert figures["without_member"] == 0
    # The villages' own view: their households all have a member responsible.
    village = _cli("C", "--as-of", "2024-12-31")
    assert village["without_member"] == 0 and village["responsible_members"] == 0
