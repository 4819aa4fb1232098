"""The quality API end to end: a self-assessment proposed, vetted and decided; a unit
classified; the summary as the command line counts it; refusals as 409 with the message."""

from __future__ import annotations

from typing import Any

from django.test import Client

from coso.quality.models import Assessment, Classification, CriteriaSet
from coso.quality.presets import QUANG_BINH
from tests.cast import Cast


def _api(cast: Cast, role: str) -> Any:
    token = cast.token(role)
    client = Client()

    def call(method: str, url: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if method == "GET":
            return client.get(f"/api/v1{url}", body or {}, headers=headers)
        return client.post(
            f"/api/v1{url}", body or {}, content_type="application/json", headers=headers
        )

    return call


def test_assessment_proposed_vetted_and_decided(cast: Cast) -> None:
    secretary, committee = _api(cast, "secretary"), _api(cast, "committee")
    qb = CriteriaSet.objects.get(family=QUANG_BINH["family"], version=1)
    made = secretary("POST", "/units/B/assessments", {"criteria_set": qb.pk, "year": 2024})
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert {f["key"] for f in made.json()["evidence"]} >= {"meetings.regular"}
    refused = secretary("POST", f"/assessments/{pk}/scores", {"scores": {"T1.1": 50}})
    assert refused.status_code == 409 and "từ 0 đến 10" in refused.json()["message"]
    scores = {s["code"]: 8 for c in qb.good for s in c["sub"]}
    assert (
        secretary("POST", f"/assessments/{pk}/scores", {"scores": scores}).json()["self_total"]
        == 80
    )
    filed = secretary(
        "POST",
        f"/assessments/{pk}/submit",
        {"on": "2024-12-20", "resolution_date": "2024-12-18", "votes_for": 5},
    )
    assert filed.status_code == 202 and filed.json()["decider"] == "C"
    assert committee("POST", f"/assessments/{pk}/review", {"total": 80}).status_code == 200
    decided = committee(
        "POST",
        f"/proposals/{filed.json()['proposal']}/decide",
        {"outcome": "approved", "decision_number": "55-QĐ/ĐU", "on": "2024-12-30"},
    )
    assert decided.status_code == 200, decided.content
    detail = secretary("GET", f"/assessments/{pk}").json()
    assert (detail["status"], detail["passed"], detail["decision"]) == ("decided", True, "55-QĐ/ĐU")
    assert Assessment.objects.get(pk=pk).review_total == 80
    # The outsider sees none of it.
    assert _api(cast, "outsider")("GET", f"/assessments/{pk}").status_code == 404


def test_classify_and_summary(cast: Cast) -> None:
    committee = _api(cast, "committee")
    done = committee(
        "POST",
        "/units/B/classifications",
        {"on": "2024-12-20", "year": 2024, "level": "good", "decision_number": "9-QĐ/ĐU"},
    )
    assert done.status_code == 200, done.content
    assert (done.json()["level"], done.json()["decision"]) == ("good", "9-QĐ/ĐU")
    member = committee(
        "POST",
        "/members/CAST-B1/classifications",
        {"on": "2024-12-21", "year": 2024, "level": "good", "decision_number": "10-QĐ/ĐU"},
    )
    assert member.status_code == 200, member.content
    summary = _api(cast, "officer")("GET", "/units/P/classifications", {"year": 2024}).json()
    assert summary["regulation"] == "124-QĐ/TW"
    assert summary["units"]["good"] == 1 and summary["members"]["good"] == 1
    assert summary["clean_and_strong"] == ["B"]
    bad = _api(cast, "officer")("GET", "/units/P/classifications", {"year": 1800})
    assert bad.status_code == 422
    proposed = _api(cast, "secretary")(
        "POST",
        "/members/CAST-B2/classifications",
        {
            "on": "2024-12-21",
            "year": 2024,
            "level": "complete",
            "resolution_date": "2024-12-19",
            "votes_for": 4,
        },
    )
    assert proposed.status_code == 202
    assert not Classification.objects.filter(member__member_id="CAST-B2").exists()
    trail = _api(cast, "member")("GET", "/members/CAST-B1/classifications").json()
    assert trail["ratings"][0]["level"] == "good"
