"""The outreach pages read in a bounded number of queries whatever the number of rows, and a
household's responsible member and a committee's assignment go through the forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.outreach.models import Assignment, HouseholdResponsibility
from coso.outreach.operations import assign_household, receive_petition, register_household
from tests.cast import Cast


def _fill(cast: Cast, start: int, stop: int) -> None:
    for i in range(start, stop):
        receive_petition(
            kind="petition",
            category="land",
            received_on=dt.date(2024, 1, 1) + dt.timedelta(days=i),
            petitioner_name=f"Người {i}",
            summary="Đất",
            place="Thôn",
            handling_unit=cast.C if i % 2 else cast.B,
            place_unit=cast.B,
        )
        h = register_household(
            code=f"H{i}", head_name="Chủ", address="Thôn", area=cast.B, on=dt.date(2022, 1, 3)
        )
        assign_household(h, cast.members["b1"], on=dt.date(2023, 1, 2))


def test_lists_are_bounded(cast: Cast, django_assert_max_num_queries: Any) -> None:
    _fill(cast, 0, 3)
    counts: dict[str, int] = {}
    for role in ("officer", "secretary"):
        client = cast.client(role)
        for url in ("/units/B/petitions/", "/units/B/households/", "/units/C/assignments/"):
            if role == "secretary" and "assignments" in url:
                continue
            with django_assert_max_num_queries(40) as few:
                assert client.get(url).status_code == 200
            counts[f"{role} {url}"] = len(few.captured_queries)
    _fill(cast, 3, 33)  # ten times the rows: not one query more
    for role in ("officer", "secretary"):
        client = cast.client(role)
        for url in ("/units/B/petitions/", "/units/B/households/"):
            with django_assert_max_num_queries(counts[f"{role} {url}"]):
                response = client.get(url)
            assert response.status_code == 200


def test_forms_assign_a_household_and_a_cadre(cast: Cast) -> None:
    h = register_household(
        code="H1", head_name="Chủ", address="Thôn", area=cast.B, on=dt.date(2022, 1, 3)
    )
    secretary = cast.client("secretary")
    response = secretary.post(
        f"/households/{h.pk}/",
        {"action": "assign", "assign-member": "CAST-B1", "assign-on": "02/01/2024"},
    )
    assert response.status_code == 302
    assert HouseholdResponsibility.objects.get(household=h).member == cast.members["b1"]
    response = secretary.post(
        f"/households/{h.pk}/", {"action": "assign", "assign-member": "", "assign-on": "x"}
    )
    assert response.status_code == 422
    assert "Từ ngày: " in response.content.decode()
    committee = cast.client("committee")
    response = committee.post(
        "/units/C/assignments/",
        {"member": "CAST-B2X", "unit": "B", "on": "02/01/2024", "area": "Chi bộ B"},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.unit, assignment.assigned_by) == (cast.B, cast.C)
    assert assignment.report_every_months == 6  # households.assignment_report_every_months
    # B's secretary may read it (the unit followed) but not assign from C.
    assert secretary.get(f"/assignments/{assignment.pk}/").status_code == 200
    assert secretary.post("/units/C/assignments/", {}).status_code == 404
