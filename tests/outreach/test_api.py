"""The outreach API: a petition received, handled and resolved through it with the same
masking as the pages; an assignment made and reported on; a household registered and given a
member responsible (history kept); refusals answer 409 with the field named."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from coso.outreach.access import HIDDEN
from coso.outreach.models import HouseholdResponsibility
from tests.cast import Cast


class Api:
    def __init__(self, cast: Cast, role: str) -> None:
        self.client = Client(headers={"Authorization": f"Bearer {cast.token(role)}"})

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get("/api/v1" + path, query)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post("/api/v1" + path, json.dumps(body), content_type="application/json")


def test_petition_through_the_api(cast: Cast) -> None:
    committee, secretary = Api(cast, "committee"), Api(cast, "secretary")
    created = committee.post(
        "/units/C/petitions",
        {
            "kind": "complaint",
            "category": "land",
            "received_on": "2024-03-04",
            "petitioner_name": "Trương Thị Đơn",
            "summary": "Tranh chấp đất",
            "place": "Thôn B",
            "place_unit": "B",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["petitioner_name"] == "Trương Thị Đơn" and body["due_on"] == "2024-04-03"
    pid = body["id"]
    seen = secretary.get(f"/petitions/{pid}").json()
    assert seen["petitioner_name"] == HIDDEN and seen["identity_hidden"] is True
    refused = committee.post(
        f"/petitions/{pid}/escalate", {"to": "B", "on": "2024-03-10", "reason": "x"}
    )
    assert refused.status_code == 409 and "Cấp trên nhận đơn" in refused.json()["message"]
    step = committee.post(f"/petitions/{pid}/steps", {"on": "2024-03-10", "text": "Xác minh"})
    assert step.status_code == 200
    done = committee.post(
        f"/petitions/{pid}/resolve",
        {"on": "2024-03-30", "resolution": "Đã hòa giải", "satisfaction": "satisfied"},
    )
    assert done.json()["status"] == "resolved" and done.json()["overdue"] is False
    overdue = committee.get("/units/C/petitions/overdue").json()
    assert (overdue["open"], overdue["overdue"]) == (0, 0)


def test_assignment_and_household_through_the_api(cast: Cast) -> None:
    committee, secretary = Api(cast, "committee"), Api(cast, "secretary")
    made = committee.post(
        "/units/C/assignments", {"member": "CAST-B2X", "unit": "B", "on": "2024-01-02"}
    )
    assert made.status_code == 201, made.content
    aid = made.json()["id"]
    report = committee.post(
        f"/assignments/{aid}/reports", {"period_end": "2024-06-30", "text": "Ổn định"}
    )
    assert report.status_code == 201 and report.json()["reports"][0]["text"] == "Ổn định"
    assert secretary.get(f"/assignments/{aid}").status_code == 200
    household = secretary.post(
        "/units/B/households",
        {"code": "H1", "head_name": "Chủ hộ", "address": "Thôn B", "area": "B", "on": "2022-01-03"},
    )
    assert household.status_code == 201, household.content
    hid = household.json()["id"]
    for member, on in (("CAST-B1", "2023-01-02"), ("CAST-B2", "2024-05-06")):
        answer = secretary.post(f"/households/{hid}/responsible", {"member": member, "on": on})
        assert answer.status_code == 200 and answer.json()["responsible"] == member
    assert HouseholdResponsibility.objects.filter(household_id=hid).count() == 2
    coverage = secretary.get("/units/B/households/coverage", as_of="2024-12-31").json()
    assert coverage["responsible_members"] == 1 and coverage["households"] == 1
    bad = secretary.post(
        f"/households/{hid}/responsible", {"member": "CAST-B1", "on": "2023-06-01"}
    )
    assert bad.status_code == 409 and "đã có phân công từ 06/05/2024" in bad.json()["message"]
